"""A surface form of a watchlist name, and what it needs around it in a text."""

from __future__ import annotations

from dataclasses import dataclass

# What a form needs around it (see matcher): nothing special, the elided article (لل)
# before it, or nothing at all as a nisba adjective without its article.
PLAIN, ELIDED_ARTICLE, NISBA = 0, 1, 2


@dataclass(frozen=True)
class Form:
    text: str
    stem: int = PLAIN
    languages: frozenset[str] | None = None  # None: in an article of any language
    exact: bool | None = None  # None: as the name (acronyms match as written)
