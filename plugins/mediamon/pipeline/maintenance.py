"""Maintenance over stored articles, by publication window: re-tag, re-process, re-index.

Each is idempotent for its window: running it twice leaves the stores as the first run did.
A window is [start, end) on `published_at`; `end=None` means open-ended.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from psycopg.types.json import Jsonb

from mediamon.dedup.clusters import dedupe_article, lock, refresh_cluster
from mediamon.extract.article import extract_article
from mediamon.extract.dates import choose_published_at
from mediamon.pipeline.cycle import index_pending
from mediamon.search import indexer
from mediamon.search.indexer import enqueue
from mediamon.settings import Settings
from mediamon.store import raw_pages
from mediamon.store.articles import CONTENT_COLUMNS, content_values
from mediamon.store.db import connect
from mediamon.tagging.matcher import Tagger
from mediamon.tagging.versions import tagger_for

BATCH = 200
WINDOW_SQL = (
    " (%(start)s::timestamptz IS NULL OR published_at >= %(start)s)"
    " AND (%(end)s::timestamptz IS NULL OR published_at < %(end)s)"
)

UPDATE_CONTENT_SQL = (
    "UPDATE articles SET "
    + ", ".join(f"{column} = %s" for column in CONTENT_COLUMNS)
    + ", updated_at = now() WHERE id = %s"
)


def _window_batches(
    database_url: str, columns: str, start, end
) -> Iterator[tuple[object, list[dict]]]:
    """Rows of the window in id order, one batch per transaction (the connection is yielded)."""
    last_id = 0
    while True:
        with connect(database_url) as conn, conn.transaction():
            rows = conn.execute(
                f"SELECT {columns} FROM articles WHERE id > %(last)s AND {WINDOW_SQL}"
                " ORDER BY id LIMIT %(limit)s",
                {"last": last_id, "start": start, "end": end, "limit": BATCH},
            ).fetchall()
            if not rows:
                return
            yield conn, rows
            last_id = rows[-1]["id"]


def _apply_tags(conn, tagger: Tagger, row: dict) -> bool:
    """Tag one article; True when its tags changed."""
    tags = tagger.tag(row["title"], row["text"])
    mentions = [m.as_dict() for m in tags.mentions]
    conn.execute(
        "UPDATE articles SET groups = %s, groups_with_ancestors = %s, mentions = %s,"
        " watchlist_version = %s, updated_at = now() WHERE id = %s",
        (tags.groups, tags.groups_with_ancestors, Jsonb(mentions), tagger.version, row["id"]),
    )
    return tags.groups != list(row["groups"]) or mentions != row["mentions"]


def retag_articles(
    settings: Settings, watchlist: Path, start: datetime | None = None, end: datetime | None = None
) -> tuple[int, int]:
    """Re-tag the window from PostgreSQL; returns (articles whose tags changed, watchlist version)."""
    database_url = settings.require_database()
    tagger = tagger_for(database_url, watchlist, settings.cache_dir)
    changed = 0
    for conn, rows in _window_batches(
        database_url, "id, title, text, groups, mentions, watchlist_version", start, end
    ):
        updated = [row["id"] for row in rows if _apply_tags(conn, tagger, row)]
        # A document names the watchlist version that tagged it: re-index those whose
        # version moved even where the tags stayed the same.
        restamped = [row["id"] for row in rows if row["watchlist_version"] != tagger.version]
        enqueue(conn, sorted(set(updated) | set(restamped)))
        changed += len(updated)
    return changed, tagger.version or 0


def _leave_cluster(conn, article_id: int, cluster_id: int | None) -> list[int]:
    conn.execute(
        "UPDATE articles SET cluster_id = NULL, is_original = true, duplicate_of = NULL WHERE id = %s",
        (article_id,),
    )
    conn.execute("DELETE FROM lsh_buckets WHERE article_id = %s", (article_id,))
    return refresh_cluster(conn, cluster_id) if cluster_id else []


def reprocess_window(
    settings: Settings, start: datetime | None, end: datetime | None
) -> dict[str, int]:
    """Re-extract from stored raw HTML, re-dedupe (when the text changed), re-tag, re-index."""
    database_url = settings.require_database()
    tagger = tagger_for(database_url, settings.watchlist_path, settings.cache_dir)
    counts = {"articles": 0, "text_changed": 0, "tags_changed": 0, "failed": 0}
    columns = "id, canonical_url, source, syndicated_from, title, text, groups, mentions, cluster_id, first_seen_at"
    for conn, rows in _window_batches(database_url, columns, start, end):
        touched: list[int] = []
        for row in rows:
            counts["articles"] += 1
            raw = conn.execute(
                "SELECT html_packed, codec, url FROM raw_pages WHERE article_id = %s",
                (row["id"],),
            ).fetchone()
            if raw is None:
                counts["failed"] += 1
                continue
            html = raw_pages.unpack(raw["html_packed"], raw["codec"])
            extracted = extract_article(html, raw["url"])
            if extracted.status != "stored":
                counts["failed"] += 1
                continue
            feed_date = conn.execute(
                "SELECT min(published_at) AS d FROM entries WHERE article_id = %s", (row["id"],)
            ).fetchone()["d"]
            published_at, published_source = choose_published_at(
                extracted.published, feed_date, row["first_seen_at"]
            )
            title = extracted.title or row["title"]
            conn.execute(
                UPDATE_CONTENT_SQL,
                (*content_values(title, extracted, published_at, published_source), row["id"]),
            )
            if extracted.text != row["text"] or title != row["title"]:
                counts["text_changed"] += 1
                lock(conn)
                touched += _leave_cluster(conn, row["id"], row["cluster_id"])
                touched += dedupe_article(
                    conn,
                    row["id"],
                    row["source"],
                    row["canonical_url"],
                    row["syndicated_from"],
                    title,
                    extracted.text,
                    settings.dedup,
                )
            if _apply_tags(conn, tagger, {**row, "title": title, "text": extracted.text}):
                counts["tags_changed"] += 1
                touched.append(row["id"])
        enqueue(conn, sorted(set(touched)))
    report = index_pending(settings)
    return {**counts, "indexed": report.indexed, "index_failed": report.failed}


def reindex_window(
    settings: Settings,
    start: datetime | None,
    end: datetime | None,
    target_index: str | None = None,
    swap_alias: bool = False,
) -> dict[str, int | str]:
    """Rebuild the window's documents from PostgreSQL, into the alias or into `target_index`.

    With `swap_alias`, the alias then points at `target_index` alone (after a backfill
    into a new index version has filled it).
    """
    database_url = settings.require_database()
    es = indexer.client(settings.require_elasticsearch())
    current = indexer.ensure_index(es, settings.index)
    target = target_index or settings.index
    if target_index:
        indexer.ensure_target_index(es, settings.index, target_index)
    ids = [
        row["id"] for _conn, rows in _window_batches(database_url, "id", start, end) for row in rows
    ]
    report = indexer.index_articles(database_url, es, target, ids)
    result: dict[str, int | str] = {
        "articles": len(ids),
        "indexed": report.indexed,
        "failed": report.failed,
    }
    if swap_alias and target_index and target_index != current:
        indexer.swap_alias(es, settings.index, target_index)
        result["alias_now_points_to"] = target_index
    return result
