"""Article text and metadata from one HTML page (pure: bytes in, `Extracted` out).

trafilatura runs in precision mode without comments (F1 0.964 on the benchmark pages
against 0.954 for its defaults), but precision mode now and then drops a whole section,
or nearly the whole article. A second, balanced pass (trafilatura's default focus, no
comments) is then weighed against it, and wins on evidence (`second_pass_wins`): it must
add at least twice as much new text as the first pass found, counted in distinct word
trigrams (a page that repeats its article in a metadata block adds nothing new), and keep
at least half of the first pass's text (another region of the page is not a fuller
article); a first pass under 500 characters is too short for the second test. The
second pass runs only where it could win: when the first pass holds less than a third
of the page's visible text (on 1 page in 4). When it does not win, its whole sentences
missing from the first pass are put back in place; then the lead the page shows is put
first, furniture lines are dropped and a repeated headline is left to the title
(`assembly.py`, `furniture.py`).

Measured with `python -m bench.extraction` on the article-extraction benchmark and on
trafilatura's evaluation pages (every figure side by side with plain trafilatura):
choosing between the passes alone gave benchmark F1 0.971 and snippet recall 93.1% at a
7.7% leak rate (plain trafilatura 94.7% at 10.8%); with the assembly, F1 0.971 and 95.0%
at 7.0%. The word lists and thresholds were chosen looking at lines of both sets, so
these are not held-out figures; split in two seeded halves, the evaluation pages gain
alike (+1.9 and +1.8 points of recall).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple
from urllib.parse import urljoin

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import Document

from mediamon.extract.assembly import (
    collapsed,
    with_lead,
    with_prose_of,
    without_headline,
    word_trigrams,
)
from mediamon.extract.furniture import without_furniture
from mediamon.text import clean_text

# The second pass wins when its new text is this many times the first pass's text...
SECOND_PASS_GAIN = 2.0
# ...and it keeps this share of the first pass's text (unless that text is too short to say).
SECOND_PASS_COVERAGE = 0.5
SHORT_TEXT_CHARS = 500
# A page whose visible text is under this multiple of the first pass's gets no second pass
# (see extract_article; about 2 ms against 20).
PAGE_TEXT_SHARE = 1 / (1 + SECOND_PASS_GAIN)
_PAGE_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
_INVISIBLE_TAGS = ("script", "style", "noscript", "template")
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
# A page is UTF-8 with a few stray bytes when its valid multibyte sequences outnumber the
# stray bytes this many times. On trafilatura's evaluation pages, legacy pages (latin-1,
# windows-1250/1252, ISO-8859-2) show 0-2 valid sequences against 1-650 stray bytes and a
# gb2312 page 0.28 per stray byte; UTF-8 pages with stray bytes show 25-499 per stray byte.
UTF8_EVIDENCE_RATIO = 4
_NOT_UTF8 = re.compile(r"[\udc80-\udcff]")  # the lone surrogates of "surrogateescape"
_HTML_LANG = re.compile(
    r"""<html\b[^>]*?\s(?:xml:)?lang\s*=\s*["']?([a-zA-Z]{2,3})\b""", re.IGNORECASE
)
_OG_LOCALE = re.compile(
    r"""<meta[^>]+property=["']og:locale["'][^>]*content=["']([^"']+)["']"""
    r"""|<meta[^>]+content=["']([^"']+)["'][^>]*property=["']og:locale["']""",
    re.IGNORECASE,
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
    language: str | None = None  # as the page declares it (<html lang>): evidence only
    locale: str | None = None  # as og:locale declares it
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


def utf8_evidence(body: bytes) -> tuple[int, int]:
    """(valid multibyte UTF-8 sequences, bytes that are not UTF-8) in `body`."""
    text = body.decode("utf-8", "surrogateescape")  # each bad byte becomes one lone surrogate
    invalid = _NOT_UTF8.subn("", text)[1]  # counted without a list of matches (big pages)
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return non_ascii - invalid, invalid


def _declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Codec names from the HTTP header, then the <meta> tag (unknown names left out)."""
    names = []
    header = _HTTP_CHARSET.search(content_type) if content_type else None
    if header:
        names.append(header.group(1))
    meta = _CHARSET_META.search(body[:4096])
    if meta:
        names.append(meta.group(1).decode("ascii", "ignore"))
    return [codec for codec in map(_codec, names) if codec]


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode page bytes; returns (text, encoding used).

    UTF-8 is decided on evidence: a valid multibyte sequence almost never occurs by
    accident in legacy 8-bit text, an invalid byte almost always does. Bytes that are
    valid UTF-8 are UTF-8, whatever a (wrong) label claims; bytes whose valid multibyte
    sequences outnumber the stray ones UTF8_EVIDENCE_RATIO to one (one to one when the
    page says UTF-8) are UTF-8 with the stray bytes replaced. Otherwise the declared
    legacy charsets (HTTP header, then <meta>) are tried strictly, and detection decides
    when they are missing or wrong (Latin-1 bytes labelled UTF-8 is the usual case).
    """
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace"), "utf-8"
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = _declared_charsets(body, content_type)
    valid, invalid = utf8_evidence(body)
    ratio = 1 if "utf-8" in declared else UTF8_EVIDENCE_RATIO
    if valid >= ratio * invalid:
        return body.decode("utf-8", "replace"), "utf-8"
    for codec in declared:
        if codec == "utf-8":
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


def page_locale(html_text: str) -> str | None:
    """The page's og:locale (`fr_FR`), if it declares one."""
    match = _OG_LOCALE.search(html_text, 0, _HEAD_CHARS)
    return next((g for g in match.groups() if g), None) if match else None


def _authors(value: str | None) -> list[str]:
    if not value:
        return []
    return [name.strip() for name in re.split(r";|\s+and\s+|,(?=\s*[A-Z])", value) if name.strip()]


def second_pass_wins(first: str, second: str) -> bool:
    """Whether `second` (balanced pass) is a fuller text of the article than `first`
    (precision pass): it adds SECOND_PASS_GAIN times as much new text as `first` holds
    and keeps SECOND_PASS_COVERAGE of `first` (not checked when `first` is short)."""
    first_grams, second_grams = word_trigrams(first), word_trigrams(second)
    if len(second_grams - first_grams) < SECOND_PASS_GAIN * max(1, len(first_grams)):
        return False
    kept = len(first_grams & second_grams)
    return len(first) < SHORT_TEXT_CHARS or kept >= SECOND_PASS_COVERAGE * len(first_grams)


class VisibleText(NamedTuple):
    chars: int  # characters of the page's visible text, the <title> included
    body: str  # the visible text of <body>, whitespace collapsed


def visible_text(html_text: str) -> VisibleText:
    """The page's visible text (scripts, styles and templates left out)."""
    try:
        root = lxml.html.document_fromstring(
            html_text.encode("utf-8", "replace"), parser=_PAGE_PARSER
        )
    except (etree.LxmlError, ValueError):
        return VisibleText(0, "")
    etree.strip_elements(root, *_INVISIBLE_TAGS, with_tail=False)
    chars = sum(len(chunk.strip()) for chunk in root.itertext())
    body = root.find("body")
    return VisibleText(chars, collapsed("".join(body.itertext())) if body is not None else "")


def extract_article(html_text: str, url: str | None = None) -> Extracted:
    """Body text and metadata of one page."""
    found = trafilatura.bare_extraction(
        html_text,
        url=url,
        with_metadata=True,
        include_comments=False,
        favor_precision=True,
        date_extraction_params=_DATE_PARAMS,
    )
    # A Document unless as_dict=True (the default for bare_extraction since trafilatura 2).
    document = found if isinstance(found, Document) else None
    text = (document.text if document else None) or ""
    page = visible_text(html_text) if text else VisibleText(0, "")
    # The first pass's text plus twice as much new text is three times the first: a page
    # whose whole visible text is less than that gets no second pass (3 pages in 4).
    if not text or len(text) < PAGE_TEXT_SHARE * page.chars:
        balanced = trafilatura.extract(html_text, url=url, include_comments=False) or ""
        text = balanced if second_pass_wins(text, balanced) else with_prose_of(text, balanced)
    title = clean_text(document.title).strip() if document and document.title else None
    description = clean_text(document.description) if document and document.description else None
    text = with_lead(clean_text(text), description, page.body)
    text = without_headline(without_furniture(text), title).strip()
    extracted = Extracted(
        text=text,
        title=title,
        description=description,
        authors=_authors(document.author if document else None),
        site_name=document.sitename if document else None,
        language=page_language(html_text),
        locale=page_locale(html_text),
        published=document.date if document else None,
        canonical_url=canonical_link(html_text, url),
    )
    if not text:
        extracted.status, extracted.status_reason = "empty", "no article text found"
    elif len(text) < 1500 and _WALL_PATTERNS.search(text):
        extracted.status = "wall"
        extracted.status_reason = "consent wall or paywall stub, not the article"
    return extracted
