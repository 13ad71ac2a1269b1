"""URL normalisation: one spelling per document, so the same page is stored once.

Rules: lowercase scheme and host, drop default ports, the fragment, any user name and
password, and empty query values of tracking parameters, drop tracking parameters
(TRACKING_PARAMETERS and every `utm_*`), keep every other query parameter in its original
order (order can matter to some CMSs), resolve dot segments, and percent-encode
consistently. Internationalised host names are encoded as browsers do (UTS-46 mapping,
IDNA 2008: `faß.example` is `xn--fa-hia.example`, not IDNA 2003's `fass.example`).

Size policy: a URL longer than MAX_URL_LENGTH characters, as given or once normalised, is
refused (never cut: a cut URL names another page), and so is a host name longer than DNS
allows. Every URL mediamon stores therefore has a known bound.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

import idna

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
# The longest URL mediamon accepts (feeds, entry links, pages), in characters.
MAX_URL_LENGTH = 4000
# DNS limits: 253 characters for a name (without its trailing dot), 63 for a label.
_MAX_HOST_LENGTH = 253
_MAX_LABEL_LENGTH = 63


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


def _too_long(url: str, what: str = "URL") -> InvalidURL:
    return InvalidURL(
        f"{what} is {len(url):,} characters, over the {MAX_URL_LENGTH:,} accepted: {url[:100]!r}..."
    )


def ascii_host(host: str) -> str:
    """`host` as DNS and HTTP carry it: UTS-46 mapped, non-ASCII labels IDNA 2008 encoded.

    ASCII labels are only lowercased (an underscore, refused by IDNA 2008, is common in
    real host names). Raises InvalidURL for names IDNA refuses or DNS cannot hold.
    """
    if not host.isascii():
        try:
            mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
            host = ".".join(
                label if label.isascii() else idna.alabel(label).decode("ascii")
                for label in mapped.split(".")
            )
        except (idna.IDNAError, UnicodeError) as exc:
            raise InvalidURL(f"invalid host name: {host[:100]!r} ({exc})"[:300]) from exc
    host = host.lower()
    if len(host) > _MAX_HOST_LENGTH or any(
        len(label) > _MAX_LABEL_LENGTH for label in host.split(".")
    ):
        raise InvalidURL(f"host name longer than DNS allows: {host[:100]!r}...")
    return host


def has_userinfo(url: str) -> bool:
    """True when the URL carries a user name or password (`https://user:pass@host/`)."""
    try:
        return "@" in urlsplit(url).netloc
    except ValueError:
        return False


def without_userinfo(url: str) -> str:
    """`url` as given, less any `user:password@` (kept out of storage and exports)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def normalise_url(url: str) -> str:
    """The canonical spelling of an absolute http(s) URL; raises InvalidURL otherwise.

    Credentials in the URL are dropped: the document is the same without them, and a
    password must not be stored or exported (feed URLs with credentials are refused
    earlier, by the feed list).
    """
    if not isinstance(url, str):
        raise InvalidURL("URL is not text")
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise _too_long(url)
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
    host = ascii_host(host)
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query_pairs = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_parameter(name)
    ]
    query = urlencode(query_pairs, doseq=True, safe=_QUERY_SAFE, quote_via=quote)
    normalised = urlunsplit((scheme, netloc, _normalise_path(parts.path), query, ""))
    if len(normalised) > MAX_URL_LENGTH:  # percent-encoding can multiply a length by nine
        raise _too_long(normalised, "URL once percent-encoded")
    return normalised


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
