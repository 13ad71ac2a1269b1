"""Dying workers and a dying Elasticsearch (cases 19-20): nothing lost, nothing doubled."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time

import psycopg

from mediamon.feeds.poll import add_feeds, due_feeds, poll_feeds
from mediamon.feeds.sources import read_feed_list
from mediamon.pipeline.cycle import (
    index_pending,
    make_fetcher,
    open_processor,
    process_pending,
    run_cycle,
)
from mediamon.search.elastic import client
from mediamon.search.index_setup import ensure_index
from mediamon.search.indexer import drain_outbox
from mediamon.stack import elasticsearch as local_es
from mediamon.store.db import connect
from mediamon.store.outbox import enqueue
from support import document_count, feeds_file, with_site

PROCESS_PENDING = """
import dataclasses, json, sys
from mediamon import settings
from mediamon.pipeline.cycle import open_processor, process_pending
config = json.loads(sys.argv[1])
s = dataclasses.replace(settings.load(), workers=1, allowed_addresses=frozenset(config["allowed"]))
with open_processor(s) as processor:
    process_pending(processor)
"""


def _count(database_url: str, sql: str) -> int:
    with connect(database_url) as conn:
        return conn.execute(sql).fetchone()["n"]


def test_a_task_killed_mid_batch_then_retried_twice_loses_and_doubles_nothing(
    clean_stack, newsroom, tmp_path
):
    settings = with_site(clean_stack, newsroom)
    add_feeds(settings.database_url, read_feed_list(feeds_file(tmp_path, newsroom)))
    with make_fetcher(settings) as fetcher:
        poll_feeds(settings.database_url, fetcher, due_feeds(settings.database_url))
    env = {
        **os.environ,
        "MEDIAMON_DATABASE_URL": settings.database_url,
        "MEDIAMON_ELASTICSEARCH_URL": settings.elasticsearch_url,
        "MEDIAMON_INDEX": settings.index,
        "MEDIAMON_WATCHLIST": str(settings.watchlist_path),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            PROCESS_PENDING,
            json.dumps({"allowed": sorted(settings.allowed_addresses)}),
        ],
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while _count(settings.database_url, "SELECT count(*) AS n FROM articles") < 20:
        assert time.monotonic() < deadline and worker.poll() is None, (
            "the worker finished before it could be killed"
        )
        time.sleep(0.02)
    os.killpg(worker.pid, signal.SIGKILL)  # the task and its extraction worker, mid-batch
    worker.wait(10)
    assert (
        _count(settings.database_url, "SELECT count(*) AS n FROM entries WHERE status = 'pending'")
        > 0
    )

    for _retry in range(2):
        with open_processor(settings) as processor:
            process_pending(processor)
    index_pending(settings)

    documents = document_count(newsroom)
    es = client(settings.elasticsearch_url)
    es.indices.refresh(index=settings.index)
    assert _count(settings.database_url, "SELECT count(*) AS n FROM articles") == documents
    assert es.count(index=settings.index)["count"] == documents
    assert (
        _count(settings.database_url, "SELECT count(*) AS n FROM entries WHERE status <> 'done'")
        == 0
    )


def test_elasticsearch_dying_mid_run_then_a_rejected_document_is_dead_lettered(
    clean_stack, newsroom, tmp_path
):
    """A node of our own for this case (it is stopped and started), beside the stack's."""
    home = tmp_path / "es"
    node = local_es.start(home)
    try:
        settings = dataclasses.replace(with_site(clean_stack, newsroom), elasticsearch_url=node.url)
        ensure_index(client(node.url), settings.index)

        # Stop the node as soon as the run has stored a few articles.
        def stop_when_busy() -> None:
            while _count(settings.database_url, "SELECT count(*) AS n FROM articles") < 10:
                time.sleep(0.02)
            local_es.stop(home)

        stopper = threading.Thread(target=stop_when_busy, daemon=True)
        stopper.start()
        report = run_cycle(settings, feeds_file(tmp_path, newsroom), poll_all=True)
        stopper.join(30)
        stored = _count(settings.database_url, "SELECT count(*) AS n FROM articles")
        assert report.index.unavailable and stored == document_count(newsroom)
        assert _count(settings.database_url, "SELECT count(*) AS n FROM index_outbox") == stored

        # One article Elasticsearch will refuse: a keyword far beyond Lucene's term limit.
        with psycopg.connect(settings.database_url) as conn:
            conn.execute(
                "UPDATE articles SET language = repeat('x', 40000) WHERE id = (SELECT min(id) FROM articles)"
            )
        with connect(settings.database_url) as conn, conn.transaction():
            bad_id = conn.execute("SELECT min(id) AS n FROM articles").fetchone()["n"]
            enqueue(conn, [bad_id])

        node = local_es.start(home)
        es = client(node.url)
        settings = dataclasses.replace(settings, elasticsearch_url=node.url)
        for _run in range(3):  # later runs retry the rejected document until it is dead-lettered
            drain_outbox(settings.database_url, es, settings.index)
        es.indices.refresh(index=settings.index)
        assert es.count(index=settings.index)["count"] == stored - 1
        with connect(settings.database_url) as conn:
            outbox = conn.execute("SELECT * FROM index_outbox").fetchall()
        assert [(row["article_id"], row["dead_letter"]) for row in outbox] == [(bad_id, True)]
        assert "failed to parse field [language]" in outbox[0]["last_error"]
    finally:
        local_es.stop(home)
