"""Article text and metadata from one HTML page (pure: bytes in, `Extracted` out).

trafilatura runs in precision mode without comments (F1 0.964 on the benchmark pages
against 0.954 for its defaults). Precision mode now and then drops nearly a whole
article; when its text is short and the recall mode finds at least twice as much, the
recall text wins (F1 0.971). The second pass runs only on those short pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import trafilatura

from mediamon.text import clean_text

SHORT_TEXT_CHARS = 500
RECALL_GAIN = 2.0
_DATE_PARAMS = {
    "extensive_search": True,
    "original_date": True,
    "outputformat": "%Y-%m-%dT%H:%M:%S%z",
}
# Short texts that are a wall in front of the article, not the article.
_WALL_PATTERNS = re.compile(
    r"(subscribe (now )?to (continue|read)|already a subscriber|sign in to (continue|read)"
    r"|this (content|article) is (only )?(available|reserved) (to|for) subscribers"
    r"|we use cookies|accept (all )?cookies|cookie (settings|preferences|consent)"
    r"|before you continue|enable javascript|are you a robot|verify you are human"
    r"|your privacy choices|manage (your )?consent)",
    re.IGNORECASE,
)
_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.IGNORECASE)
_HTML_LANG = re.compile(
    r"""<html\b[^>]*?\s(?:xml:)?lang\s*=\s*["']?([a-zA-Z]{2,3})\b""", re.IGNORECASE
)
_LINK_TAG = re.compile(r"<link\b[^>]*>", re.IGNORECASE)
_REL_CANONICAL = re.compile(r"""\brel\s*=\s*["']?[^"'>]*\bcanonical\b""", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
# Head metadata sits near the top; scanning a bounded prefix keeps this cheap on huge pages.
_HEAD_CHARS = 200_000


@dataclass
class Extracted:
    text: str
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    site_name: str | None = None
    language: str | None = None
    published: str | None = None  # as the page states it; dates.py decides
    canonical_url: str | None = None  # rel=canonical, absolute
    status: str = "stored"  # stored | empty | wall
    status_reason: str | None = None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    import codecs

    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns (text, encoding used).

    Bytes that are valid UTF-8 are UTF-8, whatever a (wrong) meta tag claims: legacy
    8-bit text is almost never valid UTF-8 by accident. Otherwise the declared charsets
    (HTTP header, then <meta>) are tried strictly, and charset detection decides when
    they are wrong too (Latin-1 bytes labelled UTF-8 is the usual case).
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = []
    if content_type:
        match = _HTTP_CHARSET.search(content_type)
        if match:
            declared.append(match.group(1))
    match = _CHARSET_META.search(body[:4096])
    if match:
        declared.append(match.group(1).decode("ascii", "ignore"))
    for name in declared:
        codec = _codec(name)
        if codec is None or codec == "utf-8":
            continue
        try:
            return body.decode(codec), codec
        except UnicodeDecodeError:
            continue
    # Undeclared or wrongly declared 8-bit text. Latin-script text has few high bytes
    # (accents), and windows-1252 is the web's fallback for it; a script written mostly
    # in high bytes (Cyrillic, Greek, ...) is left to charset detection, which is reliable
    # there and unreliable on short Latin-script text.
    sample = body[:200_000]
    high = sum(byte >= 0x80 for byte in sample)
    letters = high + sum(chr(byte).isalpha() for byte in sample if byte < 0x80)
    if letters and high / letters < 0.3:
        return body.decode("windows-1252", "replace"), "windows-1252"
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    codec = (_codec(best.encoding) if best else None) or "windows-1252"
    return body.decode(codec, "replace"), codec


def canonical_link(html_text: str, base_url: str | None) -> str | None:
    """The page's rel=canonical URL, absolute, or None."""
    for tag in _LINK_TAG.finditer(html_text, 0, _HEAD_CHARS):
        if _REL_CANONICAL.search(tag.group(0)):
            href = _HREF.search(tag.group(0))
            value = next((g for g in href.groups() if g), "").strip() if href else ""
            if value:
                return urljoin(base_url or "", value)
    return None


def page_language(html_text: str) -> str | None:
    match = _HTML_LANG.search(html_text, 0, _HEAD_CHARS)
    return match.group(1).lower() if match else None


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    return [name.strip() for name in re.split(r";|\s+and\s+|,(?=\s*[A-Z])", value) if name.strip()]


def extract_article(html_text: str, url: str | None = None) -> Extracted:
    """Body text and metadata of one page."""
    document = trafilatura.bare_extraction(
        html_text,
        url=url,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        date_extraction_params=_DATE_PARAMS,
    )
    text = (document.text if document else None) or ""
    if len(text) < SHORT_TEXT_CHARS:
        recall_text = trafilatura.extract(
            html_text, url=url, include_comments=False, favor_recall=True
        )
        if recall_text and len(recall_text) >= RECALL_GAIN * max(1, len(text)):
            text = recall_text
    text = clean_text(text).strip()
    extracted = Extracted(
        text=text,
        title=clean_text(document.title).strip() if document and document.title else None,
        description=clean_text(document.description) if document and document.description else None,
        authors=_authors(document.author if document else None),
        site_name=document.sitename if document else None,
        language=page_language(html_text),
        published=document.date if document else None,
        canonical_url=canonical_link(html_text, url),
    )
    if not text:
        extracted.status, extracted.status_reason = "empty", "no article text found"
    elif len(text) < 1500 and _WALL_PATTERNS.search(text):
        extracted.status = "wall"
        extracted.status_reason = "consent wall or paywall stub, not the article"
    return extracted
