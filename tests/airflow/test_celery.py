"""CeleryExecutor for real: a Redis broker and two Celery workers on this machine.

A manual poll run (`poll_all`) leads through the Asset to processing, whose mapped batches
run on both workers; every document is stored once and indexed once; the batches' logs
list their pages; the indexing task links to Kibana only when it indexed something.
"""

from __future__ import annotations

import pytest

from airflow_env import LocalAirflow, wait_for
from mediamon.feeds.poll import add_feeds
from mediamon.feeds.sources import read_feed_list
from mediamon.orchestration.kibana import indexing_window
from mediamon.search.elastic import client
from mediamon.store.db import connect
from support import document_count, feeds_file

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
DEADLINE_S = 300
PROCESS_DAG = "mediamon_process_articles"
LINK = "Kibana: indexed articles"


@pytest.fixture
def celery_airflow(tmp_path, clean_stack, newsroom):
    add_feeds(clean_stack.database_url, read_feed_list(feeds_file(tmp_path, newsroom)))
    airflow = LocalAirflow(
        tmp_path / "airflow",
        clean_stack,
        {
            "MEDIAMON_ALLOWED_ADDRESSES": newsroom.address,
            # The newsroom's ~100 entries in several batches (the default waits for 250 each).
            "AIRFLOW_VAR_MEDIAMON_BATCH_ENTRIES": "20",
        },
        celery_workers=2,
        fetch_pool_slots=8,
    )
    with airflow:
        yield airflow


def _stored_and_indexed(settings) -> tuple[set[int], set[int]]:
    with connect(settings.database_url) as conn:
        stored = {row["id"] for row in conn.execute("SELECT id FROM articles")}
    es = client(settings.elasticsearch_url)
    es.indices.refresh(index=settings.index)
    hits = es.search(index=settings.index, size=10_000, source=False)["hits"]["hits"]
    return stored, {int(hit["_id"]) for hit in hits}


def _nothing_pending(settings) -> bool:
    with connect(settings.database_url) as conn:
        return not conn.execute("SELECT 1 FROM entries WHERE status = 'pending' LIMIT 1").fetchone()


def _finished_process_runs(airflow: LocalAirflow) -> list[dict]:
    runs = airflow.runs(PROCESS_DAG)
    if any(run["state"] not in ("success", "failed") for run in runs):
        return []  # one still running or queued: wait for it
    return runs


def _link(airflow: LocalAirflow, run_id: str) -> str | None:
    links = airflow.api(f"dags/{PROCESS_DAG}/dagRuns/{run_id}/taskInstances/index_articles/links")[
        "extra_links"
    ]
    return links[LINK]


def _manual_run(airflow: LocalAirflow) -> dict | None:
    manual = [run for run in airflow.runs(PROCESS_DAG) if run["dag_run_id"].startswith("manual__")]
    return next((run for run in manual if run["state"] == "success"), None)


def _index_result(airflow: LocalAirflow, run: dict) -> dict:
    return airflow.api(
        f"dags/{PROCESS_DAG}/dagRuns/{run['dag_run_id']}/taskInstances/index_articles"
        "/xcomEntries/return_value"
    )["value"]


def test_poll_to_processing_spread_over_two_celery_workers_stores_and_indexes_each_document_once(
    celery_airflow, clean_stack, newsroom
):
    airflow = celery_airflow
    for dag_id in ("mediamon_poll_feeds", PROCESS_DAG):
        airflow.unpause(dag_id)
    airflow.trigger("mediamon_poll_feeds", {"poll_all": True})

    def all_done():
        if airflow.exited():
            pytest.fail(f"Airflow components stopped: {airflow.exited()}")
        if not _nothing_pending(clean_stack):
            return None
        return _finished_process_runs(airflow)

    runs = wait_for(all_done, "every pending entry to be processed", DEADLINE_S, every_s=3)
    assert {run["state"] for run in runs} == {"success"}
    assert all(run["dag_run_id"].startswith("asset_triggered__") for run in runs)

    stored, indexed = _stored_and_indexed(clean_stack)
    assert len(stored) == document_count(newsroom)
    assert indexed == stored

    batches = [
        ti
        for run in runs
        for ti in airflow.task_instances(PROCESS_DAG, run["dag_run_id"])
        if ti["task_id"] == "process_batch"
    ]
    assert len(batches) >= 2
    assert {ti["state"] for ti in batches} == {"success"}
    assert {ti["hostname"] for ti in batches} == {"worker-1", "worker-2"}

    # A batch's log says what it claimed and stored (its counts are in XCom).
    first = batches[0]
    log = airflow.api(
        f"dags/{PROCESS_DAG}/dagRuns/{first['dag_run_id']}/taskInstances/process_batch"
        f"/logs/{first['try_number']}?map_index={first['map_index']}"
    )
    assert " entries: " in str(log["content"]) and " stored, " in str(log["content"])

    # The run that indexed documents links to exactly its window; a run with nothing to
    # index has no link.
    windows = {run["dag_run_id"]: indexing_window(_index_result(airflow, run)) for run in runs}
    indexing_run, window = next((r, w) for r, w in windows.items() if w is not None)
    link = _link(airflow, indexing_run)
    assert link is not None and "/app/discover#/" in link
    assert window[0].strftime("%Y-%m-%dT%H:%M:%S") in link

    airflow.trigger(PROCESS_DAG)
    idle = wait_for(lambda: _manual_run(airflow), "a manual run with nothing to process", 120)
    assert _link(airflow, idle["dag_run_id"]) is None
