"""End to end in `airflow standalone` (SQLite, LocalExecutor): scheduler, Asset and backfills."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from datetime import timedelta

import pytest

from airflow_env import AIRFLOW, airflow_env, api_healthy
from mediamon.feeds.poll import add_feeds
from mediamon.feeds.sources import read_feed_list
from mediamon.stack.processes import free_port
from support import busiest_days, document_count, feeds_file

pytestmark = pytest.mark.slow
DEADLINE_S = 240


def _cli(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def _runs(env: dict[str, str], dag_id: str) -> list[dict]:
    out = _cli(env, "dags", "list-runs", dag_id, "-o", "json")
    # Log lines may precede the JSON; the JSON array is the last line that starts with "[".
    lines = [line for line in out.splitlines() if line.startswith("[{") or line.strip() == "[]"]
    return json.loads(lines[-1]) if lines else []


def _wait_for(predicate, what: str, timeout_s: float = DEADLINE_S):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(3)
    pytest.fail(f"timed out waiting for {what}")


@pytest.fixture
def standalone(tmp_path, clean_stack, newsroom):
    port = free_port(18080)
    env = {
        **os.environ,
        **airflow_env(tmp_path / "airflow", clean_stack),
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "MEDIAMON_ALLOWED_ADDRESSES": newsroom.address,
    }
    (tmp_path / "airflow").mkdir()
    log = (tmp_path / "standalone.log").open("w")
    process = subprocess.Popen(
        [AIRFLOW, "standalone"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: api_healthy(port), "the Airflow API server")
        add_feeds(clean_stack.database_url, read_feed_list(feeds_file(tmp_path, newsroom)))
        _cli(env, "pools", "set", "mediamon_fetch", "4", "mediamon fetching")
        yield env, port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _unpause(env, dag_id: str) -> None:
    # The DAG processor must have parsed the file first.
    _wait_for(
        lambda: (
            subprocess.run(
                [AIRFLOW, "dags", "unpause", dag_id], env=env, capture_output=True
            ).returncode
            == 0
        ),
        f"{dag_id} to be parsed",
    )


def _first_success(env: dict[str, str], dag_id: str) -> dict | None:
    done = [run for run in _runs(env, dag_id) if run["state"] == "success"]
    return min(done, key=lambda run: run["start_date"]) if done else None


def test_a_triggered_poll_leads_through_the_asset_to_processing_and_backfills_complete(
    standalone, clean_stack, newsroom
):
    env, port = standalone
    for dag_id in ("mediamon_poll_feeds", "mediamon_process_articles"):
        _unpause(env, dag_id)
    _cli(env, "dags", "trigger", "mediamon_poll_feeds")
    # The first run processes everything; the minute's poll may queue another one, with
    # nothing left to index (and so no Kibana link).
    process_run = _wait_for(
        lambda: _first_success(env, "mediamon_process_articles"),
        "an Asset-triggered mediamon_process_articles run",
    )
    assert process_run["run_id"].startswith("asset_triggered__")

    from mediamon.search.elastic import client
    from mediamon.store.db import connect

    with connect(clean_stack.database_url) as conn:
        stored = conn.execute("SELECT count(*) AS n FROM articles").fetchone()["n"]
    assert stored == document_count(newsroom)
    es = client(clean_stack.elasticsearch_url)
    es.indices.refresh(index=clean_stack.index)
    assert es.count(index=clean_stack.index)["count"] == stored

    links_url = (
        f"http://127.0.0.1:{port}/api/v2/dags/mediamon_process_articles/dagRuns/{process_run['run_id']}"
        "/taskInstances/index_articles/links"
    )
    with urllib.request.urlopen(links_url, timeout=10) as response:
        links = json.loads(response.read())["extra_links"]
    assert "/app/discover#/" in links["Kibana: indexed articles"]

    first = busiest_days(newsroom, 1)[0]
    first_day, second_day = first.isoformat(), (first + timedelta(days=1)).isoformat()
    for dag_id in ("mediamon_reindex", "mediamon_reprocess"):
        _unpause(env, dag_id)
        _cli(
            env,
            "backfill",
            "create",
            "--dag-id",
            dag_id,
            "--from-date",
            first_day,
            "--to-date",
            second_day,
        )
        backfills = _wait_for(
            lambda d=dag_id: (
                [
                    r
                    for r in _runs(env, d)
                    if r["run_id"].startswith("backfill__") and r["state"] == "success"
                ]
                if sum(
                    r["run_id"].startswith("backfill__") and r["state"] == "success"
                    for r in _runs(env, d)
                )
                == 2
                else None
            ),
            f"two successful {dag_id} backfill runs",
        )
        assert sorted(r["logical_date"][:10] for r in backfills) == [first_day, second_day]
