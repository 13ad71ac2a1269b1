"""Process pending feed entries: fetch, extract, dedupe, tag, store (one batch at a time).

Work is claimed from PostgreSQL with a lease (several workers or Airflow tasks can run
at once), every page gets a recorded outcome, and an article is written in one
transaction with its raw page, cluster, tags and outbox row, so a retried batch neither
duplicates nor loses anything. Extraction, tagging and fingerprinting run in worker
processes (pipeline/worker.py) that are killed at their time limit.
"""

from __future__ import annotations

import queue
import re
import socket
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import psutil
import psycopg
from pebble import ProcessPool
from psycopg.types.json import Jsonb

from mediamon.dedup.clusters import Story, dedupe_stories
from mediamon.dedup.fingerprint import normalised_text_hash
from mediamon.extract.dates import choose_published_at
from mediamon.fetch import robots
from mediamon.fetch.client import ErrorClass, Fetcher, FetchResult
from mediamon.fetch.urls import InvalidURL, host_key, normalise_url, outlet_of
from mediamon.pipeline.timing import StageClock, mark, since
from mediamon.pipeline.worker import PageToPrepare, PreparedPage, prepare_pages
from mediamon.search.indexer import enqueue
from mediamon.settings import Settings
from mediamon.store import raw_pages
from mediamon.store.articles import CONTENT_COLUMNS, content_values
from mediamon.store.db import connect
from mediamon.tagging.matcher import Tagger

HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")
# What PostgreSQL says of one bad value (not of the server or the connection): the batch
# is then stored page by page, so that only the page holding it fails.
PAGE_REFUSALS = (psycopg.DataError, psycopg.IntegrityError, psycopg.errors.ProgramLimitExceeded)
# A text shorter than this is no evidence that two pages of an outlet are one document.
MIN_BODY_HASH_WORDS = 40
_WORD = re.compile(r"\w+")
LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 5
SOFT_ERRORS = {
    ErrorClass.TIMEOUT,
    ErrorClass.CONNECTION,
    ErrorClass.DNS,
    ErrorClass.HTTP_5XX,
    ErrorClass.RATE_LIMITED,
}


