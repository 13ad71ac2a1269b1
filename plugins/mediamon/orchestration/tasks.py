"""What each Airflow task does, as plain functions (no Airflow imports here).

Every function takes `Settings`, does one unit of work against PostgreSQL and
Elasticsearch, and returns only ids and counts (small enough for XCom); article bodies
stay in PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime

from mediamon.feeds import poll
from mediamon.pipeline import maintenance
from mediamon.pipeline.cycle import index_pending, make_fetcher, open_processor, process_pending
from mediamon.pipeline.process import pending_count
from mediamon.settings import Settings
from mediamon.store import db

FEED_BATCH = 50
ENTRY_BATCH = 100
# Far below Airflow's max_map_length (1024): a run never maps more than this.
MAX_MAPPED = 64


def _chunks(ids: list[int], size: int) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def due_feed_batches(settings: Settings, batch_size: int = FEED_BATCH) -> list[list[int]]:
    """Ids of the feeds due now, in batches (at most MAX_MAPPED of them)."""
    database_url = settings.require_database()
    db.upgrade(database_url)
    feeds = poll.due_feeds(database_url, limit=batch_size * MAX_MAPPED)
    return _chunks([feed["id"] for feed in feeds], batch_size)


def poll_feed_batch(settings: Settings, feed_ids: list[int]) -> dict[str, int]:
    database_url = settings.require_database()
    feeds = poll.due_feeds(database_url, feed_ids=feed_ids)
    with make_fetcher(settings) as fetcher:
        report = poll.poll_feeds(database_url, fetcher, feeds)
    return {"polled": report.polled, "failed": report.failed, "new_entries": report.new_entries}


def pending_work(settings: Settings) -> int:
    return pending_count(settings.require_database())


def process_slots(settings: Settings, batch_size: int = ENTRY_BATCH) -> list[int]:
    """One slot per batch of pending entries; each mapped task claims its own batch."""
    pending = pending_work(settings)
    return list(range(min(MAX_MAPPED, math.ceil(pending / batch_size))))


def process_slot(settings: Settings, batch_size: int = ENTRY_BATCH) -> dict[str, int]:
    """Claim and process up to `batch_size` pending entries (fetch, extract, dedupe, tag, store)."""
    # One Airflow task is one worker; extraction still runs in a child process it can kill.
    settings = dataclasses.replace(settings, workers=1)
    with open_processor(settings) as processor:
        report = process_pending(processor, max_entries=batch_size)
    return {
        "claimed": report.claimed,
        "stored": report.articles_stored,
        "already_known": report.already_known,
        "skipped": report.pages_skipped,
        "failed": report.pages_failed,
        "retry": report.pages_retry,
    }


def index_articles(settings: Settings) -> dict[str, int | str | None]:
    report = index_pending(settings)
    return {"indexed": report.indexed, "failed": report.failed, "unavailable": report.unavailable}


def reprocess_window(settings: Settings, start: datetime, end: datetime) -> dict[str, int]:
    return maintenance.reprocess_window(settings, start, end)


def retag_window(settings: Settings, start: datetime, end: datetime) -> dict[str, int]:
    changed, version = maintenance.retag_articles(settings, settings.watchlist_path, start, end)
    return {"changed": changed, "watchlist_version": version, **index_articles(settings)}


def reindex_window(
    settings: Settings, start: datetime, end: datetime, target_index: str | None, swap_alias: bool
) -> dict[str, int | str]:
    return maintenance.reindex_window(settings, start, end, target_index, swap_alias)
