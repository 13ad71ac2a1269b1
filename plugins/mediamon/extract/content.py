"""What an article is, decided from its extracted page: one pure function for ingestion and
for `reprocess`, so that the two can never decide differently."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from mediamon.dedup.fingerprint import normalised_text_hash
from mediamon.extract.article import Extracted
from mediamon.extract.dates import choose_published_at
from mediamon.extract.language import LanguageGuess
from mediamon.fetch.urls import InvalidURL, normalise_url, outlet_of

# A text shorter than this is no evidence that two pages of an outlet are one document.
MIN_BODY_HASH_WORDS = 40
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class ArticleContent:
    """The article columns decided from a page (the tags and clusters come later)."""

    canonical_url: str  # the document's one URL: its own rel=canonical within its outlet
    url: str  # where the page was fetched (after redirects)
    source: str  # the outlet
    syndicated_from: str | None  # a rel=canonical to another outlet: the original's URL
    body_hash: str | None  # the normalised headline and body (same outlet, same document)
    title: str | None
    extracted: Extracted
    language: str  # identified from the text (extract/language.py), "und" when unsure
    language_confidence: float
    published_at: datetime
    published_at_source: str  # page | feed | first_seen
    first_seen_at: datetime


def headline(extracted: Extracted, feed_title: str | None) -> str | None:
    """The page's headline, else the one its feed gave."""
    return extracted.title or feed_title


def body_hash(title: str | None, text: str) -> str | None:
    """The hash of the normalised headline and body: an outlet's pages with the same one
    are one document (the headline keeps apart an outlet's pages that share a stock body)."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_BODY_HASH_WORDS:
        return None
    return normalised_text_hash([*_WORD.findall((title or "").lower()), "|", *words])


def _normalised(url: str) -> str | None:
    try:
        return normalise_url(url)
    except InvalidURL:  # over the size policy, not http(s), unreadable: as if absent
        return None


def build_article(
    extracted: Extracted,
    title: str | None,
    language: LanguageGuess,
    final_url: str,
    source: str,
    sites: list[str],
    first_seen_at: datetime,
    feed_published: datetime | None,
    now: datetime,
) -> ArticleContent:
    """The article's URLs, outlet link, identity hash and date, from its extracted page.

    A rel=canonical within the page's own outlet names the document; one to another outlet
    names the original it was syndicated from (a home page is no original).
    """
    canonical_url, syndicated_from = final_url, None
    if extracted.canonical_url and (canonical := _normalised(extracted.canonical_url)):
        if outlet_of(canonical, sites) == source:
            canonical_url = canonical
        elif urlsplit(canonical).path not in ("", "/"):
            syndicated_from = canonical
    published_at, published_source = choose_published_at(
        extracted.published, feed_published, first_seen_at, now
    )
    return ArticleContent(
        canonical_url=canonical_url,
        url=final_url,
        source=source,
        syndicated_from=syndicated_from,
        body_hash=body_hash(title, extracted.text),
        title=title,
        extracted=extracted,
        language=language.language,
        language_confidence=round(language.confidence, 3),
        published_at=published_at,
        published_at_source=published_source,
        first_seen_at=first_seen_at,
    )