@dataclass
class ProcessReport:
    claimed: int = 0
    pages_fetched: int = 0
    pages_skipped: int = 0
    pages_failed: int = 0
    pages_retry: int = 0
    articles_stored: int = 0
    already_known: int = 0
    copies_found: int = 0
    tagged: int = 0
    outcomes: list[str] = field(default_factory=list)  # one line per page that did not store
    released: int = 0  # entries handed back unprocessed when the run was stopped

    def merge(self, other: ProcessReport) -> None:
        for name in (
            "claimed",
            "pages_fetched",
            "pages_skipped",
            "pages_failed",
            "pages_retry",
            "articles_stored",
            "already_known",
            "copies_found",
            "tagged",
            "released",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.outcomes += other.outcomes


INSERT_ARTICLE_SQL = (
    "INSERT INTO articles (canonical_url, url, source, syndicated_from, body_hash, "
    + ", ".join(CONTENT_COLUMNS)
    + ", first_seen_at, fetched_at, status, groups, groups_with_ancestors, mentions,"
    " watchlist_version) VALUES ("
    + ", ".join(["%s"] * (5 + len(CONTENT_COLUMNS) + 2))
    + ", 'stored', %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id"
)
# Extracted pages stored per transaction: fewer round trips, a short-held dedup lock.
STORE_BATCH = 32
# Pages per extraction-worker task: the worker tags and prints them one after another,
# with the watchlist's automaton still in the CPU cache.
WORKER_BATCH = 4
FETCH_THREADS = 16


@dataclass
class Page:
    """One distinct page URL of the batch and the entries that listed it."""

    page_url: str
    entries: list[dict]
    fetched: FetchResult | None = None
    # Once fetched: the normalised final URL and the outlet it belongs to.
    final_url: str | None = None
    source: str | None = None
    prepared: PreparedPage | None = None  # by an extraction worker

    @property
    def feed_title(self) -> str | None:
        return next((entry["title"] for entry in self.entries if entry["title"]), None)


@dataclass(frozen=True)
class _NewArticle:
    """An extracted page about to be stored: its row, and what clustering needs."""

    page: Page
    story: Story  # article_id 0 until the row is inserted
    row: tuple
    tagged: bool


def lease_holder() -> str:
    """This process, as it appears in `entries.leased_by`."""
    process = psutil.Process()
    return f"{socket.gethostname()}|{process.pid}|{process.create_time():.0f}"


def _holder_alive(holder: str) -> bool:
    _host, pid, started = holder.split("|")
    try:
        return f"{psutil.Process(int(pid)).create_time():.0f}" == started
    except (psutil.NoSuchProcess, ValueError):
        return False


def release_dead_leases(conn: psycopg.Connection) -> int:
    """Free the leases of processes on this host that died holding them (killed tasks)."""
    host = socket.gethostname()
    holders = [
        row["leased_by"]
        for row in conn.execute(
            "SELECT DISTINCT leased_by FROM entries WHERE status = 'pending'"
            " AND leased_until > now() AND leased_by LIKE %s",
            (f"{host}|%",),
        )
    ]
    dead = [holder for holder in holders if not _holder_alive(holder)]
    if not dead:
        return 0
    return conn.execute(
        "UPDATE entries SET leased_until = NULL, leased_by = NULL WHERE leased_by = ANY(%s)"
        " AND status = 'pending'",
        (dead,),
    ).rowcount


def claim(conn: psycopg.Connection, limit: int) -> list[dict]:
    """Lease up to `limit` due entries to this process (other workers skip them).

    `conn` in a transaction of its own: the leases hold once it commits. (A connection per
    claim cost ~3 ms of CPU for its password exchange, and as much in PostgreSQL.)
    """
    release_dead_leases(conn)
    # An entry whose batches keep dying before it gets an outcome (each claim counts an
    # attempt) is given one, rather than be claimed for ever.
    conn.execute(
        "UPDATE entries SET status = 'failed', leased_until = NULL, leased_by = NULL,"
        " status_reason = 'gave up after ' || attempts || ' attempts without an outcome'"
        "   || coalesce(' (last: ' || status_reason || ')', '')"
        " WHERE status = 'pending' AND attempts >= %s AND next_attempt_at <= now()"
        " AND (leased_until IS NULL OR leased_until < now())",
        (MAX_ATTEMPTS,),
    )
    return conn.execute(
        "UPDATE entries SET leased_until = now() + %s, leased_by = %s, attempts = attempts + 1"
        " WHERE id IN (SELECT id FROM entries WHERE status = 'pending'"
        "   AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())"
        "   ORDER BY next_attempt_at, id LIMIT %s FOR UPDATE SKIP LOCKED)"
        " RETURNING *",
        (LEASE, lease_holder(), limit),
    ).fetchall()


def pending_count(database_url: str) -> int:
    with connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) AS n FROM entries WHERE status = 'pending' AND next_attempt_at <= now()"
        ).fetchone()["n"]


def _finish(
    conn, entries: list[dict], status: str, reason: str | None, article_id: int | None = None
) -> None:
    _finish_pages(conn, [(entries, article_id)], status, reason)


def _finish_pages(
    conn, pages: list[tuple[list[dict], int | None]], status: str, reason: str | None
) -> None:
    """Close the entries of several pages at once, each page with its own article."""
    entry_ids = [entry["id"] for entries, _ in pages for entry in entries]
    article_ids = [article_id for entries, article_id in pages for _ in entries]
    conn.execute(
        "UPDATE entries e SET status = %s, status_reason = %s,"
        " article_id = coalesce(q.article_id, e.article_id), leased_until = NULL, leased_by = NULL"
        " FROM unnest(%s::bigint[], %s::bigint[]) AS q(id, article_id) WHERE e.id = q.id",
        (status, reason, entry_ids, article_ids),
    )


