"""Process claimed feed entries: fetch, extract, dedupe, tag, store, the stages overlapping.

Work is claimed from PostgreSQL under a lease (store/entries.py), every page gets a
recorded outcome (pipeline/triage.py), and an article is written in one transaction with
its raw page, cluster, tags and outbox row (pipeline/storing.py), so a retried batch neither
duplicates nor loses anything. Extraction, tagging and fingerprinting run in worker
processes (pipeline/worker.py) that are killed at their time limit.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager

from pebble import ProcessPool

from mediamon.fetch.client import Fetcher
from mediamon.fetch.urls import InvalidURL, normalise_url, outlet_of
from mediamon.pipeline import store_order, triage
from mediamon.pipeline.pages import Page, ProcessReport, pages_of
from mediamon.pipeline.storing import StoreContext, fail_page, store_ready
from mediamon.pipeline.timing import StageClock
from mediamon.pipeline.worker import PageToPrepare, prepare_pages
from mediamon.settings import Settings
from mediamon.store import entries, feeds
from mediamon.store.db import Connection, connect
from mediamon.store.entries import Entry
from mediamon.tagging.matcher import Tagger
from mediamon.vocabulary import EntryStatus, ExtractionStatus

HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
# Extracted pages stored per transaction: fewer round trips, a short-held dedup lock.
STORE_BATCH = 32
# Pages per extraction-worker task: the worker tags and prints them one after another,
# with the watchlist's automaton still in the CPU cache.
WORKER_BATCH = 4
FETCH_THREADS = 16


class Processor:
    """Processes claimed entries with one fetcher, one tagger and one extraction pool."""

    def __init__(
        self,
        settings: Settings,
        fetcher: Fetcher,
        tagger: Tagger,
        pool: ProcessPool,
        clock: StageClock | None = None,
        stop: threading.Event | None = None,
    ):
        self.settings = settings
        # Set (by Ctrl-C, say) to stop at once: no more claims or fetches; pages being
        # extracted are finished and stored, every other claimed entry is released.
        self.stop = stop or threading.Event()
        self.database_url = settings.require_database()
        self.fetcher = fetcher
        self.tagger = tagger
        self.pool = pool
        self.clock = clock or StageClock()
        # One connection per thread (the loop's and the store thread's), kept open: a new
        # one per page costs a TCP and SCRAM handshake. Two in all.
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._connections_lock = threading.Lock()
        self._store = StoreContext(
            self.transaction, [], tagger.version, settings.dedup, {}, self.clock
        )

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            conn = self._local.conn = connect(self.database_url)
            with self._connections_lock:
                self._connections.append(conn)
        with conn.transaction():
            yield conn

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for conn in connections:
            conn.close()

    def claim(self, limit: int) -> list[Entry]:
        """Lease up to `limit` due entries to this process (nothing once stopping)."""
        if self.stop.is_set():
            return []
        with self.transaction() as conn:
            return entries.claim(conn, limit)

    # -- the batch --------------------------------------------------------------------------
    def process(
        self, claimed: list[Entry], refill: Callable[[], list[Entry]] | None = None
    ) -> ProcessReport:
        """Fetch, extract and store the entries' pages, the three stages overlapping: pages
        are stored as soon as their extraction finishes, while others are still fetched.

        With `refill`, more entries are claimed from it whenever few pages are left in
        flight, so the extraction workers never wait for a batch to drain.
        """
        report = ProcessReport()
        with self.transaction() as conn:
            self._store.sites = feeds.site_urls(conn)
        extracting: dict[Future, list[Page]] = {}
        waiting: list[Page] = []  # fetched, to go to a worker in the next batch
        extracted: list[Page] = []
        fetching: dict[Future, Page] = {}
        storing: Future | None = None
        # Futures report here when done: waiting costs the same with 5 or 500 in flight.
        finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        threads = ThreadPoolExecutor(max_workers=FETCH_THREADS)
        claim_seq = itertools.count()
        # Storing runs on its own thread, so that this loop keeps the workers fed meanwhile.
        with ThreadPoolExecutor(max_workers=1) as store_thread:

            def admit(batch: list[Entry]) -> None:
                report.claimed += len(batch)
                pages = pages_of(batch)
                for page in pages:
                    page.claim_seq = next(claim_seq)
                with self.transaction() as conn:
                    to_fetch = triage.pages_to_fetch(conn, self.fetcher, pages, report)
                for page in to_fetch:
                    future = threads.submit(self._fetch, page)
                    fetching[future] = page
                    future.add_done_callback(finished.put)

            def stop_now() -> None:
                """Release what is not yet being extracted; the loop then drains the rest."""
                nonlocal waiting
                abandoned = [*fetching.values(), *waiting]
                fetching.clear()
                waiting = []
                self.fetcher.cancel()
                self._release(abandoned, report)
                threads.shutdown(wait=False, cancel_futures=True)

            def extract(pages: list[Page]) -> None:
                future = self._start_extraction(pages)
                extracting[future] = pages
                future.add_done_callback(finished.put)

            admit(claimed)
            stopped = False
            wake_at: float | None = None
            while True:
                if self.stop.is_set() and not stopped:
                    stopped, refill = True, None
                    stop_now()
                in_flight = len(fetching) + len(waiting) + sum(map(len, extracting.values()))
                if refill is not None and in_flight < self._refill_below:
                    if more := refill():
                        admit(more)
                        continue
                    refill = None
                if not (fetching or waiting or extracting or extracted or storing):
                    break
                for future in _finished_now(finished, None if stopped else self.stop, wake_at):
                    if future is None:  # woken by the stop event, or to store held pages
                        continue
                    if future is storing:
                        report.merge(future.result())
                        storing = None
                    elif future in fetching:
                        del fetching[future]
                        if page := self._fetched(future.result(), report):
                            waiting.append(page)
                    elif future in extracting:
                        pages = extracting.pop(future)
                        ready, again = self._extraction_results(pages, future, report)
                        for page in ready:
                            page.extracted_at = time.monotonic()
                        extracted += ready
                        # A batch that timed out or crashed: each page again, on its own.
                        for page in again:
                            extract([page])
                # Full batches to the workers; a short one rather than leave a worker idle.
                while waiting and (
                    len(waiting) >= WORKER_BATCH or len(extracting) < self.settings.workers
                ):
                    extract(waiting[:WORKER_BATCH])
                    waiting = waiting[WORKER_BATCH:]
                # Store in claim order (oldest report first), not as extraction finished:
                # events are assigned in the order articles are stored. A page waits for
                # the pages claimed before it, within bounds (pipeline/store_order.py).
                extracted.sort(key=lambda page: page.claim_seq)
                if storing is None and (
                    count := store_order.to_store(
                        extracted,
                        [page.claim_seq for page in (*fetching.values(), *waiting)],
                        {page.claim_seq for pages in extracting.values() for page in pages},
                        time.monotonic(),
                        STORE_BATCH,
                    )
                ):
                    storing = store_thread.submit(store_ready, self._store, extracted[:count])
                    storing.add_done_callback(finished.put)
                    extracted = extracted[count:]
                # Held pages are looked at again when overdue (or when the store finishes).
                wake_at = store_order.wake_at(extracted) if storing is None else None
        # Stopped: fetches still running are abandoned (their entries already released).
        threads.shutdown(wait=not stopped, cancel_futures=stopped)
        return report

    @property
    def _refill_below(self) -> int:
        """Pages in flight under which the next entries are claimed: enough to keep every
        worker busy while they are triaged and fetched."""
        return FETCH_THREADS + 16 * self.settings.workers

    def _release(self, pages: list[Page], report: ProcessReport) -> None:
        claimed = [entry for page in pages for entry in page.entries]
        if claimed:
            with self.transaction() as conn:
                entries.release(conn, claimed)
            report.released += len(claimed)

    # -- stage by stage ---------------------------------------------------------------------
    def _fetch(self, page: Page) -> Page:
        with self.clock.stage("fetch"):
            page.fetched = self.fetcher.get(page.page_url, accept_types=HTML_TYPES)
        return page

    def _fetched(self, page: Page, report: ProcessReport) -> Page | None:
        """The page, if fetched; or None, its failure recorded."""
        fetched = page.fetched
        if fetched is None or not fetched.ok or fetched.skipped_body:
            with self.transaction() as conn:
                triage.record_fetch_failure(conn, page, report)
            return None
        report.pages_fetched += 1
        page.final_url = _safe_normalise(fetched.final_url) or page.page_url
        page.source = outlet_of(page.final_url, self._store.sites)
        return page

    def _start_extraction(self, pages: list[Page]) -> Future:
        batch = []
        for page in pages:
            assert page.fetched is not None and page.source is not None
            batch.append(
                PageToPrepare(
                    page.fetched.body,
                    page.fetched.headers.get("content-type", ""),
                    page.fetched.final_url,
                    page.feed_title,
                    self._store.templates.get(page.source, frozenset()),
                    page.fetched.headers.get("content-language"),
                )
            )
        # The batch gets one page's time limit: past it, each page is tried again alone
        # (see _extraction_results), so a page fails only when it alone exceeds the limit.
        return self.pool.schedule(
            prepare_pages, args=(batch,), timeout=self.settings.extract_timeout_s
        )

    def _extraction_results(
        self, pages: list[Page], future: Future, report: ProcessReport
    ) -> tuple[list[Page], list[Page]]:
        """The pages extracted and ready to store (the others' failures recorded), and the
        pages to extract again, one by one, when a batch of several timed out or crashed."""
        try:
            results = future.result()
        except Exception as exc:  # a crash in the worker is these pages' failure, not the run's
            if len(pages) > 1:
                return [], pages
            if isinstance(exc, FutureTimeout):
                reason = f"extraction exceeded {self.settings.extract_timeout_s:.0f} s"
            else:
                reason = f"extraction failed: {type(exc).__name__}: {str(exc)[:200]}"
            fail_page(self._store, pages[0], report, reason)
            return [], []
        ready = []
        for page, prepared in zip(pages, results, strict=True):
            if isinstance(prepared, str):
                fail_page(self._store, page, report, f"extraction failed: {prepared}")
                continue
            page.prepared = prepared
            for stage, (wall_ms, cpu_ms) in prepared.timings.items():
                self.clock.add(stage, wall_ms, cpu_ms)
            extracted = prepared.extracted
            if extracted.status != ExtractionStatus.STORED:
                status = (
                    EntryStatus.SKIPPED
                    if extracted.status == ExtractionStatus.WALL
                    else EntryStatus.FAILED
                )
                fail_page(
                    self._store, page, report, extracted.status_reason or extracted.status, status
                )
                continue
            ready.append(page)
        return ready, []


def _finished_now(
    finished: queue.SimpleQueue[Future], stop: threading.Event | None, until: float | None
) -> list[Future | None]:
    """The next finished future (waiting for one), and any others already finished; or
    [None] when `stop` is set while waiting (looked at every 0.2 s), or at `until` (a
    time.monotonic() value)."""
    while True:
        timeout = None if stop is None else 0.2
        if until is not None:
            left = max(0.0, until - time.monotonic())
            timeout = left if timeout is None else min(timeout, left)
        try:
            done: list[Future | None] = [finished.get(timeout=timeout)]
            break
        except queue.Empty:
            if (stop is not None and stop.is_set()) or (
                until is not None and time.monotonic() >= until
            ):
                return [None]
    while not finished.empty():
        done.append(finished.get_nowait())
    return done


def _safe_normalise(url: str) -> str | None:
    try:
        return normalise_url(url)
    except InvalidURL:
        return None
