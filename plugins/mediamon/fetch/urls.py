"""URL normalisation: one spelling per document, so the same page is stored once.

Rules: lowercase scheme and host, drop default ports, the fragment and empty query
values of tracking parameters, drop tracking parameters (TRACKING_PARAMETERS and
every `utm_*`), keep every other query parameter in its original order (order can
matter to some CMSs), resolve dot segments, and percent-encode consistently.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Parameters that identify a campaign, click or mailing, never the document.
TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "igshid",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "rb_clickid",
        "s_cid",
        "cmpid",
        "ncid",
        "ocid",
        "sr_share",
        "smid",
        "ref_src",
        "ref_url",
        "cmp",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "spm",
        "taid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "__twitter_impression")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Characters left unescaped in paths and queries (RFC 3986 unreserved + sub-delims kept as-is).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = "/:@!$'()*+,;-._~?"


class InvalidURL(ValueError):
    """Not an absolute http(s) URL."""


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def _normalise_path(path: str) -> str:
    if not path:
        return "/"
    trailing = path.endswith("/")
    resolved = posixpath.normpath(unquote(path))
    if resolved == ".":
        resolved = "/"
    resolved = "/" + resolved.lstrip("/")
    if trailing and not resolved.endswith("/"):
        resolved += "/"
    return quote(resolved, safe=_PATH_SAFE)


def normalise_url(url: str) -> str:
    """The canonical spelling of an absolute http(s) URL; raises InvalidURL otherwise."""
    if not isinstance(url, str):
        raise InvalidURL("URL is not text")
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"malformed URL: {url[:200]!r}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise InvalidURL(f"not an http(s) URL: {url[:200]!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise InvalidURL(f"URL has no host: {url[:200]!r}")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError as exc:
        raise InvalidURL(f"invalid host name: {host[:100]!r}") from exc
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query_pairs = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_parameter(name)
    ]
    query = urlencode(query_pairs, doseq=True, safe=_QUERY_SAFE, quote_via=quote)
    return urlunsplit((scheme, netloc, _normalise_path(parts.path), query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def source_of(url: str) -> str:
    """The outlet a URL belongs to: its host without a leading `www.`."""
    host = host_of(url)
    return host[4:] if host.startswith("www.") else host


def outlet_of(url: str, site_urls: Iterable[str] = ()) -> str:
    """The outlet a page belongs to.

    Usually its host (`source_of`). Where several outlets share one host under path
    prefixes (a publisher's network, the fixture newsroom), a feed's site URL with a path
    names the outlet: the longest such prefix of `url` wins.
    """
    best = ""
    for site in site_urls:
        prefix = site if site.endswith("/") else site + "/"
        if (
            urlsplit(prefix).path not in ("", "/")
            and url.startswith(prefix)
            and len(prefix) > len(best)
        ):
            best = prefix
    if best:
        parts = urlsplit(best)
        return source_of(best) + parts.path.rstrip("/")
    return source_of(url)


def host_key(url: str) -> str:
    """Host and port: the unit of politeness, deferral and robots.txt."""
    return urlsplit(url).netloc.lower()