def _retry_later(conn, entries: list[dict], reason: str, not_before: datetime | None = None) -> str:
    attempts = max(e["attempts"] for e in entries)
    if attempts >= MAX_ATTEMPTS:
        _finish(conn, entries, "failed", f"{reason} (gave up after {attempts} attempts)")
        return "failed"
    backoff = datetime.now(UTC) + timedelta(minutes=5 * 2 ** (attempts - 1))
    when = max(backoff, not_before) if not_before else backoff
    conn.execute(
        "UPDATE entries SET status_reason = %s, next_attempt_at = %s, leased_until = NULL,"
        " leased_by = NULL WHERE id = ANY(%s)",
        (reason, when, [e["id"] for e in entries]),
    )
    return "retry"


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
        # one per page costs a TCP and SCRAM handshake.
        self._local = threading.local()
        self._connections: list[psycopg.Connection] = []
        self._connections_lock = threading.Lock()
        # Outlet: its template lines found so far (clustering adds to it; the workers'
        # prints leave them out ahead, so that the main process need not print again).
        self._templates: dict[str, frozenset[int]] = {}
        self._sites: list[str] = []  # the feeds' site URLs, read per `process` call

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
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

    # -- stage 1: pages already stored, deferred hosts, robots.txt ------------------------
    def _triage(self, pages: list[Page], report: ProcessReport) -> list[Page]:
        """The pages still to fetch: not stored yet, host not deferred, robots.txt allows.

        A handful of queries for the whole batch, and robots.txt read once per host.
        """
        urls = [page.page_url for page in pages]
        hosts = sorted({host_key(url) for url in urls})
        feed_ids = sorted({entry["feed_id"] for page in pages for entry in page.entries})
        to_fetch = []
        with self.transaction() as conn:
            known = {
                row["url"]: row["id"]
                for row in conn.execute(
                    "SELECT canonical_url AS url, id FROM articles WHERE canonical_url = ANY(%(u)s)"
                    " UNION ALL SELECT page_url, article_id FROM entries"
                    " WHERE page_url = ANY(%(u)s) AND article_id IS NOT NULL",
                    {"u": urls},
                )
            }
            deferred = {
                row["host"]: row["deferred_until"]
                for row in conn.execute(
                    "SELECT host, deferred_until FROM hosts WHERE host = ANY(%s) AND deferred_until > now()",
                    (hosts,),
                )
            }
            polite = {
                row["id"]: row["respect_robots"]
                for row in conn.execute(
                    "SELECT id, respect_robots FROM feeds WHERE id = ANY(%s)", (feed_ids,)
                )
            }
            rules: dict[str, tuple[str, str]] = {}
            for page in pages:
                host = host_key(page.page_url)
                if page.page_url in known:
                    _finish(conn, page.entries, "done", "already stored", known[page.page_url])
                    _relisted(conn, [(page.entries, known[page.page_url])])
                    report.already_known += 1
                    continue
                if host in deferred:
                    _retry_later(
                        conn, page.entries, "host asked us to wait (Retry-After)", deferred[host]
                    )
                    report.pages_retry += 1
                    continue
                respect_robots = any(polite.get(entry["feed_id"], True) for entry in page.entries)
                if respect_robots and not self._robots_allow(conn, page, rules, report):
                    continue
                to_fetch.append(page)
        return to_fetch

    def _robots_allow(
        self, conn, page: Page, rules: dict[str, tuple[str, str]], report: ProcessReport
    ) -> bool:
        host = host_key(page.page_url)
        if host not in rules:
            rules[host] = robots.host_rules(conn, self.fetcher, page.page_url)
        permitted, reason = robots.decide(*rules[host], page.page_url)
        if permitted:
            return True
        if "unavailable" in reason:
            _retry_later(conn, page.entries, reason)
            report.pages_retry += 1
        else:
            _finish(conn, page.entries, "skipped", reason)
            report.pages_skipped += 1
        report.outcomes.append(f"{page.page_url}: {reason}")
        return False

    # -- stage 2: fetch -------------------------------------------------------------------
    def _fetch(self, page: Page) -> Page:
        with self.clock.stage("fetch"):
            page.fetched = self.fetcher.get(page.page_url, accept_types=HTML_TYPES)
        return page

    def _record_fetch_failure(self, page: Page, report: ProcessReport) -> None:
        fetched = page.fetched
        assert fetched is not None
        with self.transaction() as conn:
            if fetched.skipped_body:
                reason = f"not HTML: {fetched.content_type or 'no content type'}"
                _finish(conn, page.entries, "skipped", reason)
                report.pages_skipped += 1
            elif fetched.error_class in SOFT_ERRORS:
                reason = f"{fetched.error_class}: {fetched.error}"
                if fetched.retry_after:
                    conn.execute(
                        "INSERT INTO hosts (host, deferred_until) VALUES (%s, %s) ON CONFLICT (host)"
                        " DO UPDATE SET deferred_until = EXCLUDED.deferred_until",
                        (host_key(page.page_url), fetched.retry_after),
                    )
                state = _retry_later(conn, page.entries, reason, fetched.retry_after)
                if state == "failed":
                    report.pages_failed += 1
                else:
                    report.pages_retry += 1
            else:
                reason = f"{fetched.error_class or 'http'}: {fetched.error or fetched.status_code}"
                _finish(conn, page.entries, "failed", reason)
                report.pages_failed += 1
        report.outcomes.append(f"{page.page_url}: {reason}")

    # -- stage 4: store -------------------------------------------------------------------
    def _article(self, page: Page) -> _NewArticle:
        """The article row for a prepared page (URLs and dates decided here; the worker
        tagged and printed it)."""
        fetched, prepared = page.fetched, page.prepared
        assert fetched is not None and prepared is not None and prepared.tags is not None
        extracted, tags = prepared.extracted, prepared.tags
        final_url, source = page.final_url, page.source
        assert final_url is not None and source is not None
        canonical_url, syndicated_from = final_url, None
        if extracted.canonical_url:
            canonical = _safe_normalise(extracted.canonical_url)
            if canonical and outlet_of(canonical, self._sites) == source:
                canonical_url = canonical
            elif canonical and urlsplit(canonical).path not in ("", "/"):
                syndicated_from = canonical
        now = datetime.now(UTC)
        first_seen = min(e["first_seen_at"] for e in page.entries)
        feed_dates = [e["published_at"] for e in page.entries if e["published_at"]]
        published_at, published_source = choose_published_at(
            extracted.published, min(feed_dates) if feed_dates else None, first_seen, now
        )
        title = prepared.title
        return _NewArticle(
            page=page,
            story=Story(
                0,
                source,
                canonical_url,
                syndicated_from,
                title,
                extracted.text,
                prepared.text_print,
            ),
            row=(
                canonical_url,
                final_url,
                source,
                syndicated_from,
                body_hash(title, extracted.text),
                *content_values(title, extracted, published_at, published_source),
                first_seen,
                now,
                tags.groups,
                tags.groups_with_ancestors,
                Jsonb([m.as_dict() for m in tags.mentions]),
                self.tagger.version,
            ),
            tagged=bool(tags.groups),
        )

    def _store_ready(self, pages: list[Page]) -> ProcessReport:
        """Store extracted pages in one transaction. When PostgreSQL refuses the batch (a
        value it cannot hold), each page is stored alone, so only the bad one fails."""
        try:
            return self._store_batch(pages)
        except PAGE_REFUSALS as exc:
            report = ProcessReport()
            if len(pages) == 1:
                reason = f"rejected by PostgreSQL: {str(exc).splitlines()[0][:200]}"
                self._fail(pages[0], report, reason)
                return report
            for page in pages:
                report.merge(self._store_ready([page]))
            return report

    def _store_batch(self, pages: list[Page]) -> ProcessReport:
        """Articles, raw pages, clusters, outbox and entry rows: a few round trips in all."""
        report = ProcessReport()
        articles = [self._article(page) for page in pages]
        store_started = mark()
        # Pipeline mode: statements whose results we do not read travel with the next read.
        with self.transaction() as conn, conn.pipeline():
            with conn.cursor() as cursor:
                cursor.executemany(INSERT_ARTICLE_SQL, [a.row for a in articles], returning=True)
                ids = []
                for _ in articles:
                    row = cursor.fetchone()
                    ids.append(row["id"] if row else None)
                    cursor.nextset()
            # Another URL of a stored document (redirect, canonical link, or the outlet's
            # same body under a new address): no new article.
            known = [a for a, article_id in zip(articles, ids, strict=True) if article_id is None]
            if known:
                by_url, by_body = _stored_documents(conn, [a.row for a in known])
                pages_known = [
                    (a.page.entries, by_url.get(a.row[0]) or by_body.get((a.row[2], a.row[4])))
                    for a in known
                ]
                _finish_pages(conn, pages_known, "done", "same document as a stored article")
                _relisted(conn, pages_known)
                report.already_known += len(known)
            stored = [
                (replace(a.story, article_id=article_id), a)
                for a, article_id in zip(articles, ids, strict=True)
                if article_id is not None
            ]
            conn.cursor().executemany(
                "INSERT INTO raw_pages"
                " (article_id, url, status_code, content_type, encoding, html_packed, codec)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        story.article_id,
                        a.page.fetched.final_url,
                        a.page.fetched.status_code,
                        a.page.fetched.content_type,
                        a.page.prepared.encoding,
                        a.page.prepared.html_packed,
                        raw_pages.CODEC,
                    )
                    for story, a in stored
                ],
            )
            dedupe_started = mark()
            changed = dedupe_stories(
                conn, [story for story, _ in stored], self.settings.dedup, self._templates
            )
            dedupe_wall, dedupe_cpu = since(dedupe_started)
            enqueue(conn, changed)
            _finish_pages(
                conn, [(a.page.entries, story.article_id) for story, a in stored], "done", None
            )
        # The rest of the transaction: articles, raw pages, outbox and entry rows, commit.
        store_wall, store_cpu = since(store_started)
        self.clock.add_shared("dedupe", dedupe_wall, dedupe_cpu, len(stored))
        self.clock.add_shared(
            "store", store_wall - dedupe_wall, store_cpu - dedupe_cpu, len(stored)
        )
        report.articles_stored += len(stored)
        report.tagged += sum(a.tagged for _, a in stored)
        return report

    # -- the batch --------------------------------------------------------------------------
    def process(
        self, entries: list[dict], refill: Callable[[], list[dict]] | None = None
    ) -> ProcessReport:
        """Fetch, extract and store the entries' pages, the three stages overlapping: pages
        are stored as soon as their extraction finishes, while others are still fetched.

        With `refill`, more entries are claimed from it whenever few pages are left in
        flight, so the extraction workers never wait for a batch to drain.
        """
        report = ProcessReport()
        self._sites = self._site_urls()
        extracting: dict[Future, list[Page]] = {}
        waiting: list[Page] = []  # fetched, to go to a worker in the next batch
        extracted: list[Page] = []
        fetching: dict[Future, Page] = {}
        storing: Future | None = None
        # Futures report here when done: waiting costs the same with 5 or 500 in flight.
        finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        # Storing runs on its own thread, so that this loop keeps the workers fed meanwhile.
        threads = ThreadPoolExecutor(max_workers=FETCH_THREADS)
        with ThreadPoolExecutor(max_workers=1) as store_thread:

            def admit(batch: list[dict]) -> None:
                report.claimed += len(batch)
                for page in self._triage(_pages(batch), report):
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

            admit(entries)
            stopped = False
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
                for future in _finished_now(finished, None if stopped else self.stop):
                    if future is None:  # woken by the stop event
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
                # Store in batches while the workers extract; at once when they are idle.
                if storing is None and (
                    len(extracted) >= STORE_BATCH or (extracted and not extracting)
                ):
                    storing = store_thread.submit(self._store_ready, extracted)
                    storing.add_done_callback(finished.put)
                    extracted = []
        # Stopped: fetches still running are abandoned (their entries already released).
        threads.shutdown(wait=not stopped, cancel_futures=stopped)
        return report

    def _release(self, pages: list[Page], report: ProcessReport) -> None:
        """Hand claimed entries back unprocessed: no lease, and the claim's attempt undone."""
        entries = [entry for page in pages for entry in page.entries]
        if not entries:
            return
        with self.transaction() as conn:
            conn.execute(
                "UPDATE entries SET leased_until = NULL, leased_by = NULL,"
                " attempts = greatest(attempts - 1, 0) WHERE id = ANY(%s) AND status = 'pending'",
                ([entry["id"] for entry in entries],),
            )
        report.released += len(entries)

    @property
    def _refill_below(self) -> int:
        """Pages in flight under which the next entries are claimed: enough to keep every
        worker busy while they are triaged and fetched."""
        return FETCH_THREADS + 16 * self.settings.workers

    def _fetched(self, page: Page, report: ProcessReport) -> Page | None:
        """The page, if fetched; or None, its failure recorded."""
        fetched = page.fetched
        if fetched is None or not fetched.ok or fetched.skipped_body:
            self._record_fetch_failure(page, report)
            return None
        report.pages_fetched += 1
        page.final_url = _safe_normalise(fetched.final_url) or page.page_url
        page.source = outlet_of(page.final_url, self._sites)
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
                    self._templates.get(page.source, frozenset()),
                )
            )
        # The batch gets one page's time limit: past it, each page is tried again alone
        # (see _extraction_results), so a page fails only when it alone exceeds the limit.
        return self.pool.schedule(
            prepare_pages, args=(batch,), timeout=self.settings.extract_timeout_s
        )

    def _site_urls(self) -> list[str]:
        with self.transaction() as conn:
            rows = conn.execute("SELECT DISTINCT site_url FROM feeds WHERE site_url IS NOT NULL")
            return [row["site_url"] for row in rows]

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
            self._fail(pages[0], report, reason)
            return [], []
        ready = []
        for page, prepared in zip(pages, results, strict=True):
            if isinstance(prepared, str):
                self._fail(page, report, f"extraction failed: {prepared}")
                continue
            page.prepared = prepared
            for stage, (wall_ms, cpu_ms) in prepared.timings.items():
                self.clock.add(stage, wall_ms, cpu_ms)
            extracted = prepared.extracted
            if extracted.status != "stored":
                status = "skipped" if extracted.status == "wall" else "failed"
                self._fail(page, report, extracted.status_reason or extracted.status, status)
                continue
            ready.append(page)
        return ready, []

    def _fail(self, page: Page, report: ProcessReport, reason: str, status: str = "failed") -> None:
        with self.transaction() as conn:
            _finish(conn, page.entries, status, reason)
        if status == "skipped":
            report.pages_skipped += 1
        else:
            report.pages_failed += 1
        report.outcomes.append(f"{page.page_url}: {reason}")


