"""The documents of a fixture newsroom build: originals, copies, excerpts and rewrites of
the source articles, with the pages, feeds and labels that publish and describe them."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import yaml

from mediamon.demo import variants
from mediamon.demo.outlets import (
    ENGLISH_OUTLETS,
    LANGUAGE_OUTLETS,
    LOCALES,
    REWRITE_HUB,
    WIRE_DIGEST,
    WORLD_DIGEST,
)
from mediamon.demo.pages import FeedEntry, Outlet, Page, render_feed, render_page
from mediamon.demo.sources import SourceArticle, load_articles
from mediamon.settings import PROJECT_ROOT

BUILD_BASE_URL = "http://127.0.0.1:8765"
# Which groups an excerpt still names is read with the default watchlist's aliases.
DEFAULT_WATCHLIST = PROJECT_ROOT / "config" / "watchlist.yaml"


@dataclass
class NewsroomDocument:
    """One page of the build and its labels."""

    doc: str
    story: str
    kind: str  # original | copy | excerpt | rewrite
    source: SourceArticle
    outlet: Outlet
    url: str
    title: str
    paragraphs: list[str]
    published: datetime
    ops: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    rewrite_of: str | None = None
    listed_as: list[str] = field(default_factory=list)


def _name_pattern(alias: str) -> re.Pattern[str]:
    """A loose pattern for an alias in any inflection: each word's stem as a prefix (an
    acronym as written, at the start of a word: "ИГ" is no part of "игра")."""
    words = [w for w in re.split(r"\W+", alias) if w]
    if alias.isupper():
        return re.compile(r"(?<!\w)" + r"\W+".join(map(re.escape, words)))
    stems = [re.escape(w[: max(4, len(w) - 2)]) if len(w) > 4 else re.escape(w) for w in words]
    return re.compile(r"\w*\W+".join(stems) + r"\w*", re.IGNORECASE)


def _group_names(watchlist: Path) -> dict[str, list[re.Pattern[str]]]:
    data = yaml.safe_load(watchlist.read_text(encoding="utf-8")) or {}
    names: dict[str, list[re.Pattern[str]]] = {}
    for group in data.get("groups", []):
        aliases = [*group.get("aliases", []), *group.get("ambiguous", [])]
        for more in (group.get("language_aliases") or {}).values():
            aliases += more
        names[group["id"]] = [_name_pattern(alias) for alias in aliases]
    return names


def _slug(title: str, fallback: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-").split("-")
    slug = "-".join(words[:8])
    return slug if len(slug) >= 12 else fallback


class NewsroomBuilder:
    """The documents of one build, drawn from the source articles, and their pages, feeds
    and labels."""

    def __init__(self, seed: int, hard: float, languages: frozenset[str]) -> None:
        self.rng = random.Random(seed)
        self.group_names = _group_names(DEFAULT_WATCHLIST)
        self.hard = hard
        self.articles = load_articles(languages)
        self.by_id = {a.id: a for a in self.articles}
        self.documents: list[NewsroomDocument] = []
        self.original_of: dict[str, NewsroomDocument] = {}

    def _url(self, outlet: Outlet, published: datetime, title: str, fallback: str) -> str:
        n = len(self.documents)
        slug = _slug(title, fallback)
        return f"{BUILD_BASE_URL}/{outlet.slug}/{published:%Y/%m/%d}/{slug}-{n}.html"

    def _add(self, document: NewsroomDocument) -> NewsroomDocument:
        self.documents.append(document)
        return document

    def _new(self, kind: str, story: str, source: SourceArticle, outlet: Outlet,
             variant: variants.Variant, published: datetime) -> NewsroomDocument:  # fmt: skip
        return self._add(
            NewsroomDocument(
                doc=f"d{len(self.documents)}",
                story=story,
                kind=kind,
                source=source,
                outlet=outlet,
                url=self._url(outlet, published, variant.title, source.id),
                title=variant.title,
                paragraphs=variant.paragraphs,
                published=published,
                ops=list(variant.ops),
            )
        )

    def originals(self) -> None:
        """Each source article on an outlet of its language; some borrow background."""
        english = list(ENGLISH_OUTLETS)
        for article in self.articles:
            if article.language == "en":
                outlet = REWRITE_HUB if article.kind == "rewrite" else self.rng.choice(english)
            else:
                outlet = LANGUAGE_OUTLETS[article.language]
            paragraphs = list(article.paragraphs)
            ops: list[str] = []
            donor = self._background_donor(article)
            if donor is not None and self.rng.random() < 0.15 + 0.3 * self.hard:
                count = 2 if self.hard < 0.6 else 3
                paragraphs = variants.with_background(
                    paragraphs, list(donor.paragraphs[-count:]), article.language
                )
                ops.append(f"background-from:{donor.id}")
            story = f"s{len(self.original_of)}"
            variant = variants.Variant(article.title, paragraphs, ops)
            kind = "rewrite" if article.kind == "rewrite" else "original"
            document = self._new(kind, story, article, outlet, variant, article.published)
            self.original_of[article.id] = document
        for article in self.articles:
            if article.rewrite_of and article.rewrite_of in self.original_of:
                self.original_of[article.id].rewrite_of = self.original_of[article.rewrite_of].doc

    def _background_donor(self, article: SourceArticle) -> SourceArticle | None:
        """Another news report of the same language naming some of the article's groups and
        no other (so that the borrowed paragraphs leave the article's labels true)."""
        candidates = [
            other
            for other in self.articles
            if other.language == article.language
            and other.kind != "negative"
            and other.groups
            and other.event_label != article.event_label
            and other.rewrite_of != article.id
            and article.rewrite_of != other.id
            and set(other.groups) <= set(article.groups)
            and len(other.paragraphs) >= 4
        ]
        return self.rng.choice(candidates) if candidates else None

    def copies(self) -> None:
        """Syndicated copies and excerpts of some originals, and rewrites of some reports."""
        originals = list(self.original_of.values())
        for original in originals:
            article = original.source
            if original.outlet is REWRITE_HUB:
                continue
            if article.language == "en":
                others = [o for o in ENGLISH_OUTLETS if o is not original.outlet] + [WIRE_DIGEST]
            else:
                others = [WORLD_DIGEST]
            copies = 0
            if self.rng.random() < 0.55:
                copies = 1 + (self.rng.random() < 0.3 * (article.language == "en"))
            for outlet in self.rng.sample(others, min(copies, len(others))):
                published = original.published + timedelta(minutes=self.rng.randint(40, 600))
                if self.rng.random() < 0.12 + 0.25 * self.hard:
                    variant = variants.excerpt(
                        original.title, original.paragraphs, article.language,
                        original.outlet.name, self.rng,
                    )  # fmt: skip
                    kind = "excerpt"
                else:
                    related = self.rng.choice(originals).title
                    variant = variants.syndicated_copy(
                        original.title, original.paragraphs, article.language,
                        article.dateline, self.rng, self.hard, related,
                    )  # fmt: skip
                    kind = "copy"
                copy = self._new(kind, original.story, article, outlet, variant, published)
                if variant.canonical_to_source:
                    copy.canonical_url = original.url
            if (
                article.language == "en"
                and article.kind == "report"
                and self.rng.random() < 0.08 + 0.12 * self.hard
            ):
                published = original.published + timedelta(hours=self.rng.randint(2, 20))
                variant = variants.rewrite(original.title, original.paragraphs, self.rng)
                story = f"s{len(self.original_of)}-rw{len(self.documents)}"
                rewritten = self._new("rewrite", story, article, REWRITE_HUB, variant, published)
                rewritten.rewrite_of = original.doc

    def pages(self) -> dict[str, bytes]:
        """Every page of the build, by path."""
        files: dict[str, bytes] = {}
        by_outlet: dict[str, list[NewsroomDocument]] = {}
        for document in self.documents:
            by_outlet.setdefault(document.outlet.slug, []).append(document)
        for document in self.documents:
            neighbours = [d for d in by_outlet[document.outlet.slug] if d is not document]
            trending = [(d.url, d.title) for d in neighbours[-5:]]
            related = [
                (d.url, d.title) for d in self.rng.sample(neighbours, min(2, len(neighbours)))
            ]
            page = Page(
                outlet=document.outlet,
                url=document.url,
                title=document.title,
                paragraphs=document.paragraphs,
                byline=document.source.byline,
                published=document.published,
                declared_language=self._declared_language(document),
                og_locale=LOCALES.get(document.source.language)
                if self.rng.random() < 0.3
                else None,
                canonical_url=document.canonical_url,
                trending=trending,
                related=related,
            )
            files[build_path(document.url)] = render_page(page)
        return files

    def _declared_language(self, document: NewsroomDocument) -> str | None:
        """What `<html lang>` says: often right, sometimes missing, sometimes a template's "en"."""
        if document.outlet is WORLD_DIGEST:
            return "en"
        draw = self.rng.random()
        if document.source.language == "en":
            return None if draw < 0.15 else "en"
        if draw < 0.5:
            return document.source.language
        return None if draw < 0.8 else "en"

    def feeds(self) -> tuple[dict[str, bytes], list[str]]:
        """Each outlet's feed, and a top-stories feed that lists a quarter of the pages again."""
        files: dict[str, bytes] = {}
        feed_urls: list[str] = []
        by_outlet: dict[Outlet, list[FeedEntry]] = {}
        top: list[FeedEntry] = []
        for document in self.documents:
            link = document.url
            if self.rng.random() < 0.25:
                link += f"?utm_source=rss&utm_medium=feed&utm_campaign={document.outlet.slug}"
            guid = (
                document.url
                if self.rng.random() < 0.6
                else f"{document.outlet.slug}-{document.doc}"
            )
            summary = document.paragraphs[0][:200]
            by_outlet.setdefault(document.outlet, []).append(
                FeedEntry(document.title, link, guid, document.published, summary)
            )
            document.listed_as.append(link)
            if self.rng.random() < 0.25:
                tracked = f"{document.url}?utm_source=top&utm_medium=rss"
                top.append(FeedEntry(document.title, tracked, tracked, document.published, summary))
                document.listed_as.append(tracked)
        for outlet, entries in by_outlet.items():
            path = f"/feeds/{outlet.slug}.xml"
            home = f"{BUILD_BASE_URL}/{outlet.slug}/"
            files[path] = render_feed(outlet.name, home, outlet.feed_format, entries)
            feed_urls.append(BUILD_BASE_URL + path)
        files["/feeds/top-stories.xml"] = render_feed(
            "Top Stories", f"{BUILD_BASE_URL}/", "rss", top
        )
        feed_urls.append(f"{BUILD_BASE_URL}/feeds/top-stories.xml")
        return files, feed_urls

    def _groups_named(self, document: NewsroomDocument) -> list[str]:
        """The source's groups that a page still names. A page that keeps only part of its
        source (an excerpt, a truncated copy) may have lost a name; the source's labels
        say which groups the whole text names, and a loose look for each one's aliases in
        what is kept tells which are left (labels are only ever removed this way)."""
        groups = list(document.source.groups)
        if not any(op in ("excerpt", "truncate") for op in document.ops):
            return groups
        text = " ".join([document.title, *document.paragraphs])
        spans = {
            group: [m.span() for p in self.group_names.get(group, []) for m in p.finditer(text)]
            for group in groups
        }

        def named(group: str) -> bool:
            # A name overlapping a longer one of another labelled group is that group's
            # (داعش in داعش خراسان), as the tagger's longest match decides.
            others = [s for other in groups if other != group for s in spans[other]]
            return any(
                not any(a < end and start < b and b - a > end - start for a, b in others)
                for start, end in spans[group]
            )

        return [group for group in groups if group not in self.group_names or named(group)]

    def labels(self, seed: int, languages: frozenset[str]) -> dict:
        documents: dict[str, dict] = {}
        stories: dict[str, dict] = {}
        for document in self.documents:
            info = {
                "doc": document.doc,
                "story": document.story,
                "event": document.source.event_label,
                "kind": document.kind,
                "language": document.source.language,
                "groups": self._groups_named(document),
                "outlet": document.outlet.slug,
                "published": document.published.isoformat(),
                "ops": document.ops,
                "rewrite_of": document.rewrite_of,
                "article": document.source.id,
            }
            for url in {document.url, *document.listed_as}:
                documents[url] = info
            if document.kind in ("original", "rewrite"):
                stories[document.story] = {"original": document.url}
        return {
            "base_url": BUILD_BASE_URL,
            "seed": seed,
            "hard": self.hard,
            "languages": sorted(languages),
            "documents": documents,
            "stories": stories,
        }


def build_path(url: str) -> str:
    """Where a URL of the build is written, below the build directory."""
    return url.removeprefix(BUILD_BASE_URL)
