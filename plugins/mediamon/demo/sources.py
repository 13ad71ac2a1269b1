"""The newsroom's source articles (articles/*.yaml, format in articles/FORMAT.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from importlib import resources

import yaml

KINDS = ("report", "rewrite", "negative")


@dataclass(frozen=True)
class SourceArticle:
    """One article as written for the newsroom, before any outlet publishes it."""

    id: str
    language: str
    event: str | None
    kind: str
    rewrite_of: str | None
    published: datetime
    title: str
    dateline: str
    byline: str
    groups: tuple[str, ...]
    paragraphs: tuple[str, ...]

    @property
    def event_label(self) -> str:
        """The event this article reports; a story of no listed event is an event of its own."""
        return self.event or f"solo:{self.id}"


def _parse(item: dict, origin: str) -> SourceArticle:
    missing = {"id", "language", "kind", "published", "title", "body"} - set(item)
    if missing:
        raise ValueError(f"{origin}: article {item.get('id')!r} lacks {sorted(missing)}")
    if item["kind"] not in KINDS:
        raise ValueError(f"{origin}: article {item['id']}: unknown kind {item['kind']!r}")
    published = item["published"]
    if not isinstance(published, datetime):
        published = datetime.fromisoformat(str(published).replace("Z", "+00:00"))
    paragraphs = tuple(p.strip() for p in str(item["body"]).split("\n\n") if p.strip())
    return SourceArticle(
        id=str(item["id"]),
        language=str(item["language"]),
        event=item.get("event"),
        kind=str(item["kind"]),
        rewrite_of=item.get("rewrite_of"),
        published=published,
        title=" ".join(str(item["title"]).split()),
        dateline=str(item.get("dateline") or ""),
        byline=str(item.get("byline") or "Staff reporter"),
        groups=tuple(sorted(item.get("groups") or ())),
        paragraphs=tuple(" ".join(p.split()) for p in paragraphs),
    )


def load_articles(languages: frozenset[str] | None = None) -> list[SourceArticle]:
    """Every source article (of `languages`, when given), in a stable order."""
    folder = resources.files("mediamon.demo") / "articles"
    articles: list[SourceArticle] = []
    seen: set[str] = set()
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for item in yaml.safe_load(entry.read_text(encoding="utf-8")) or []:
            article = _parse(item, entry.name)
            if article.id in seen:
                raise ValueError(f"{entry.name}: duplicate article id {article.id!r}")
            seen.add(article.id)
            if languages is None or article.language in languages:
                articles.append(article)
    return sorted(articles, key=lambda a: (a.published, a.id))
