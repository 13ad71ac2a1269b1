"""The DAGs in a real Airflow 3.3: they import cleanly, carry retries, timeouts and pools,
and their `dag.test()` runs fill PostgreSQL and Elasticsearch from the fixture newsroom."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from mediamon.feeds.poll import add_feeds
from mediamon.feeds.sources import read_feed_list
from mediamon.search.elastic import client
from mediamon.settings import PROJECT_ROOT
from mediamon.store.db import connect
from support import busiest_days, document_count, feeds_file

ONE_DAY = timedelta(days=1)

DAG_IDS = {
    "mediamon_poll_feeds",
    "mediamon_process_articles",
    "mediamon_reprocess",
    "mediamon_retag",
    "mediamon_reindex",
    "mediamon_send_alerts",
}
FETCHING_TASKS = {"poll_batch", "process_batch"}


def test_every_dag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == DAG_IDS


def test_every_task_has_retries_a_timeout_and_its_pool(dagbag):
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            assert task.retries >= 1, task
            assert task.retry_exponential_backoff, task
            assert task.execution_timeout is not None, task
            expected = "mediamon_fetch" if task.task_id in FETCHING_TASKS else "default_pool"
            assert task.pool == expected, task


def test_maintenance_dags_have_daily_data_intervals(dagbag):
    for dag_id in ("mediamon_reprocess", "mediamon_retag", "mediamon_reindex"):
        timetable = dagbag.dags[dag_id].timetable
        assert type(timetable).__name__ == "CronDataIntervalTimetable"
        assert timetable.expression == "0 0 * * *"


def test_each_dag_file_parses_in_under_a_second(airflow_home):
    for path in sorted((PROJECT_ROOT / "dags").glob("*.py")):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", f"import runpy; runpy.run_path({str(path)!r})"], check=True
        )
        # The subprocess includes Python and Airflow start-up; the file's own cost is far less.
        assert time.perf_counter() - started < 10, path


def test_no_airflow_2_idioms():
    result = subprocess.run(
        [
            str(PROJECT_ROOT / ".venv" / "bin" / "ruff"),
            "check",
            "--select",
            "AIR3",
            "dags",
            "plugins",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout


def test_the_mediamon_package_is_not_loaded_as_plugins(airflow_home):
    from airflow import plugins_manager

    assert plugins_manager.get_import_errors() == {}
    assert [p.name for p in plugins_manager._get_plugins()[0]] == ["mediamon"]
    package_dir = str(PROJECT_ROOT / "plugins" / "mediamon")
    stray = [
        name
        for name, module in list(sys.modules.items())
        if (getattr(module, "__file__", None) or "").startswith(package_dir)
        and not name.startswith("mediamon")
    ]
    assert stray == []  # plugins/.airflowignore keeps Airflow from importing them as plugins


def _counts(settings) -> tuple[int, int]:
    with connect(settings.database_url) as conn:
        stored = conn.execute("SELECT count(*) AS n FROM articles").fetchone()["n"]
    es = client(settings.elasticsearch_url)
    es.indices.refresh(index=settings.index)
    return stored, es.count(index=settings.index)["count"]


@pytest.fixture
def newsroom_feeds(clean_stack, newsroom, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIAMON_ALLOWED_ADDRESSES", newsroom.address)
    add_feeds(clean_stack.database_url, read_feed_list(feeds_file(tmp_path, newsroom)))
    return newsroom


def test_poll_then_process_fill_both_stores_and_a_second_round_adds_nothing(
    dagbag, clean_stack, newsroom_feeds
):
    assert dagbag.dags["mediamon_poll_feeds"].test().state == "success"
    assert dagbag.dags["mediamon_process_articles"].test().state == "success"
    stored, indexed = _counts(clean_stack)
    assert stored == indexed == document_count(newsroom_feeds)

    with connect(clean_stack.database_url) as conn:
        conn.execute("UPDATE feeds SET next_poll_at = now()")
        conn.commit()
    assert dagbag.dags["mediamon_poll_feeds"].test().state == "success"
    assert dagbag.dags["mediamon_process_articles"].test().state == "success"
    assert _counts(clean_stack) == (stored, stored)


def test_reprocessing_a_day_twice_changes_nothing_the_second_time(
    dagbag, clean_stack, newsroom_feeds
):
    dagbag.dags["mediamon_poll_feeds"].test()
    dagbag.dags["mediamon_process_articles"].test()
    busiest = busiest_days(newsroom_feeds, 1)[0]
    day = datetime(busiest.year, busiest.month, busiest.day, tzinfo=UTC) + ONE_DAY
    reprocess = dagbag.dags["mediamon_reprocess"]

    def snapshot():
        with connect(clean_stack.database_url) as conn:
            return conn.execute(
                "SELECT id, text, cluster_id, is_original, groups FROM articles ORDER BY id"
            ).fetchall()

    assert reprocess.test(logical_date=day).state == "success"
    first = snapshot()
    assert reprocess.test(logical_date=day, run_conf={}).state == "success"
    assert snapshot() == first
    documents = document_count(newsroom_feeds)
    assert _counts(clean_stack) == (documents, documents)


def test_reindex_into_a_new_version_then_swap_the_alias(dagbag, clean_stack, newsroom_feeds):
    dagbag.dags["mediamon_poll_feeds"].test()
    dagbag.dags["mediamon_process_articles"].test()
    reindex = dagbag.dags["mediamon_reindex"]
    new_index = f"{clean_stack.index}-v2"
    *first_days, last_day = [
        datetime(d.year, d.month, d.day, tzinfo=UTC) for d in busiest_days(newsroom_feeds, 3)
    ]
    # A daily run covers the day before its logical date.
    for day in first_days:
        run = reindex.test(logical_date=day + ONE_DAY, run_conf={"target_index": new_index})
        assert run.state == "success"
    run = reindex.test(
        logical_date=last_day + ONE_DAY, run_conf={"target_index": new_index, "swap_alias": True}
    )
    assert run.state == "success"
    es = client(clean_stack.elasticsearch_url)
    assert list(es.indices.get_alias(name=clean_stack.index)) == [new_index]
    with connect(clean_stack.database_url) as conn:
        on_those_days = sum(
            conn.execute(
                "SELECT count(*) AS n FROM articles WHERE published_at >= %s AND published_at < %s",
                (day, day + ONE_DAY),
            ).fetchone()["n"]
            for day in [*first_days, last_day]
        )
    es.indices.refresh(index=clean_stack.index)
    assert 0 < on_those_days == es.count(index=clean_stack.index)["count"]
