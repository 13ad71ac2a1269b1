"""What extraction decides about an article, as the articles table holds it: written alike
when a page is first stored and when its raw HTML is extracted again."""

from __future__ import annotations

from datetime import datetime

from mediamon.extract.article import Extracted

CONTENT_COLUMNS = (
    "title",
    "text",
    "description",
    "authors",
    "site_name",
    "language",
    "published_at",
    "published_at_source",
)


def content_values(
    title: str | None, extracted: Extracted, published_at: datetime, published_source: str
) -> tuple:
    """The values of CONTENT_COLUMNS, in their order."""
    return (
        title,
        extracted.text,
        extracted.description,
        extracted.authors,
        extracted.site_name,
        extracted.language,
        published_at,
        published_source,
    )
