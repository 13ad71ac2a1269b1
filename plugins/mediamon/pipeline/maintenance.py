"""Maintenance over stored articles, by publication window: re-tag, re-process, re-index.

Each is idempotent for its window: running it twice leaves the stores as the first run did.
A window is [start, end) on `published_at`; `end=None` means open-ended.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from mediamon.dedup.clusters import dedupe_article, leave_cluster, lock
from mediamon.extract.article import extract_article
from mediamon.extract.content import build_article, headline
from mediamon.extract.language import identify_language
from mediamon.fetch.urls import InvalidURL, normalise_url
from mediamon.pipeline.cycle import index_pending
from mediamon.search import elastic, index_setup, indexer
from mediamon.settings import Settings
from mediamon.store import articles, entries, event_window, feeds, outbox, raw_pages
from mediamon.store import events as event_store
from mediamon.store.articles import StoredArticle
from mediamon.store.db import Connection, connect
from mediamon.tagging.matcher import Tagger
from mediamon.tagging.versions import tagger_for
from mediamon.vocabulary import ExtractionStatus

BATCH = 200


def _window_batches(
    database_url: str, start: datetime | None, end: datetime | None
) -> Iterator[tuple[Connection, list[StoredArticle]]]:
    """Articles of the window in id order, one batch per transaction (with its connection)."""
    last_id = 0
    while True:
        with connect(database_url) as conn, conn.transaction():
            rows = articles.in_window(conn, last_id, start, end, BATCH)
            if not rows:
                return
            yield conn, rows
            last_id = rows[-1].id


def _apply_tags(conn: Connection, tagger: Tagger, row: StoredArticle) -> bool:
    """Tag one article; True when its tags changed."""
    tags = tagger.tag(row.title, row.text, language=row.language)
    articles.save_tags(conn, row.id, tags, tagger.version)
    mentions = [m.as_dict() for m in tags.mentions]
    return tags.groups != list(row.groups) or mentions != row.mentions


def retag_articles(
    settings: Settings, watchlist: Path, start: datetime | None = None, end: datetime | None = None
) -> tuple[int, int]:
    """Re-tag the window from PostgreSQL; returns (articles whose tags changed, watchlist version)."""
    database_url = settings.require_database()
    tagger = tagger_for(database_url, watchlist, settings.cache_dir)
    changed = 0
    for conn, rows in _window_batches(database_url, start, end):
        updated = [row.id for row in rows if _apply_tags(conn, tagger, row)]
        # A document names the watchlist version that tagged it: re-index those whose
        # version moved even where the tags stayed the same.
        restamped = [row.id for row in rows if row.watchlist_version != tagger.version]
        outbox.enqueue(conn, sorted(set(updated) | set(restamped)))
        changed += len(updated)
    return changed, tagger.version or 0


def reprocess_window(
    settings: Settings, start: datetime | None, end: datetime | None
) -> dict[str, int]:
    """Re-extract from stored raw HTML, re-decide the article as ingestion does (URLs,
    outlet link, date), re-dedupe when its text or links changed, re-tag, re-index."""
    database_url = settings.require_database()
    tagger = tagger_for(database_url, settings.watchlist_path, settings.cache_dir)
    counts = {"articles": 0, "text_changed": 0, "tags_changed": 0, "failed": 0}
    for conn, rows in _window_batches(database_url, start, end):
        sites = feeds.site_urls(conn)
        touched: list[int] = []
        for row in rows:
            counts["articles"] += 1
            changed = _reprocess_one(conn, row, sites, settings)
            if changed is None:
                counts["failed"] += 1
                continue
            row, moved = changed
            if moved:
                counts["text_changed"] += 1
                lock(conn)
                touched += leave_cluster(conn, row.id, row.cluster_id)
                touched += dedupe_article(
                    conn,
                    row.id,
                    row.source,
                    row.canonical_url,
                    row.syndicated_from,
                    row.title,
                    row.text,
                    settings.dedup,
                )
            if _apply_tags(conn, tagger, row):
                counts["tags_changed"] += 1
                touched.append(row.id)
        outbox.enqueue(conn, sorted(set(touched)))
    counts["events_changed"] = _recompute_events(database_url, start, end)
    report = index_pending(settings)
    return {**counts, "indexed": report.indexed, "index_failed": report.failed}


def _recompute_events(database_url: str, start: datetime | None, end: datetime | None) -> int:
    """Events pass: assign the window's articles to events again, after their clusters
    settled (one transaction); how many articles' event fields changed."""
    with connect(database_url) as conn:
        with conn.transaction():
            changed = event_store.recompute(conn, start, end)
            outbox.enqueue(conn, changed)
        event_window.committed(conn)
    return len(changed)


def _reprocess_one(
    conn: Connection, row: StoredArticle, sites: list[str], settings: Settings
) -> tuple[StoredArticle, bool] | None:
    """Extract the stored page again and write what `build_article` decides; returns the
    row as it now is and whether its text or links moved (None: nothing to re-extract)."""
    raw = raw_pages.of_article(conn, row.id)
    if raw is None:
        return None
    html, fetched_url = raw
    extracted = extract_article(html, fetched_url)
    if extracted.status != ExtractionStatus.STORED:
        return None
    try:
        final_url = normalise_url(fetched_url)
    except InvalidURL:
        final_url = row.url
    title = headline(extracted, row.title)
    content = build_article(
        extracted,
        title,
        identify_language(extracted.text, title, (extracted.language, extracted.locale)),
        final_url,
        row.source,
        sites,
        row.first_seen_at,
        entries.earliest_feed_date(conn, row.id),
        datetime.now(UTC),
    )
    if not articles.update_content(conn, row.id, content):
        # Its new canonical URL or body is another stored article's: keep its identity.
        content = dataclasses.replace(content, canonical_url=row.canonical_url, body_hash=None)
        articles.update_content(conn, row.id, content)
    updated = dataclasses.replace(
        row,
        canonical_url=content.canonical_url,
        syndicated_from=content.syndicated_from,
        title=content.title,
        text=extracted.text,
    )
    moved = (updated.text, updated.title, updated.canonical_url, updated.syndicated_from) != (
        row.text,
        row.title,
        row.canonical_url,
        row.syndicated_from,
    )
    return updated, moved


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
    es = elastic.client(settings.require_elasticsearch())
    current = index_setup.ensure_index(es, settings.index)
    target = target_index or settings.index
    if target_index:
        index_setup.ensure_target_index(es, settings.index, target_index)
    with connect(database_url) as conn:
        ids = articles.ids_in_window(conn, start, end)
    report = indexer.index_articles(database_url, es, target, ids)
    result: dict[str, int | str] = {
        "articles": len(ids),
        "indexed": report.indexed,
        "failed": report.failed,
    }
    if swap_alias and target_index and target_index != current:
        index_setup.swap_alias(es, settings.index, target_index)
        result["alias_now_points_to"] = target_index
    return result
