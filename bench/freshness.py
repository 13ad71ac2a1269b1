"""Freshness under Airflow: from an entry's appearance in its feed to its document being
searchable in Elasticsearch, and the articles per second Airflow sustains beside
`mediamon ingest` on the same pages.

    python -m bench.freshness [--engines local,celery] [--feeds 100] [--every 100]
                              [--minutes 4] [--backlog 50] [--index NAME] [--json]

Needs the local stack (`mediamon stack up`) and the Airflow extra. Feeds on loopback (one
server, so one host, per outlet) publish their entries at a steady rate: each of --feeds
feeds a new entry every --every seconds for --minutes minutes. Their pages are made of the
demo newsroom's articles (mediamon.demo.newsroom.build): each page a headline of its own
over paragraphs drawn from several articles, so that every page is a document of its own. The feeds
start as busy feeds settle (polled at the floor, MEDIAMON_POLL_FLOOR_SECONDS).

For each engine, Airflow runs the DAGs on its own database (<database>_freshness) and
index: `airflow standalone` (LocalExecutor), or CeleryExecutor with a Redis broker and two
Celery workers (tests/airflow/airflow_env.py: LocalAirflow). Measured:
- steady: per entry, appearance to searchable (p50, p95, max), split into waiting for the
  poll, polled to stored, stored to indexed and indexed to searchable; and the articles
  per second delivered while the feeds publish;
- backlog: --backlog new entries per feed appear at once and a manual poll run
  (`poll_all`) is triggered: articles per second from the trigger to the last one
  searchable (end to end: the poll run and the task chain's fixed start latency included),
  and sustained: from the first of them stored (its fetch) to the last one searchable;
  beside one `mediamon ingest --all` of the same pages on a fresh database, measured the
  same two ways (the CLI's sustained span starts after its poll and set-up likewise);
- where Airflow's time went: task start-up (a task's duration less its own work), the
  watchlist and extraction pool per task, queue waits and the gaps between a run's tasks.
Every phase is bounded in time; the servers, Airflow and its broker are stopped at the end.
Prints a report, or with --json one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import html
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import lxml.html
import psutil

from bench import archive
from mediamon import settings as settings_module
from mediamon.demo.newsroom import build
from mediamon.feeds.poll import add_feeds
from mediamon.feeds.sources import FeedSpec
from mediamon.search.elastic import client
from mediamon.search.index_setup import ensure_index
from mediamon.store.db import connect
from mediamon.tagging.versions import tagger_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "airflow"))
from airflow_env import LocalAirflow, wait_for  # noqa: E402 - the tests' Airflow launcher

FEED_WINDOW = 60  # entries a feed lists, newest first
# Searchability is looked at this often (the index refreshes every 5 s).
WATCH_EVERY_S = 1.0
DRAIN_S = 300  # how long the last entries may take once the feeds stop
IDLE_S = 60  # Airflow's own cost is measured over this long with nothing to do
PROCESS_DAG = "mediamon_process_articles"
POLL_DAG = "mediamon_poll_feeds"


# -- pages ----------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Article:
    headline: str
    paragraphs: tuple[str, ...]


def newsroom_articles(build_dir: Path) -> list[Article]:
    """The demo newsroom's pages, read back as headline and paragraphs."""
    build(build_dir)
    articles = []
    for path in sorted(build_dir.rglob("*.html")):
        tree = lxml.html.fromstring(path.read_bytes())
        headline = " ".join(tree.xpath("string(//h1)").split())
        paragraphs = [
            text
            for text in (" ".join(p.text_content().split()) for p in tree.iter("p"))
            if len(text.split()) >= 12
        ]
        if headline and len(paragraphs) >= 3:
            articles.append(Article(headline, tuple(paragraphs)))
    if not articles:
        raise SystemExit("error: the demo newsroom build has no pages to publish")
    return articles


def _page(title: str, paragraphs: list[str], published: datetime, outlet: str) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} | {outlet}</title>"
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f"</head><body><header><nav>{outlet} | World | Politics | Business</nav></header>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        "<aside><h3>Most read</h3><ul><li>Markets</li><li>Weather</li></ul></aside>"
        f"<footer>(c) {outlet}</footer></body></html>"
    ).encode()


@dataclasses.dataclass
class Entry:
    path: str
    title: str
    summary: str
    appears_at: float  # time.time()
    body: bytes


