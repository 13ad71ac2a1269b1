"""What each Airflow task does, as plain functions (no Airflow imports here).

Every function takes `Settings`, does one unit of work against PostgreSQL and
Elasticsearch, and returns only ids, counts and times (small enough for XCom); article
bodies stay in PostgreSQL. What each feed and page came to goes to the task's log, one
line each.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import multiprocessing
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from mediamon.feeds import poll
from mediamon.pipeline import maintenance
from mediamon.pipeline.cycle import (
    index_pending,
    make_fetcher,
    open_processor,
    pending_count,
    process_pending,
)
from mediamon.settings import Settings
from mediamon.store import db, feeds
from mediamon.vocabulary import POLL_SUCCESSES

log = logging.getLogger(__name__)

FEED_BATCH = 50
# Mapped processing tasks. A task costs seconds of CPU before its first page (Airflow starts
# it; it imports mediamon, loads the watchlist, the language model and the sentence encoder,
# forks its extraction workers: bench.freshness measures it), so pending work is spread over
# several tasks only when each gets MIN_ENTRY_BATCH entries (the Airflow Variable
# mediamon_batch_entries overrides it), and over at most PARALLEL_BATCHES. More tasks than
# cores pays: a task stores on one thread, waiting on PostgreSQL (3,000 pages on 2 cores, no
# Airflow: 4 tasks of one extraction worker 38 articles/s, 2 tasks 29, one process with two
# workers 30). The cores are shared out among the tasks as extraction workers, so that a
# lone task (a small run) has as many as `mediamon ingest`. Every task claims entries 100 at
# a time until nothing is pending or it has ENTRY_BATCH (minutes of work, well inside the
# execution timeout): tasks that start late or run slow leave the rest to the others, and
# entries that arrive meanwhile are taken in the same run.
ENTRY_BATCH = 5000
MIN_ENTRY_BATCH = 250
PARALLEL_BATCHES = 4
# Far below Airflow's max_map_length (1024): a run never maps more than this.
MAX_MAPPED = 64
# The poll DAG looks at the clock once per period: a feed due a few seconds after a run
# looked would wait a whole period more. A run polls what is due within this share of it.
DUE_AHEAD_SHARE = 0.25


def _batches(ids: list[int], min_size: int, max_batches: int) -> list[list[int]]:
    """`ids` in at most `max_batches` batches of at least `min_size` (the last one shorter)."""
    size = max(min_size, math.ceil(len(ids) / max_batches))
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def _feed_ids(database_url: str, due_within_s: float | None) -> list[int]:
    """Every feed (`due_within_s` None), or those due within that many seconds, soonest first."""
    with db.connect(database_url) as conn:
        return feeds.ids_due_within(conn, due_within_s)


def due_feed_batches(settings: Settings, poll_all: bool = False) -> list[list[int]]:
    """Ids of the feeds to poll in this run, in batches (at most MAX_MAPPED of them).

    Scheduled runs take the feeds due before the next run would look; `poll_all` (a manual
    run) takes every feed, due or not.
    """
    database_url = settings.require_database()
    db.upgrade(database_url)
    ahead = None if poll_all else settings.poll_every_minutes * 60 * DUE_AHEAD_SHARE
    return _batches(_feed_ids(database_url, ahead), FEED_BATCH, MAX_MAPPED)


def poll_feed_batch(settings: Settings, feed_ids: list[int]) -> dict[str, int]:
    """Poll the feeds (due or not: the batch was chosen by due_feed_batches)."""
    database_url = settings.require_database()
    feeds = poll.due_feeds(database_url, feed_ids=feed_ids)
    with make_fetcher(settings) as fetcher:
        report = poll.poll_feeds(database_url, fetcher, feeds)
    for outcome in report.outcomes:
        note = f" ({outcome.error})" if outcome.error else ""
        level = logging.INFO if outcome.status in POLL_SUCCESSES else logging.WARNING
        log.log(
            level,
            "feed %s: %s, %d new of %d entries%s",
            outcome.url,
            outcome.status,
            outcome.items_new,
            outcome.items_seen,
            note,
        )
    counts = {"polled": report.polled, "failed": report.failed, "new_entries": report.new_entries}
    log.info("polled %(polled)d feeds: %(failed)d failed, %(new_entries)d new entries", counts)
    return counts


def pending_work(settings: Settings) -> int:
    return pending_count(settings.require_database())


def process_batches(settings: Settings, min_batch: int = MIN_ENTRY_BATCH) -> list[dict[str, int]]:
    """The mapped tasks for the pending entries, as process_batch's arguments: the most
    entries each claims (ENTRY_BATCH) and its extraction workers. One task per `min_batch`
    pending entries up to PARALLEL_BATCHES, the cores (settings.workers) shared among them;
    more tasks when each would get over ENTRY_BATCH (at most MAX_MAPPED: what is left waits
    for the next run)."""
    pending = pending_work(settings)
    if pending == 0:
        return []
    cores = max(1, settings.workers)
    spread = min(PARALLEL_BATCHES, math.ceil(pending / max(1, min_batch)))
    count = min(MAX_MAPPED, max(spread, math.ceil(pending / ENTRY_BATCH)))
    batch = {"max_entries": ENTRY_BATCH, "workers": max(1, cores // spread)}
    return [dict(batch) for _ in range(count)]


def _allow_child_processes() -> None:
    """Celery's prefork pool runs each task in a daemonic process, and multiprocessing
    refuses children to those ("daemonic processes are not allowed to have children"); the
    extraction pool needs them, and is closed before the task returns."""
    process = multiprocessing.current_process()
    if process.daemon:
        process.daemon = False


def process_batch(
    settings: Settings, max_entries: int = ENTRY_BATCH, workers: int = 1
) -> dict[str, int | float]:
    """Claim and process up to `max_entries` pending entries (fetch, extract, dedupe, tag,
    store) with `workers` extraction workers; each page that did not store is one line of
    the task's log. Besides the counts, `setup_s` (the models, the watchlist and the
    extraction pool) and `work_s` (the batch itself) say where the task's time went."""
    settings = dataclasses.replace(settings, workers=max(1, workers))
    _allow_child_processes()
    started = time.monotonic()
    with open_processor(settings) as processor:
        ready = time.monotonic()
        log.info(
            "watchlist version %s, models and %d extraction workers ready in %.2f s",
            processor.tagger.version,
            settings.workers,
            ready - started,
        )
        report = process_pending(processor, max_entries=max_entries)
        finished = time.monotonic()
    for line in report.outcomes:
        log.info("page %s", line)
    counts: dict[str, int | float] = {
        "claimed": report.claimed,
        "stored": report.articles_stored,
        "already_known": report.already_known,
        "skipped": report.pages_skipped,
        "failed": report.pages_failed,
        "retry": report.pages_retry,
    }
    log.info(
        "claimed %(claimed)d entries: %(stored)d stored, %(already_known)d already known,"
        " %(skipped)d skipped, %(failed)d failed, %(retry)d to retry",
        counts,
    )
    return {**counts, "setup_s": round(ready - started, 3), "work_s": round(finished - ready, 3)}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _indexing(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`work`'s counts and the window it ran in: every document it indexed carries an
    `indexed_at` inside [indexed_from, indexed_to] (the Kibana link shows exactly those)."""
    started = datetime.now(UTC)
    counts = work()
    return {**counts, "indexed_from": _iso(started), "indexed_to": _iso(datetime.now(UTC))}


def index_articles(settings: Settings) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        report = index_pending(settings)
        return {
            "indexed": report.indexed,
            "failed": report.failed,
            "unavailable": report.unavailable,
        }

    counts = _indexing(work)
    log.info("indexed %d documents, %d failed", counts["indexed"], counts["failed"])
    if counts["unavailable"]:
        log.warning("%s", counts["unavailable"])
    return counts


def reprocess_window(settings: Settings, start: datetime, end: datetime) -> dict[str, Any]:
    return _indexing(lambda: maintenance.reprocess_window(settings, start, end))


def retag_window(settings: Settings, start: datetime, end: datetime) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        changed, version = maintenance.retag_articles(settings, settings.watchlist_path, start, end)
        report = index_pending(settings)
        return {
            "changed": changed,
            "watchlist_version": version,
            "indexed": report.indexed,
            "failed": report.failed,
            "unavailable": report.unavailable,
        }

    return _indexing(work)


def reindex_window(
    settings: Settings, start: datetime, end: datetime, target_index: str | None, swap_alias: bool
) -> dict[str, Any]:
    return _indexing(
        lambda: maintenance.reindex_window(settings, start, end, target_index, swap_alias)
    )