def _pages(entries: list[dict]) -> list[Page]:
    """One page per distinct URL, with every entry that listed it."""
    by_url: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        by_url[entry["page_url"]].append(entry)
    return [Page(url, group) for url, group in by_url.items()]


def _finished_now(
    finished: queue.SimpleQueue[Future], stop: threading.Event | None
) -> list[Future | None]:
    """The next finished future (waiting for one), and any others already finished; or
    [None] when `stop` is set while waiting (looked at every 0.2 s)."""
    while True:
        try:
            done: list[Future | None] = [finished.get(timeout=None if stop is None else 0.2)]
            break
        except queue.Empty:
            if stop is not None and stop.is_set():
                return [None]
    while not finished.empty():
        done.append(finished.get_nowait())
    return done


def body_hash(title: str | None, text: str) -> str | None:
    """The hash of the normalised headline and body: an outlet's pages with the same one
    are one document (the headline keeps apart an outlet's pages that share a stock body)."""
    words = _WORD.findall(text.lower())
    if len(words) < MIN_BODY_HASH_WORDS:
        return None
    return normalised_text_hash([*_WORD.findall((title or "").lower()), "|", *words])


def _stored_documents(
    conn: psycopg.Connection, rows: list[tuple]
) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    """Stored articles by canonical URL and by (outlet, body hash), for rows not inserted."""
    by_url = {
        row["canonical_url"]: row["id"]
        for row in conn.execute(
            "SELECT canonical_url, id FROM articles WHERE canonical_url = ANY(%s)",
            ([row[0] for row in rows],),
        )
    }
    by_body = {
        (row["source"], row["body_hash"]): row["id"]
        for row in conn.execute(
            "SELECT a.source, a.body_hash, a.id FROM articles a"
            " JOIN unnest(%s::text[], %s::text[]) AS q(source, body_hash)"
            " ON a.source = q.source AND a.body_hash = q.body_hash",
            ([row[2] for row in rows], [row[4] for row in rows]),
        )
    }
    return by_url, by_body


def _relisted(conn: psycopg.Connection, pages: list[tuple[list[dict], int | None]]) -> None:
    """Re-index stored articles that a feed not yet linked to them now lists (the search
    document's `feed_ids` would be stale)."""
    pairs = {
        (entry["feed_id"], article_id)
        for entries, article_id in pages
        if article_id
        for entry in entries
    }
    if not pairs:
        return
    linked = {
        (row["feed_id"], row["article_id"])
        for row in conn.execute(
            "SELECT DISTINCT feed_id, article_id FROM entries WHERE article_id = ANY(%s)"
            " AND NOT (id = ANY(%s))",
            (
                sorted({article_id for _, article_id in pairs}),
                [entry["id"] for entries, _ in pages for entry in entries],
            ),
        )
    }
    enqueue(conn, sorted({article_id for _, article_id in pairs - linked}))


def _safe_normalise(url: str) -> str | None:
    try:
        return normalise_url(url)
    except InvalidURL:
        return None
