"""Parse RSS/Atom bytes with feedparser, safely, into the entries mediamon keeps.

feedparser gets bytes we fetched ourselves (never a URL), made safe first (feeds.sanitise).
A feed is judged by the format feedparser recognised, not by its `bozo` flag: a consent
page parses "cleanly" to nothing.

Relative links resolve against the feed's own URL (after redirects), as feedparser does
when it fetches a feed itself. Values from the feed have a size policy before they reach
an index: links over MAX_URL_LENGTH characters are refused (never cut), ids over
_MAX_GUID_BYTES are replaced by their SHA-256, titles and summaries are cut.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

from mediamon.extract.dates import plausible
from mediamon.feeds.sanitise import FeedRejected, decode_to_utf8, sanitise_feed_bytes
from mediamon.fetch.urls import MAX_URL_LENGTH, InvalidURL, normalise_url, without_userinfo
from mediamon.text import clean_text

_MAX_ENTRIES = 2000
_MAX_FIELD = 20_000
_MAX_TITLE = 2000
# Entry ids are unique per feed through a B-tree index (at most ~2,700 bytes a row):
# longer ids are stored as their hash.
_MAX_GUID_BYTES = 500
_ARTICLE_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_ABSOLUTE = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*:")  # a URI scheme


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    link: str  # as listed, less any user name and password
    page_url: str  # normalised
    title: str | None
    summary: str | None
    published_at: datetime | None


@dataclass
class ParsedFeed:
    version: str
    title: str | None
    site_url: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one reason per entry left out
    malformed: str | None = None  # feedparser's bozo reason, when it recovered


def summarise_skipped(skipped: list[str]) -> str | None:
    """Entries left out, in one line: how many, and each reason with its count."""
    if not skipped:
        return None
    reasons = Counter(skipped).most_common()
    listed = ", ".join(f"{reason} ({count:,})" for reason, count in reasons[:5])
    more = f", and {len(reasons) - 5} other reasons" if len(reasons) > 5 else ""
    return f"{len(skipped):,} entries skipped: {listed}{more}"


def _entry_datetime(entry: dict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError):
                continue
            if plausible(when):
                return when
    return None


def _text(value: object, limit: int = _MAX_FIELD) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = clean_text(value)[:limit].strip()
    return cleaned or None


def _article_link(raw: dict) -> str:
    """The entry's link to its article: an alternate link to an HTML page, never an
    enclosure (a podcast's audio file is not an article)."""
    link = raw.get("link")
    if isinstance(link, str) and link.strip():
        return link
    kinds = []
    for candidate in raw.get("links") or []:
        if not isinstance(candidate, dict) or not isinstance(candidate.get("href"), str):
            continue
        rel = candidate.get("rel") or "alternate"
        kind = str(candidate.get("type") or "text/html").split(";", 1)[0].strip().lower()
        if rel == "alternate" and kind in _ARTICLE_TYPES and candidate["href"].strip():
            return candidate["href"]
        kinds.append(f"{rel} {kind}"[:60])
    if kinds:
        listed = ", ".join(sorted(set(kinds))[:3])
        raise ValueError(f"entry has no article link (only {listed})")
    raise ValueError("entry has no link")


def _guid(listed_id: object, page_url: str) -> str:
    guid = clean_text(listed_id).strip() if isinstance(listed_id, str) else ""
    guid = guid or page_url
    if len(guid.encode()) > _MAX_GUID_BYTES:
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    return guid


def _entry(raw: dict, listed_id: object) -> FeedEntry:
    """One entry; `listed_id` is its id as the feed lists it (feedparser resolves ids
    against the base too, and a stored guid must not change when a base is given)."""
    link_is_guid = raw.get("guidislink") and raw.get("link") == raw.get("id")
    if link_is_guid and isinstance(listed_id, str) and not _link_like(listed_id):
        # RSS takes a guid for the permalink unless told otherwise; "12345" is no link,
        # and resolved against the feed's URL it would name a page that does not exist.
        raise ValueError("entry has no link (its guid is not a URL)")
    link = clean_text(_article_link(raw)).strip()
    if not link:
        raise ValueError("entry has no link")
    if len(link) > MAX_URL_LENGTH:
        raise ValueError(
            f"entry link is {len(link):,} characters, over the {MAX_URL_LENGTH:,} accepted"
        )
    try:
        page_url = normalise_url(link)
    except InvalidURL as exc:
        raise ValueError(f"entry link refused: {exc}") from exc
    return FeedEntry(
        guid=_guid(listed_id, page_url),
        link=without_userinfo(link),
        page_url=page_url,
        title=_text(raw.get("title"), _MAX_TITLE),
        summary=_text(raw.get("summary")),
        published_at=_entry_datetime(raw),
    )


def _site_url(meta: dict) -> str | None:
    for key in ("link", "id"):
        value = _text(meta.get(key), MAX_URL_LENGTH + 1)
        if value:
            try:
                return normalise_url(value)  # refuses what is over the size policy
            except InvalidURL:
                continue
    return None


def _feedparser_parse(body: bytes, content_type: str | None, base_url: str | None) -> dict:
    headers = {"content-type": content_type} if content_type else {}
    if base_url:
        # As feedparser reads a feed it fetched: the base is the Content-Location.
        headers["content-location"] = base_url
        # Headers without a Content-Type read as "no Content-type specified" (bozo); for
        # decoding, application/xml is what no header at all means (XML declaration, UTF-8).
        headers.setdefault("content-type", "application/xml")
    try:
        return feedparser.parse(
            body,
            response_headers=headers or None,
            sanitize_html=False,  # we store text, never render feed HTML
            resolve_relative_uris=False,  # in content HTML; links resolve regardless
        )
    except Exception as exc:  # feedparser raises odd types on hostile input
        raise FeedRejected(f"feed parser failed: {type(exc).__name__}: {str(exc)[:200]}") from exc


def _link_like(value: str) -> bool:
    """An absolute URL, or a relative one with a path (`/2024/a.html`, `a/b.html`)."""
    return bool(_ABSOLUTE.match(value)) or "/" in value


def _lists_relative_links(raw: dict) -> bool:
    """True when the feed's link or an entry's link is relative (has no scheme)."""
    hrefs = [raw.get("feed", {}).get("link")]
    for entry in raw.get("entries", [])[:_MAX_ENTRIES]:
        hrefs.append(entry.get("link"))
        hrefs += [link.get("href") for link in entry.get("links") or [] if isinstance(link, dict)]
    return any(isinstance(href, str) and not _ABSOLUTE.match(href) for href in hrefs if href)


def parse_feed(
    body: bytes, content_type: str | None = None, base_url: str | None = None
) -> ParsedFeed:
    """Entries of an RSS/Atom body; raises FeedRejected for refused or unrecognised bodies.

    `base_url`: the feed's URL (after redirects), against which relative links resolve.
    """
    utf8, content_type, decoding_remark = decode_to_utf8(body, content_type)
    safe = sanitise_feed_bytes(utf8)
    as_listed = raw = _feedparser_parse(safe, content_type, None)
    # With a base, feedparser parses a URL at every element (a third more CPU), so the
    # base is given only to a feed that lists relative links: it is parsed again.
    if base_url and _lists_relative_links(as_listed):
        raw = _feedparser_parse(safe, content_type, base_url)
    version = raw.get("version") or ""
    if not version and not raw.get("entries"):
        looks_html = b"<html" in safe[:4096].lower()
        kind = (
            "an HTML page (consent wall, paywall or error page?)" if looks_html else "not RSS/Atom"
        )
        raise FeedRejected(f"body is {kind}: no feed format recognised")
    meta = raw.get("feed", {})
    feed = ParsedFeed(
        version=version or "unknown", title=_text(meta.get("title")), site_url=_site_url(meta)
    )
    if raw.get("bozo"):
        exception = raw.get("bozo_exception")
        feed.malformed = f"{type(exception).__name__}: {exception}"[:300]
    elif decoding_remark:
        feed.malformed = decoding_remark[:300]
    entries = raw.get("entries", [])
    listed_ids = [entry.get("id") for entry in as_listed.get("entries", [])]
    if len(listed_ids) != len(entries):  # the same bytes parse to the same entries
        listed_ids = [entry.get("id") for entry in entries]
    for raw_entry, listed_id in zip(entries[:_MAX_ENTRIES], listed_ids, strict=False):
        try:
            feed.entries.append(_entry(raw_entry, listed_id))
        except ValueError as exc:
            feed.skipped.append(str(exc))
    if len(entries) > _MAX_ENTRIES:
        feed.skipped += [f"beyond the first {_MAX_ENTRIES:,} entries of the feed"] * (
            len(entries) - _MAX_ENTRIES
        )
    return feed


def feed_base_url(final_url: str, content_location: str | None) -> str:
    """The base for the feed's relative links, as HTTP defines it (and feedparser reads
    it when it fetches a feed): the Content-Location, resolved against the URL fetched."""
    if content_location:
        try:
            located = urljoin(final_url, content_location.strip())
        except ValueError:  # "http://[::1" and the like
            return final_url
        if located.lower().startswith(("http://", "https://")):
            return located
    return final_url
