"""An index that refuses writes (write block, closed) is an outage, not a batch of bad documents.

Against the real Elasticsearch node of the local stack: the documents wait in the outbox
with no attempt counted, the reason is reported in one line, and they are indexed once
when the block lifts.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from mediamon.search.elastic import client
from mediamon.search.index_setup import ensure_index
from mediamon.search.indexer import MAX_ATTEMPTS, drain_outbox
from mediamon.settings import PROJECT_ROOT
from mediamon.store.db import connect
from mediamon.store.outbox import enqueue

ARTICLES = 7


def _store_articles(database_url: str, count: int) -> list[int]:
    """`count` plain articles, queued for indexing as the pipeline queues them."""
    with connect(database_url) as conn, conn.transaction():
        ids = [
            conn.execute(
                "INSERT INTO articles (canonical_url, url, source, title, text)"
                " VALUES (%s, %s, 'example.org', %s, %s) RETURNING id",
                (
                    f"https://example.org/story-{n}",
                    f"https://example.org/story-{n}",
                    f"Story {n}",
                    f"The body of story {n}.",
                ),
            ).fetchone()["id"]
            for n in range(count)
        ]
        enqueue(conn, ids)
    return ids


def _outbox(database_url: str) -> list[dict]:
    with connect(database_url) as conn:
        return conn.execute("SELECT * FROM index_outbox ORDER BY article_id").fetchall()


@pytest.fixture
def queued(clean_stack):
    """The test index (alias and write index) and ARTICLES articles waiting in the outbox."""
    es = client(clean_stack.elasticsearch_url)
    index = ensure_index(es, clean_stack.index)
    _store_articles(clean_stack.database_url, ARTICLES)
    return clean_stack, es, index


def _drain_more_times_than_dead_lettering_allows(settings, es) -> list:
    return [
        drain_outbox(settings.database_url, es, settings.index) for _run in range(MAX_ATTEMPTS + 1)
    ]


def test_a_write_blocked_index_keeps_every_document_waiting_without_counting_attempts(queued):
    settings, es, index = queued
    es.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        reports = _drain_more_times_than_dead_lettering_allows(settings, es)
    finally:
        es.indices.put_settings(index=index, settings={"index.blocks.write": None})
    assert all(report.indexed == 0 and report.dead_lettered == 0 for report in reports)
    outbox = _outbox(settings.database_url)
    assert len(outbox) == ARTICLES
    assert {(row["attempts"], row["dead_letter"]) for row in outbox} == {(0, False)}


def test_a_write_blocked_index_is_reported_in_one_line_with_the_way_to_lift_it(queued):
    settings, es, index = queued
    es.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        report = drain_outbox(settings.database_url, es, settings.index)
    finally:
        es.indices.put_settings(index=index, settings={"index.blocks.write": None})
    assert report.unavailable is not None and "\n" not in report.unavailable
    assert f"Elasticsearch at {settings.elasticsearch_url}" in report.unavailable
    assert f"index '{index}' is write-blocked" in report.unavailable
    assert "cluster_block_exception" in report.unavailable
    assert '"index.blocks.write": null' in report.unavailable
    assert report.failed == ARTICLES


def test_reindex_against_a_write_blocked_index_exits_2_with_one_line_saying_how_to_lift_it(
    queued,
):
    settings, es, index = queued
    es.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        result = subprocess.run(
            [str(PROJECT_ROOT / ".venv" / "bin" / "mediamon"), "reindex"],
            capture_output=True,
            text=True,
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "MEDIAMON_DATABASE_URL": settings.database_url,
                "MEDIAMON_ELASTICSEARCH_URL": settings.elasticsearch_url,
                "MEDIAMON_INDEX": settings.index,
                "COLUMNS": "1000",
            },
            timeout=120,
        )
    finally:
        es.indices.put_settings(index=index, settings={"index.blocks.write": None})
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(
        f"error: Elasticsearch at {settings.elasticsearch_url} refused the bulk request:"
        f" index '{index}' is write-blocked (cluster_block_exception); lift it with"
    )


def test_documents_held_by_a_write_block_are_indexed_once_when_it_lifts(queued):
    settings, es, index = queued
    es.indices.put_settings(index=index, settings={"index.blocks.write": True})
    _drain_more_times_than_dead_lettering_allows(settings, es)
    es.indices.put_settings(index=index, settings={"index.blocks.write": None})
    report = drain_outbox(settings.database_url, es, settings.index)
    es.indices.refresh(index=index)
    assert (report.indexed, report.failed, report.unavailable) == (ARTICLES, 0, None)
    assert es.count(index=settings.index)["count"] == ARTICLES
    assert _outbox(settings.database_url) == []


def test_a_closed_index_keeps_every_document_waiting_without_counting_attempts(queued):
    settings, es, index = queued
    es.indices.close(index=index)
    try:
        reports = _drain_more_times_than_dead_lettering_allows(settings, es)
    finally:
        es.indices.open(index=index, wait_for_active_shards="1")
    assert all(report.indexed == 0 and report.dead_lettered == 0 for report in reports)
    outbox = _outbox(settings.database_url)
    assert len(outbox) == ARTICLES
    assert {(row["attempts"], row["dead_letter"]) for row in outbox} == {(0, False)}


def test_a_closed_index_is_reported_in_one_line_with_the_way_to_open_it(queued):
    settings, es, index = queued
    es.indices.close(index=index)
    try:
        report = drain_outbox(settings.database_url, es, settings.index)
    finally:
        es.indices.open(index=index, wait_for_active_shards="1")
    assert report.unavailable is not None and "\n" not in report.unavailable
    assert report.unavailable.startswith(
        f"Elasticsearch at {settings.elasticsearch_url} refused the bulk request:"
        f" index '{index}' is closed (index_closed_exception); open it"
    )
    assert f"{settings.elasticsearch_url}/{index}/_open" in report.unavailable


def test_documents_held_by_a_closed_index_are_indexed_once_when_it_opens(queued):
    settings, es, index = queued
    es.indices.close(index=index)
    _drain_more_times_than_dead_lettering_allows(settings, es)
    es.indices.open(index=index, wait_for_active_shards="1")
    report = drain_outbox(settings.database_url, es, settings.index)
    es.indices.refresh(index=index)
    assert (report.indexed, report.failed, report.unavailable) == (ARTICLES, 0, None)
    assert es.count(index=settings.index)["count"] == ARTICLES
    assert _outbox(settings.database_url) == []


def test_an_invalid_document_is_still_dead_lettered_beside_valid_ones(queued):
    """The outage rule leaves the per-document rule alone."""
    settings, es, index = queued
    with connect(settings.database_url) as conn, conn.transaction():
        bad_id = conn.execute("SELECT min(id) AS id FROM articles").fetchone()["id"]
        # A keyword far beyond Lucene's term limit: Elasticsearch refuses this document alone.
        conn.execute("UPDATE articles SET language = repeat('x', 40000) WHERE id = %s", (bad_id,))
    reports = _drain_more_times_than_dead_lettering_allows(settings, es)
    assert sum(report.indexed for report in reports) == ARTICLES - 1
    assert sum(report.dead_lettered for report in reports) == 1
    assert [(row["article_id"], row["dead_letter"]) for row in _outbox(settings.database_url)] == [
        (bad_id, True)
    ]