class Outlet:
    """One outlet's feed and pages, served on its own loopback port."""

    def __init__(self, number: int, articles: list[Article]) -> None:
        self.number = number
        self.name = f"Outlet {number}"
        self._articles = articles
        self._entries: list[Entry] = []
        self._lock = threading.Lock()
        outlet = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:
                outlet.answer(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def feed_url(self) -> str:
        return f"http://{self.address}/feed.xml"

    def url(self, entry: Entry) -> str:
        return f"http://{self.address}{entry.path}"

    def add(self, appears_at: float) -> Entry:
        """A new entry, listed from `appears_at` on. Its page: a headline of its own, an
        article's first paragraph and five paragraphs drawn from the others (the same for
        the same outlet and entry number, so that every run serves the same pages)."""
        with self._lock:
            k = len(self._entries)
            pool = self._articles
            draw = random.Random(f"{self.number}-{k}")
            lead = pool[draw.randrange(len(pool))]
            others = [draw.choice(draw.choice(pool).paragraphs) for _ in range(5)]
            title = f"{lead.headline}: {self.name} report {k + 1}"
            paragraphs = [
                lead.paragraphs[0],
                f"{self.name} filed this report, number {k + 1} of its live coverage.",
                *others,
            ]
            published = datetime.fromtimestamp(appears_at, UTC)
            slug = re.sub(r"[^a-z0-9]+", "-", lead.headline.lower()).strip("-")[:60]
            entry = Entry(
                path=f"/news/{k + 1}-{slug}.html",
                title=title,
                summary=paragraphs[0][:200],
                appears_at=appears_at,
                body=_page(title, paragraphs, published, self.name),
            )
            self._entries.append(entry)
            return entry

    def _listed(self, now: float) -> list[Entry]:
        with self._lock:
            shown = [e for e in self._entries if e.appears_at <= now]
        return shown[-FEED_WINDOW:][::-1]

    def _feed(self, entries: list[Entry]) -> bytes:
        items = "".join(
            f"<item><title>{html.escape(e.title)}</title><link>{self.url(e)}</link>"
            f'<guid isPermaLink="true">{self.url(e)}</guid>'
            f"<pubDate>{format_datetime(datetime.fromtimestamp(e.appears_at, UTC), usegmt=True)}"
            f"</pubDate><description>{html.escape(e.summary)}</description></item>"
            for e in entries
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{self.name}</title><link>http://{self.address}/</link>"
            f"<description>Latest from {self.name}</description>{items}</channel></rss>\n"
        ).encode()

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        now = time.time()
        path = request.path.split("?", 1)[0]
        if path == "/feed.xml":
            listed = self._listed(now)
            etag = '"' + hashlib.sha1("|".join(e.path for e in listed).encode()).hexdigest() + '"'
            if request.headers.get("If-None-Match") == etag:
                request.send_response(304)
                request.send_header("ETag", etag)
                request.end_headers()
                return
            self._send(request, self._feed(listed), "application/rss+xml; charset=utf-8", etag)
            return
        with self._lock:
            entry = next((e for e in self._entries if e.path == path), None)
        if entry is None or entry.appears_at > now:
            request.send_error(404)
            return
        self._send(request, entry.body, "text/html; charset=utf-8")

    @staticmethod
    def _send(request, body: bytes, content_type: str, etag: str | None = None) -> None:
        request.send_response(200)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        if etag:
            request.send_header("ETag", etag)
        request.end_headers()
        request.wfile.write(body)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def outlets(count: int, articles: list[Article]) -> Iterator[list[Outlet]]:
    opened = [Outlet(n, articles) for n in range(count)]
    try:
        yield opened
    finally:
        for outlet in opened:
            outlet.close()


# -- the stores -----------------------------------------------------------------------------
def fresh_stores(base: settings_module.Settings, index: str) -> settings_module.Settings:
    """Settings on an empty database of the benchmark's own and an empty index."""
    database_url = archive.create_database(base.require_database(), "_freshness")
    es = client(base.require_elasticsearch())
    for name in es.indices.get(index=f"{index}*", expand_wildcards="all"):
        es.indices.delete(index=name)
    es.options(ignore_status=404).indices.delete_index_template(name=index)
    ensure_index(es, index)
    return dataclasses.replace(base, database_url=database_url, index=index)


def register(settings: settings_module.Settings, feeds: list[Outlet]) -> None:
    """The feeds, as busy feeds are once the schedule has seen them: polled at the floor
    (first due when they start publishing: see `due_from`)."""
    add_feeds(settings.require_database(), [FeedSpec(o.feed_url, o.name) for o in feeds])
    with connect(settings.require_database()) as conn, conn.transaction():
        conn.execute(
            "UPDATE feeds SET poll_interval_s = %s, next_poll_at = now() + interval '1 day'",
            (settings.poll_floor_s,),
        )


def due_from(settings: settings_module.Settings, when: float) -> None:
    with connect(settings.require_database()) as conn, conn.transaction():
        conn.execute("UPDATE feeds SET next_poll_at = to_timestamp(%s)", (when,))


class SearchWatch:
    """When each page URL first became searchable (looked at every WATCH_EVERY_S)."""

    def __init__(self, settings: settings_module.Settings) -> None:
        self._es = client(settings.require_elasticsearch())
        self._index = settings.index
        self.found: dict[str, tuple[float, str]] = {}  # url -> (searchable at, indexed_at)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SearchWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        # Only documents indexed lately are read each time: a document is searchable at
        # most one refresh (5 s) after its indexed_at, so a minute back misses none.
        since = "1970-01-01T00:00:00+00:00"
        while not self._stop.wait(WATCH_EVERY_S):
            try:
                hits = self._es.search(
                    index=self._index,
                    size=10_000,
                    source={"includes": ["url", "indexed_at"]},
                    query={"range": {"indexed_at": {"gte": since}}},
                )["hits"]["hits"]
            except Exception:  # an index being created or refreshed: look again
                continue
            now = time.time()
            for hit in hits:
                url = hit["_source"]["url"]
                self.found.setdefault(url, (now, hit["_source"]["indexed_at"]))
            if hits:
                newest = max(datetime.fromisoformat(h["_source"]["indexed_at"]) for h in hits)
                since = max(since, (newest - timedelta(minutes=1)).isoformat())

    def all_found(self, urls: list[str]) -> bool:
        return all(url in self.found for url in urls)


def machine_cpu_s() -> float:
    """CPU seconds every process on this machine has used (Linux's /proc/stat): the
    stack's PostgreSQL and Elasticsearch work shows only here."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields)
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


class AirflowCpu:
    """CPU seconds used by Airflow's processes and their children (tasks included) while
    in the `with` block, each process sampled every second (what a process uses in its
    last second is missed)."""

    def __init__(self, airflow: LocalAirflow) -> None:
        self._airflow = airflow
        self._first: dict[tuple[int, float], float] = {}
        self._last: dict[tuple[int, float], float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.seconds = 0.0

    def _sample(self, born_before: float | None) -> None:
        for pid in self._airflow.process_ids():
            try:
                leader = psutil.Process(pid)
                family = [leader, *leader.children(recursive=True)]
            except psutil.Error:
                continue
            for process in family:
                try:
                    times = process.cpu_times()
                    key = (process.pid, process.create_time())
                except psutil.Error:
                    continue
                used = times.user + times.system
                if key not in self._first:
                    # Processes born inside the window count from zero.
                    old = born_before is not None and key[1] < born_before
                    self._first[key] = used if old else 0.0
                self._last[key] = used

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self._sample(None)

    def __enter__(self) -> AirflowCpu:
        self._started = time.time()
        self._sample(self._started)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self._sample(None)
        self.seconds = round(sum(self._last[k] - self._first[k] for k in self._last), 1)


def _stage_times(settings: settings_module.Settings) -> dict[str, tuple[float, float]]:
    """Page URL -> (first polled, stored) as epoch seconds, from PostgreSQL."""
    with connect(settings.require_database()) as conn:
        rows = conn.execute(
            "SELECT a.url, min(e.first_seen_at) AS polled, a.fetched_at AS stored"
            " FROM articles a JOIN entries e ON e.article_id = a.id GROUP BY a.id"
        ).fetchall()
    return {r["url"]: (r["polled"].timestamp(), r["stored"].timestamp()) for r in rows}


# -- figures ----------------------------------------------------------------------------------
def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "max": None, "n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {
        "p50": round(statistics.median(ordered), 1),
        "p95": round(p95, 1),
        "max": round(ordered[-1], 1),
        "n": len(ordered),
    }


def latency_figures(
    entries: list[tuple[Outlet, Entry]], watch: SearchWatch, settings: settings_module.Settings
) -> dict[str, Any]:
    stages = _stage_times(settings)
    total, poll_wait, processing, indexing, refresh = [], [], [], [], []
    missing = 0
    for outlet, entry in entries:
        url = outlet.url(entry)
        if url not in watch.found:
            missing += 1
            continue
        searchable, indexed_at = watch.found[url]
        total.append(searchable - entry.appears_at)
        if url in stages:
            polled, stored = stages[url]
            indexed = datetime.fromisoformat(indexed_at).timestamp()
            poll_wait.append(polled - entry.appears_at)
            processing.append(stored - polled)
            indexing.append(indexed - stored)
            refresh.append(searchable - indexed)
    return {
        "appearance_to_searchable_s": percentiles(total),
        "never_searchable": missing,
        "stages_s": {
            "waiting_for_poll": percentiles(poll_wait),
            "polled_to_stored": percentiles(processing),
            "stored_to_indexed": percentiles(indexing),
            "indexed_to_searchable": percentiles(refresh),
        },
    }


def _seconds(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def _optional_seconds(value: str | None) -> float | None:
    return _seconds(value) if value else None


def airflow_figures(airflow: LocalAirflow) -> dict[str, Any]:
    """Where Airflow's time went in the process runs (from its REST API)."""
    startup, setup, work, queue_wait, gaps, run_lag = [], [], [], [], [], []
    batches = 0
    for run in airflow.runs(PROCESS_DAG):
        if run["state"] != "success":
            continue
        tis = airflow.task_instances(PROCESS_DAG, run["dag_run_id"])
        by_task: dict[str, list[dict]] = {}
        for ti in tis:
            by_task.setdefault(ti["task_id"], []).append(ti)
            if ti["state"] == "success" and ti["queued_when"] and ti["start_date"]:
                queue_wait.append(_seconds(ti["start_date"]) - _seconds(ti["queued_when"]))
        plan = by_task.get("plan_batches", [{}])[0]
        index = by_task.get("index_articles", [{}])[0]
        started = _optional_seconds(run.get("start_date"))
        if started and plan.get("start_date"):
            run_lag.append(_seconds(plan["start_date"]) - started)
        done = [ti for ti in by_task.get("process_batch", []) if ti["state"] == "success"]
        if done and plan.get("end_date") and index.get("start_date"):
            first = min(_seconds(ti["start_date"]) for ti in done)
            last = max(_seconds(ti["end_date"]) for ti in done)
            gaps.append(first - _seconds(plan["end_date"]))
            gaps.append(_seconds(index["start_date"]) - last)
        for ti in done:
            if ti["duration"] is None:
                continue
            result = airflow.api(
                f"dags/{PROCESS_DAG}/dagRuns/{run['dag_run_id']}/taskInstances/process_batch"
                f"/xcomEntries/return_value?map_index={ti['map_index']}"
            )["value"]
            batches += 1
            setup.append(result["setup_s"])
            work.append(result["work_s"])
            startup.append(ti["duration"] - result["setup_s"] - result["work_s"])
    poll_durations = [
        run_duration
        for run in airflow.runs(POLL_DAG)
        if run["state"] == "success" and (run_duration := _run_duration(run)) is not None
    ]
    return {
        "process_batches": batches,
        "task_start_up_s": percentiles(startup),
        "watchlist_and_pool_per_task_s": percentiles(setup),
        "batch_work_s": percentiles(work),
        "queue_wait_s": percentiles(queue_wait),
        "gaps_between_tasks_s": percentiles(gaps),
        "run_start_to_first_task_s": percentiles(run_lag),
        "poll_run_s": percentiles(poll_durations),
    }


def batches_since(airflow: LocalAirflow, since: float) -> dict[str, float]:
    """The process batches of the runs that started after `since`: the entries they stored
    and the rate from the first batch's start to the last one's end (the processing
    stage alone, without the poll run and the tasks around the batches)."""
    stored, starts, ends = 0, [], []
    for run in airflow.runs(PROCESS_DAG):
        started = _optional_seconds(run.get("start_date"))
        if run["state"] != "success" or started is None or started < since:
            continue
        for ti in airflow.task_instances(PROCESS_DAG, run["dag_run_id"]):
            if ti["task_id"] != "process_batch" or ti["state"] != "success":
                continue
            result = airflow.api(
                f"dags/{PROCESS_DAG}/dagRuns/{run['dag_run_id']}/taskInstances/process_batch"
                f"/xcomEntries/return_value?map_index={ti['map_index']}"
            )["value"]
            stored += result["stored"]
            starts.append(_seconds(ti["start_date"]))
            ends.append(_seconds(ti["end_date"]))
    span = max(ends) - min(starts) if starts else 0.0
    return {
        "stored": stored,
        "span_s": round(span, 1),
        "articles_per_s": round(stored / span, 2) if span else 0.0,
    }


def _run_duration(run: dict) -> float | None:
    start, end = _optional_seconds(run.get("start_date")), _optional_seconds(run.get("end_date"))
    return end - start if start and end else None


# -- the engines ------------------------------------------------------------------------------
def _publish_steady(feeds: list[Outlet], start: float, every_s: float, minutes: float):
    """Each feed a new entry every `every_s`, staggered across feeds; (outlet, entry) pairs."""
    published = []
    for n, outlet in enumerate(feeds):
        offset = every_s * n / len(feeds)
        k = 0
        while (when := start + offset + k * every_s) < start + minutes * 60:
            published.append((outlet, outlet.add(when)))
            k += 1
    return sorted(published, key=lambda pair: pair[1].appears_at)


def _publish_backlog(feeds: list[Outlet], when: float, per_feed: int):
    return [(outlet, outlet.add(when)) for outlet in feeds for _ in range(per_feed)]


def _wait_searchable(watch: SearchWatch, entries, what: str, timeout_s: float) -> float:
    urls = [outlet.url(entry) for outlet, entry in entries]
    wait_for(lambda: watch.all_found(urls), what, timeout_s, every_s=0.5)
    return max(watch.found[url][0] for url in urls)


def sustained(entries, settings: settings_module.Settings, last: float) -> dict[str, float]:
    """Articles per second from the first of `entries` stored (its fetch, from PostgreSQL) to
    the last one searchable at `last`: the rate once processing runs, without the start
    latency before it (the poll, the tasks' start, the models' load)."""
    stages = _stage_times(settings)
    stored = [stages[url][1] for url in (outlet.url(entry) for outlet, entry in entries)]
    span = last - min(stored)
    return {"seconds": round(span, 1), "articles_per_s": round(len(entries) / span, 2)}


def run_airflow(
    kind: str, base: settings_module.Settings, articles: list[Article], args, scratch: Path
) -> dict[str, Any]:
    settings = fresh_stores(base, args.index)
    with ExitStack() as stack:
        feeds = stack.enter_context(outlets(args.feeds, articles))
        register(settings, feeds)
        airflow = LocalAirflow(
            scratch / f"airflow-{kind}",
            settings,
            {
                "MEDIAMON_ALLOWED_ADDRESSES": ",".join(o.address for o in feeds),
                "MEDIAMON_POLL_FLOOR_SECONDS": str(settings.poll_floor_s),
                "MEDIAMON_POLL_EVERY_MINUTES": str(settings.poll_every_minutes),
            },
            celery_workers=2 if kind == "celery" else 0,
            fetch_pool_slots=args.pool,
        )
        print(f"[{kind}] starting Airflow ...", file=sys.stderr)
        stack.enter_context(airflow)
        watch = stack.enter_context(SearchWatch(settings))
        for dag_id in (POLL_DAG, PROCESS_DAG):
            airflow.unpause(dag_id)

        figures: dict[str, Any] = {}
        start = time.time() + 5
        steady = _publish_steady(feeds, start, args.every, args.minutes)
        due_from(settings, start)
        if steady:
            print(f"[{kind}] {len(steady)} entries over {args.minutes} min", file=sys.stderr)
            _wait_searchable(watch, steady, "the steady entries", args.minutes * 60 + DRAIN_S)
            searchable = sorted(watch.found[o.url(e)][0] for o, e in steady)
            figures["steady"] = {
                "entries": len(steady),
                "published_per_s": round(len(steady) / (args.minutes * 60), 2),
                # While the feeds publish: documents made searchable per second.
                "searchable_per_s": round(
                    (len(steady) - 1) / max(1.0, searchable[-1] - searchable[0]), 2
                ),
                **latency_figures(steady, watch, settings),
            }

        # The backlog: every feed lists --backlog new entries at once; a manual poll_all run.
        with AirflowCpu(airflow) as backlog_cpu:
            machine_before = machine_cpu_s()
            appear = time.time()
            backlog = _publish_backlog(feeds, appear, args.backlog)
            airflow.trigger(POLL_DAG, {"poll_all": True})
            print(f"[{kind}] backlog of {len(backlog)} entries", file=sys.stderr)
            last = _wait_searchable(watch, backlog, "the backlog", DRAIN_S * 2)
            machine = machine_cpu_s() - machine_before
        figures["backlog"] = {
            "entries": len(backlog),
            "seconds": round(last - appear, 1),
            "articles_per_s": round(len(backlog) / (last - appear), 2),
            "sustained": sustained(backlog, settings, last),
            "airflow_cpu_s": backlog_cpu.seconds,
            "machine_cpu_s": round(machine, 1),
            "batches": batches_since(airflow, appear),
        }
        # What Airflow costs with nothing to do: its components and the minute's poll run.
        print(f"[{kind}] idle for {IDLE_S} s", file=sys.stderr)
        with AirflowCpu(airflow) as idle_cpu:
            time.sleep(IDLE_S)
        figures["idle_cpu_share"] = round(idle_cpu.seconds / IDLE_S / (os.cpu_count() or 1), 3)
        figures["airflow"] = airflow_figures(airflow)
        figures["pages"] = [outlet.url(entry) for outlet, entry in backlog]
    return figures


def run_cli(
    base: settings_module.Settings, articles: list[Article], args, scratch: Path
) -> dict[str, Any]:
    """The backlog's pages (the same contents and paths) through one `mediamon ingest`."""
    settings = fresh_stores(base, args.index)
    with outlets(args.feeds, articles) as feeds, SearchWatch(settings) as watch:
        register(settings, feeds)
        # The steady entries come first under Airflow: here they are made (so that the
        # backlog's pages are the same pages) but never listed.
        _publish_steady(feeds, time.time() + 10**9, args.every, args.minutes)
        backlog = _publish_backlog(feeds, time.time(), args.backlog)
        due_from(settings, time.time())
        env = {
            **os.environ,
            "MEDIAMON_DATABASE_URL": settings.require_database(),
            "MEDIAMON_ELASTICSEARCH_URL": settings.require_elasticsearch(),
            "MEDIAMON_INDEX": settings.index,
            "MEDIAMON_WATCHLIST": str(settings.watchlist_path),
            "MEDIAMON_ALLOWED_ADDRESSES": ",".join(o.address for o in feeds),
        }
        print(f"[cli] mediamon ingest of {len(backlog)} entries ...", file=sys.stderr)
        started = time.time()
        machine_before = machine_cpu_s()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = subprocess.run(
            [str(Path(sys.executable).with_name("mediamon")), "ingest", "--all"],
            env=env,
            capture_output=True,
            text=True,
            timeout=DRAIN_S * 2,
        )
        ingest_s = time.time() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu_s = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
        if result.returncode != 0:
            raise SystemExit(f"error: mediamon ingest failed: {result.stderr.strip()[-500:]}")
        last = _wait_searchable(watch, backlog, "the CLI's pages", DRAIN_S)
        machine = machine_cpu_s() - machine_before
        steady_rate = sustained(backlog, settings, last)
    return {
        "machine_cpu_s": round(machine, 1),
        "entries": len(backlog),
        "ingest_s": round(ingest_s, 1),
        "cpu_s": round(cpu_s, 1),
        "seconds": round(last - started, 1),
        "articles_per_s": round(len(backlog) / (last - started), 2),
        "sustained": steady_rate,
        "pages": [outlet.url(entry) for outlet, entry in backlog],
    }


def watchlist_load_s(settings: settings_module.Settings) -> float:
    """What loading the watchlist costs one task (from the compiled cache, as tasks do)."""
    database_url = archive.create_database(settings.require_database(), "_freshness")
    tagger_for(database_url, settings.watchlist_path, settings.cache_dir)  # compiled once
    started = time.perf_counter()
    tagger_for(database_url, settings.watchlist_path, settings.cache_dir)
    return round(time.perf_counter() - started, 3)


def _paths(urls: list[str]) -> list[str]:
    return sorted(url.split("/", 3)[3] for url in urls)


def bottleneck(engine: dict[str, Any]) -> str:
    """Where a steady entry's median latency goes, and the largest part Airflow adds.

    From the feed's poll (when its entry is recorded) to searchable, an entry crosses four
    tasks (the end of its poll batch, announce_new_work, then plan_batches, process_batch
    and index_articles in the Asset-triggered run): each pays a task start-up; the batch also loads the watchlist, the language model and the sentence
    encoder and starts its extraction workers."""
    stages = {name: row["p50"] or 0.0 for name, row in engine["steady"]["stages_s"].items()}
    airflow = {
        name: row["p50"] or 0.0
        for name, row in engine["airflow"].items()
        if name != "process_batches"
    }
    added = {
        "task start-up": 4 * airflow["task_start_up_s"],
        "models, watchlist and pool per task": airflow["watchlist_and_pool_per_task_s"],
        "scheduling gaps": 3 * airflow["gaps_between_tasks_s"]
        + airflow["run_start_to_first_task_s"]
        + 4 * airflow["queue_wait_s"],
        "the batch's own work": airflow["batch_work_s"],
        "the index refresh": stages["indexed_to_searchable"],
    }
    name = max(added, key=lambda key: added[key])
    parts = ", ".join(f"{key} ~{value:.1f} s" for key, value in added.items())
    return (
        f"waiting for the poll is {stages['waiting_for_poll']:.0f} s of the median (the feed's"
        f" interval: the floor and the minute's tick); of what Airflow adds after the poll,"
        f" {name} ({parts})"
    )


def run(args) -> dict[str, Any]:
    base = settings_module.load()
    base.require_database()
    base.require_elasticsearch()
    figures: dict[str, Any] = {
        "feeds": args.feeds,
        "every_s": args.every,
        "minutes": args.minutes,
        "backlog_per_feed": args.backlog,
        "poll_floor_s": base.poll_floor_s,
        "poll_every_minutes": base.poll_every_minutes,
        "cpus": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory(prefix="mediamon-freshness-") as scratch_dir:
        scratch = args.keep or Path(scratch_dir)
        articles = newsroom_articles(scratch / "newsroom")
        figures["source_articles"] = len(articles)
        figures["watchlist_load_s"] = watchlist_load_s(base)
        # The CLI before and after the engines: this machine's speed drifts (shared cores).
        cli = run_cli(base, articles, args, scratch)
        figures["cli"] = {k: v for k, v in cli.items() if k != "pages"}
        for kind in args.engines:
            engine = run_airflow(kind, base, articles, args, scratch)
            if _paths(engine.pop("pages")) != _paths(cli["pages"]):
                raise SystemExit("error: the CLI and Airflow did not ingest the same pages")
            if "steady" in engine:
                engine["next_bottleneck"] = bottleneck(engine)
            figures[kind] = engine
        again = run_cli(base, articles, args, scratch)
        figures["cli_again"] = {k: v for k, v in again.items() if k != "pages"}
    runs = ("cli", "cli_again")
    cli_rate = statistics.mean(figures[key]["articles_per_s"] for key in runs)
    cli_sustained = statistics.mean(figures[key]["sustained"]["articles_per_s"] for key in runs)
    figures["cli_articles_per_s"] = round(cli_rate, 2)
    figures["cli_sustained_per_s"] = round(cli_sustained, 2)
    for kind in args.engines:
        backlog = figures[kind]["backlog"]
        backlog["vs_cli"] = round(backlog["articles_per_s"] / cli_rate, 2)
        backlog["sustained"]["vs_cli"] = round(
            backlog["sustained"]["articles_per_s"] / cli_sustained, 2
        )
        batches = backlog["batches"]
        batches["vs_cli"] = round(batches["articles_per_s"] / cli_sustained, 2)
    return figures


def _row(label: str, row: dict[str, Any]) -> str:
    return (
        f"  {label:<28} p50 {row['p50']} s, p95 {row['p95']} s, max {row['max']} s (n={row['n']})"
    )


def report(figures: dict[str, Any]) -> str:
    lines = [
        f"{figures['feeds']} feeds, a new entry each every {figures['every_s']} s for"
        f" {figures['minutes']} min; backlog {figures['backlog_per_feed']} per feed;"
        f" poll floor {figures['poll_floor_s']} s, poll DAG every"
        f" {figures['poll_every_minutes']} min; {figures['cpus']} CPUs",
        *(
            f"mediamon ingest (CLI, {when}): {figures[key]['entries']} pages in"
            f" {figures[key]['seconds']} s to searchable: {figures[key]['articles_per_s']}"
            f" articles/s end to end; sustained (first stored to last searchable, "
            f"{figures[key]['sustained']['seconds']} s)"
            f" {figures[key]['sustained']['articles_per_s']} articles/s"
            f" ({figures[key]['cpu_s']} CPU-s; the machine {figures[key]['machine_cpu_s']} CPU-s)"
            for key, when in (("cli", "first"), ("cli_again", "last"))
        ),
        f"CLI on average: {figures['cli_articles_per_s']} articles/s end to end,"
        f" {figures['cli_sustained_per_s']} sustained",
        f"watchlist load (compiled cache): {figures['watchlist_load_s']} s",
    ]
    for kind in ("local", "celery"):
        if kind not in figures:
            continue
        engine = figures[kind]
        backlog, airflow = engine["backlog"], engine["airflow"]
        name = "LocalExecutor (airflow standalone)" if kind == "local" else "CeleryExecutor"
        lines += ["", f"{name}:"]
        if "steady" in engine:
            steady = engine["steady"]
            lines += [
                _row("appearance -> searchable", steady["appearance_to_searchable_s"]),
                *(_row(key.replace("_", " "), row) for key, row in steady["stages_s"].items()),
                f"  steady: {steady['entries']} entries, published {steady['published_per_s']}/s,"
                f" searchable {steady['searchable_per_s']}/s; never searchable:"
                f" {steady['never_searchable']}",
            ]
        lines += [
            f"  backlog: {backlog['entries']} pages in {backlog['seconds']} s from the trigger:"
            f" {backlog['articles_per_s']} articles/s end to end = {backlog['vs_cli']} x the"
            f" CLI's (Airflow's processes and tasks: {backlog['airflow_cpu_s']} CPU-s; the"
            f" machine {backlog['machine_cpu_s']} CPU-s)",
            f"  sustained (first stored to last searchable, {backlog['sustained']['seconds']} s):"
            f" {backlog['sustained']['articles_per_s']} articles/s ="
            f" {backlog['sustained']['vs_cli']} x the CLI's sustained",
            f"  its process batches alone: {backlog['batches']['stored']} articles in"
            f" {backlog['batches']['span_s']} s: {backlog['batches']['articles_per_s']}"
            f" articles/s = {backlog['batches']['vs_cli']} x the CLI's sustained",
            f"  idle Airflow (components + the minute's poll run): "
            f"{engine['idle_cpu_share']:.0%} of the CPUs",
            _row("task start-up", airflow["task_start_up_s"]),
            _row("models + watchlist + pool", airflow["watchlist_and_pool_per_task_s"]),
            _row("batch work", airflow["batch_work_s"]),
            _row("queue wait", airflow["queue_wait_s"]),
            _row("gaps between tasks", airflow["gaps_between_tasks_s"]),
            _row("run start -> first task", airflow["run_start_to_first_task_s"]),
            _row("poll run", airflow["poll_run_s"]),
        ]
        if "next_bottleneck" in engine:
            lines.append(f"  next bottleneck: {engine['next_bottleneck']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="local,celery", help="local, celery or both")
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--every", type=float, default=100, help="seconds between a feed's entries")
    parser.add_argument("--minutes", type=float, default=4, help="how long the feeds publish")
    parser.add_argument("--backlog", type=int, default=50, help="entries per feed at once")
    parser.add_argument("--pool", type=int, default=4, help="slots of the mediamon_fetch pool")
    parser.add_argument("--index", default="mediamon-freshness")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="keep Airflow's homes and logs in DIR"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if not set(args.engines) <= {"local", "celery"}:
        parser.exit(2, "error: --engines takes local, celery or both\n")
    if args.backlog < 1 or args.backlog + args.minutes * 60 / args.every > FEED_WINDOW:
        parser.exit(2, f"error: a feed lists {FEED_WINDOW} entries: lower --backlog\n")
    figures = run(args)
    if args.json:
        print(json.dumps(figures))
    else:
        print(report(figures))


if __name__ == "__main__":
    main()
