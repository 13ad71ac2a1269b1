"""What the DAG tasks do, called as the DAGs call them (no scheduler): which feeds a poll
run takes, how pending work is spread over mapped batches, and what each batch logs."""

from __future__ import annotations

import dataclasses
import logging
import math
import multiprocessing

import pytest

from mediamon.feeds.poll import add_feeds, due_feeds, poll_feeds
from mediamon.feeds.sources import read_feed_list
from mediamon.orchestration import tasks
from mediamon.pipeline.cycle import make_fetcher
from mediamon.store.db import connect
from support import feeds_file, with_site


@pytest.fixture
def site_settings(clean_stack, newsroom, tmp_path):
    add_feeds(clean_stack.database_url, read_feed_list(feeds_file(tmp_path, newsroom)))
    return with_site(clean_stack, newsroom)


def _set_next_poll(settings, **offsets_s: float) -> dict[str, int]:
    """Feed ids by name: the first feeds get next_poll_at = now() + the given offsets."""
    with connect(settings.database_url) as conn, conn.transaction():
        ids = [row["id"] for row in conn.execute("SELECT id FROM feeds ORDER BY id")]
        conn.execute("UPDATE feeds SET next_poll_at = now() + interval '1 hour'")
        named = dict(zip(offsets_s, ids, strict=False))
        for name, offset in offsets_s.items():
            conn.execute(
                "UPDATE feeds SET next_poll_at = now() + make_interval(secs => %s) WHERE id = %s",
                (offset, named[name]),
            )
    return named


def _flatten(batches: list[list[int]]) -> set[int]:
    return {feed_id for batch in batches for feed_id in batch}


def test_a_scheduled_run_polls_the_feeds_due_before_the_next_run_would_look(site_settings):
    feeds = _set_next_poll(site_settings, overdue=-30, in_ten_seconds=10, in_five_minutes=300)
    chosen = _flatten(tasks.due_feed_batches(site_settings))
    assert chosen == {feeds["overdue"], feeds["in_ten_seconds"]}


def test_poll_all_takes_every_feed_due_or_not(site_settings):
    _set_next_poll(site_settings, overdue=-30)
    with connect(site_settings.database_url) as conn:
        every_feed = {row["id"] for row in conn.execute("SELECT id FROM feeds")}
    assert _flatten(tasks.due_feed_batches(site_settings, poll_all=True)) == every_feed


def _poll_everything(settings) -> int:
    with make_fetcher(settings) as fetcher:
        feeds = due_feeds(settings.database_url, limit=None)
        return poll_feeds(settings.database_url, fetcher, feeds).new_entries


def test_pending_entries_are_spread_over_parallel_batches_that_cover_them_all(site_settings):
    pending = _poll_everything(site_settings)
    min_batch = 20
    assert pending > tasks.PARALLEL_BATCHES * min_batch
    batches = tasks.process_batches(site_settings, min_batch)
    assert len(batches) == tasks.PARALLEL_BATCHES
    assert all(batch["max_entries"] >= pending for batch in batches)  # each claims until none


def test_batches_outnumbering_the_cores_have_one_extraction_worker_each(site_settings):
    _poll_everything(site_settings)
    two_cores = dataclasses.replace(site_settings, workers=2)
    batches = tasks.process_batches(two_cores, min_batch=20)
    assert [batch["workers"] for batch in batches] == [1] * tasks.PARALLEL_BATCHES


def test_the_cores_are_shared_out_among_the_batches_as_extraction_workers(site_settings):
    pending = _poll_everything(site_settings)
    eight_cores = dataclasses.replace(site_settings, workers=8)
    batches = tasks.process_batches(eight_cores, min_batch=math.ceil(pending / 2))
    assert [batch["workers"] for batch in batches] == [4, 4]


def test_a_few_pending_entries_make_one_batch_as_each_task_costs_seconds(site_settings):
    pending = _poll_everything(site_settings)
    assert pending < tasks.MIN_ENTRY_BATCH
    # One task: every core an extraction worker, as `mediamon ingest` has.
    assert tasks.process_batches(site_settings) == [
        {"max_entries": tasks.ENTRY_BATCH, "workers": site_settings.workers}
    ]


def test_a_backlog_beyond_what_the_parallel_batches_claim_gets_more_batches(
    site_settings, monkeypatch
):
    pending = _poll_everything(site_settings)
    monkeypatch.setattr(tasks, "ENTRY_BATCH", 10)
    batches = tasks.process_batches(site_settings, min_batch=10)
    assert len(batches) == math.ceil(pending / 10)


def test_nothing_pending_plans_no_batch(site_settings):
    assert tasks.process_batches(site_settings) == []


def test_a_poll_batch_logs_one_line_per_feed_with_its_outcome(site_settings, caplog):
    feed_ids = sorted(_flatten(tasks.due_feed_batches(site_settings, poll_all=True)))
    with connect(site_settings.database_url) as conn:
        urls = [row["url"] for row in conn.execute("SELECT url FROM feeds ORDER BY id")]
    with caplog.at_level(logging.INFO, logger="mediamon.orchestration.tasks"):
        counts = tasks.poll_feed_batch(site_settings, feed_ids)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("feed ")]
    assert len(lines) == counts["polled"] == len(urls)
    assert all(any(line.startswith(f"feed {url}: ok, ") for line in lines) for url in urls)


def test_a_process_batch_logs_each_page_that_did_not_store_with_its_reason(
    site_settings, newsroom, caplog
):
    _poll_everything(site_settings)
    missing = f"{newsroom.base_url}/no-such-page.html"
    with connect(site_settings.database_url) as conn, conn.transaction():
        conn.execute(
            "UPDATE entries SET page_url = %s WHERE id = (SELECT min(id) FROM entries)",
            (missing,),
        )
    with caplog.at_level(logging.INFO, logger="mediamon.orchestration.tasks"):
        counts = tasks.process_batch(site_settings, max_entries=1000)
    assert counts["failed"] == 1
    pages = [r.getMessage() for r in caplog.records if r.getMessage().startswith("page ")]
    assert len(pages) == 1
    assert pages[0].startswith(f"page {missing}: http_4xx") and "404" in pages[0]
    summary = caplog.records[-1].getMessage()
    assert summary.startswith(f"claimed {counts['claimed']} entries: {counts['stored']} stored")


def _process_in(queue, settings) -> None:
    try:
        queue.put(tasks.process_batch(settings, max_entries=1000))
    except Exception as exc:  # the parent reports it
        queue.put(f"{type(exc).__name__}: {exc}")


def test_a_process_batch_runs_in_a_daemonic_process_as_under_celery(site_settings):
    # Celery's prefork pool runs every Airflow task in a daemonic process.
    _poll_everything(site_settings)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_process_in, args=(queue, site_settings), daemon=True)
    child.start()
    result = queue.get(timeout=120)
    child.join(30)
    assert isinstance(result, dict), result
    assert result["stored"] > 0
