"""The articles table's content columns: what extraction decides about an article, written
alike when a page is first stored and when its raw HTML is extracted again. (Clustering's
columns, cluster_id, is_original and duplicate_of, belong to dedup/clusters.py; tags to
tagging through `save_tags`.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from mediamon.extract.content import ArticleContent
from mediamon.store.db import Connection
from mediamon.tagging.matcher import Tags

CONTENT_COLUMNS = (
    "title",
    "text",
    "description",
    "authors",
    "site_name",
    "language",
    "language_confidence",
    "published_at",
    "published_at_source",
)

_INSERT_SQL = (
    "INSERT INTO articles (canonical_url, url, source, syndicated_from, body_hash, "
    + ", ".join(CONTENT_COLUMNS)
    + ", first_seen_at, fetched_at, status, groups, groups_with_ancestors, mentions,"
    " watchlist_version) VALUES ("
    + ", ".join(["%s"] * (5 + len(CONTENT_COLUMNS) + 2))
    + ", 'stored', %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id"
)
_UPDATE_CONTENT_SQL = (
    "UPDATE articles SET canonical_url = %s, syndicated_from = %s, body_hash = %s, "
    + ", ".join(f"{column} = %s" for column in CONTENT_COLUMNS)
    + ", updated_at = now() WHERE id = %s"
)


@dataclass(frozen=True)
class NewArticle:
    """An article about to be inserted: its content, its tags, the tagger's version."""

    content: ArticleContent
    tags: Tags
    watchlist_version: int | None


def _content_values(content: ArticleContent) -> tuple:
    """The values of CONTENT_COLUMNS, in their order."""
    extracted = content.extracted
    return (
        content.title,
        extracted.text,
        extracted.description,
        extracted.authors,
        extracted.site_name,
        content.language,
        content.language_confidence,
        content.published_at,
        content.published_at_source,
    )


def insert(conn: Connection, articles: Sequence[NewArticle], now: datetime) -> list[int | None]:
    """Insert the articles in one round trip; each one's id, or None when the document is
    stored already (same canonical URL, or the same outlet's same headline and body)."""
    rows = [
        (
            a.content.canonical_url,
            a.content.url,
            a.content.source,
            a.content.syndicated_from,
            a.content.body_hash,
            *_content_values(a.content),
            a.content.first_seen_at,
            now,
            a.tags.groups,
            a.tags.groups_with_ancestors,
            Jsonb([m.as_dict() for m in a.tags.mentions]),
            a.watchlist_version,
        )
        for a in articles
    ]
    ids: list[int | None] = []
    with conn.cursor() as cursor:
        cursor.executemany(_INSERT_SQL, rows, returning=True)
        for _ in rows:
            row = cursor.fetchone()
            ids.append(row["id"] if row else None)
            cursor.nextset()
    return ids


def stored_as(conn: Connection, contents: Sequence[ArticleContent]) -> list[int | None]:
    """For contents whose insert found them stored: the stored article of each (by
    canonical URL, else by outlet and body hash)."""
    by_url = {
        row["canonical_url"]: row["id"]
        for row in conn.execute(
            "SELECT canonical_url, id FROM articles WHERE canonical_url = ANY(%s)",
            ([c.canonical_url for c in contents],),
        )
    }
    by_body = {
        (row["source"], row["body_hash"]): row["id"]
        for row in conn.execute(
            "SELECT a.source, a.body_hash, a.id FROM articles a"
            " JOIN unnest(%s::text[], %s::text[]) AS q(source, body_hash)"
            " ON a.source = q.source AND a.body_hash = q.body_hash",
            ([c.source for c in contents], [c.body_hash for c in contents]),
        )
    }
    return [by_url.get(c.canonical_url) or by_body.get((c.source, c.body_hash)) for c in contents]


def by_canonical_url(conn: Connection, urls: list[str]) -> dict[str, int]:
    return {
        row["canonical_url"]: row["id"]
        for row in conn.execute(
            "SELECT canonical_url, id FROM articles WHERE canonical_url = ANY(%s)", (urls,)
        )
    }


def update_content(conn: Connection, article_id: int, content: ArticleContent) -> bool:
    """Write re-extracted content; False (nothing written) when its new canonical URL or
    body hash is another stored article's."""
    try:
        with conn.transaction():
            conn.execute(
                _UPDATE_CONTENT_SQL,
                (
                    content.canonical_url,
                    content.syndicated_from,
                    content.body_hash,
                    *_content_values(content),
                    article_id,
                ),
            )
    except psycopg.errors.UniqueViolation:
        return False
    return True


def save_tags(conn: Connection, article_id: int, tags: Tags, version: int | None) -> None:
    conn.execute(
        "UPDATE articles SET groups = %s, groups_with_ancestors = %s, mentions = %s,"
        " watchlist_version = %s, updated_at = now() WHERE id = %s",
        (
            tags.groups,
            tags.groups_with_ancestors,
            Jsonb([m.as_dict() for m in tags.mentions]),
            version,
            article_id,
        ),
    )


@dataclass(frozen=True)
class StoredArticle:
    """A stored article, as maintenance (re-tag, re-process) reads it."""

    id: int
    canonical_url: str
    url: str
    source: str
    syndicated_from: str | None
    title: str | None
    text: str
    language: str | None
    groups: list[str]
    mentions: list[dict]
    cluster_id: int | None
    first_seen_at: datetime
    watchlist_version: int | None


_WINDOW_SQL = (
    " (%(start)s::timestamptz IS NULL OR published_at >= %(start)s)"
    " AND (%(end)s::timestamptz IS NULL OR published_at < %(end)s)"
)


def in_window(
    conn: Connection,
    after_id: int,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[StoredArticle]:
    """Up to `limit` articles published in [start, end) with an id above `after_id`, by id."""
    columns = ", ".join(f.name for f in fields(StoredArticle))
    with conn.cursor(row_factory=class_row(StoredArticle)) as cursor:
        return cursor.execute(
            f"SELECT {columns} FROM articles WHERE id > %(last)s AND {_WINDOW_SQL}"
            " ORDER BY id LIMIT %(limit)s",
            {"last": after_id, "start": start, "end": end, "limit": limit},
        ).fetchall()


def ids_in_window(conn: Connection, start: datetime | None, end: datetime | None) -> list[int]:
    return [
        row["id"]
        for row in conn.execute(
            f"SELECT id FROM articles WHERE {_WINDOW_SQL} ORDER BY id", {"start": start, "end": end}
        )
    ]
