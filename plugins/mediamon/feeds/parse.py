"""Parse RSS/Atom bytes with feedparser, safely.

feedparser gets bytes we fetched ourselves (never a URL). Before it sees them we refuse
internal entity declarations (a 160 KB feed can expand to gigabytes), drop DOCTYPEs,
and replace character references that make feedparser raise (code points beyond
U+10FFFF, surrogates) or that PostgreSQL rejects (NUL). A feed is judged by the format
feedparser recognised, not by its `bozo` flag: a consent page parses "cleanly" to nothing.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser

from mediamon.extract.dates import plausible
from mediamon.fetch.urls import InvalidURL, normalise_url
from mediamon.text import clean_text

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", re.IGNORECASE | re.DOTALL)
_CHAR_REFERENCE = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
_MAX_ENTRIES = 2000
_MAX_FIELD = 20_000


class FeedRejected(ValueError):
    """The body is refused before parsing (entity declarations)."""


@dataclass(frozen=True)
class FeedEntry:
    guid: str
    link: str  # as listed
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


def _fix_reference(match: re.Match[bytes]) -> bytes:
    digits = match.group(1)
    try:
        code = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
    except ValueError:
        return b"\xef\xbf\xbd"
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return "\ufffd".encode()
    return match.group(0)


def sanitise_feed_bytes(body: bytes) -> bytes:
    """Refuse entity declarations, drop DOCTYPEs, neutralise unsafe character references."""
    if _ENTITY_DECLARATION.search(body):
        raise FeedRejected("feed declares XML entities (refused: entity expansion risk)")
    body = _DOCTYPE.sub(b"", body)
    body = body.replace(b"\x00", b"")
    return _CHAR_REFERENCE.sub(_fix_reference, body)


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


def _entry(raw: dict) -> FeedEntry:
    link = _text(raw.get("link"), 4000)
    if not link:
        for candidate in raw.get("links") or []:
            if isinstance(candidate, dict) and candidate.get("href"):
                link = _text(candidate["href"], 4000)
                break
    if not link:
        raise ValueError("entry has no link")
    try:
        page_url = normalise_url(link)
    except InvalidURL as exc:
        raise ValueError(f"entry link refused: {exc}") from exc
    guid = _text(raw.get("id"), 2000) or page_url
    if len(guid) > 500:
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    return FeedEntry(
        guid=guid,
        link=link,
        page_url=page_url,
        title=_text(raw.get("title"), 2000),
        summary=_text(raw.get("summary")),
        published_at=_entry_datetime(raw),
    )


def _site_url(meta: dict) -> str | None:
    for key in ("link", "id"):
        value = _text(meta.get(key), 2000)
        if value:
            try:
                return normalise_url(value)
            except InvalidURL:
                continue
    return None


def parse_feed(body: bytes, content_type: str | None = None) -> ParsedFeed:
    """Entries of an RSS/Atom body; raises FeedRejected for refused or unrecognised bodies."""
    safe = sanitise_feed_bytes(body)
    headers = {"content-type": content_type} if content_type else None
    try:
        raw = feedparser.parse(
            safe,
            response_headers=headers,
            sanitize_html=False,  # we store text, never render feed HTML
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser raises odd types on hostile input
        raise FeedRejected(f"feed parser failed: {type(exc).__name__}: {str(exc)[:200]}") from exc
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
        feed.malformed = f"{type(raw.get('bozo_exception')).__name__}: {raw.get('bozo_exception')}"[
            :300
        ]
    for raw_entry in raw.get("entries", [])[:_MAX_ENTRIES]:
        try:
            feed.entries.append(_entry(raw_entry))
        except ValueError as exc:
            feed.skipped.append(str(exc))
    return feed
