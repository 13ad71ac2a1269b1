"""One complete ingestion cycle: poll due feeds, process every pending entry, index.

Shared building blocks for the CLI (`mediamon ingest`) and the Airflow DAGs, which call
`open_processor`, `process_pending` and `index_pending` in their own tasks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from pebble import ProcessPool

from mediamon.events.encoder import preload_encoder
from mediamon.extract.language import preload_language_model
from mediamon.feeds import poll
from mediamon.feeds.sources import read_feed_list
from mediamon.fetch.client import Fetcher
from mediamon.fetch.guard import NetworkGuard
from mediamon.pipeline.pages import ProcessReport
from mediamon.pipeline.process import Processor
from mediamon.pipeline.timing import StageClock, mark, since
from mediamon.pipeline.worker import WorkerContext, initialise
from mediamon.search import elastic, index_setup, indexer
from mediamon.settings import Settings
from mediamon.store import db, entries
from mediamon.store.entries import Entry
from mediamon.tagging.versions import tagger_for

BATCH_SIZE = 100


@dataclass
class CycleReport:
    feeds_added: int = 0
    poll: poll.PollReport = field(default_factory=poll.PollReport)
    process: ProcessReport = field(default_factory=ProcessReport)
    index: indexer.IndexReport = field(default_factory=indexer.IndexReport)
    watchlist_version: int | None = None
    clock: StageClock = field(default_factory=StageClock)


def make_fetcher(settings: Settings) -> Fetcher:
    guard = NetworkGuard(settings.allow_private_networks, settings.allowed_addresses)
    return Fetcher(settings.fetch, guard)


@contextmanager
def open_processor(
    settings: Settings,
    watchlist: Path | None = None,
    clock: StageClock | None = None,
    stop: threading.Event | None = None,
) -> Iterator[Processor]:
    database_url = settings.require_database()
    tagger = tagger_for(database_url, watchlist or settings.watchlist_path, settings.cache_dir)
    # Each worker starts with the tagger and the dedup settings (inherited when forked), and
    # the language model loaded once here, shared by the forked workers' memory; both models
    # come from the model cache when it holds them (each Airflow task is a new process).
    preload_language_model(settings.cache_dir)
    preload_encoder(settings.cache_dir)  # events: the sentence encoder, shared the same way
    context = WorkerContext(tagger, settings.dedup)
    with (
        make_fetcher(settings) as fetcher,
        ProcessPool(settings.workers, initializer=initialise, initargs=(context,)) as pool,
    ):
        processor = Processor(settings, fetcher, tagger, pool, clock, stop)
        try:
            yield processor
        finally:
            processor.close()


def process_pending(
    processor: Processor,
    max_entries: int | None = None,
    on_claim: Callable[[int], None] | None = None,
) -> ProcessReport:
    """Claim and process entries until nothing is pending (or `max_entries` were claimed).

    Entries are claimed BATCH_SIZE at a time, the next batch while the last one is still
    being extracted; `on_claim` hears how many entries each claim took.
    """
    claimed = 0

    def claim_next() -> list[Entry]:
        nonlocal claimed
        size = BATCH_SIZE if max_entries is None else min(BATCH_SIZE, max_entries - claimed)
        if size <= 0:
            return []
        batch = processor.claim(size)
        claimed += len(batch)
        if batch and on_claim:
            on_claim(len(batch))
        return batch

    first = claim_next()
    if not first:
        return ProcessReport()
    return processor.process(first, refill=claim_next)


def pending_count(database_url: str) -> int:
    """Entries due for processing now."""
    with db.connect(database_url) as conn:
        return entries.pending_count(conn)


def index_pending(settings: Settings, clock: StageClock | None = None) -> indexer.IndexReport:
    database_url = settings.require_database()
    es = elastic.client(settings.require_elasticsearch())
    try:
        index_setup.ensure_index(es, settings.index)
    except elastic.SearchUnavailable as exc:
        return indexer.IndexReport(unavailable=str(exc))
    started = mark()
    report = indexer.drain_outbox(database_url, es, settings.index)
    if clock is not None and report.indexed:
        clock.add_shared("index", *since(started), report.indexed)
    return report


def run_cycle(
    settings: Settings,
    feeds_file: Path | None = None,
    watchlist: Path | None = None,
    poll_all: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
    stop: threading.Event | None = None,
) -> CycleReport:
    """Poll, process and index. With `stop` set (Ctrl-C), nothing more is claimed or
    fetched and what was stored is still indexed. When PostgreSQL fails mid-run, what
    the run stored before is indexed all the same (when the server still answers) and
    the failure is raised."""
    database_url = settings.require_database()
    db.upgrade(database_url)
    report = CycleReport()
    if feeds_file is not None:
        specs = read_feed_list(feeds_file)
        report.feeds_added = poll.add_feeds(database_url, specs)
        if poll_all:
            poll.force_due(database_url, None)
    elif poll_all:
        poll.force_due(database_url, None)
    failure: psycopg.OperationalError | None = None
    try:
        with open_processor(settings, watchlist, report.clock, stop) as processor:
            report.watchlist_version = processor.tagger.version
            feeds = poll.due_feeds(database_url, limit=None)
            if on_progress:
                on_progress("poll", 0, len(feeds))
            report.poll = poll.poll_feeds(database_url, processor.fetcher, feeds)
            total = pending_count(database_url)
            if on_progress:
                on_progress("process", 0, total)

            def advance(claimed: int) -> None:
                if on_progress:
                    on_progress("process", claimed, total)

            report.process = process_pending(processor, on_claim=advance)
    except psycopg.OperationalError as exc:  # server gone, statement timeout, disk full
        failure = exc
    try:
        report.index = index_pending(settings, report.clock)
    except (psycopg.OperationalError, db.DatabaseUnavailable):
        if failure is None:
            raise
    if failure is not None:
        raise failure
    return report
