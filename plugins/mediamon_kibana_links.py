"""Airflow plugin: a "Kibana: indexed articles" link on mediamon's indexing tasks.

The link opens Kibana Discover on the documents the run indexed: `indexed_at` between the
run's start and end. Airflow evaluates global links in the API server when the task page
asks for them, so the run's times come from the metadata database there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

INDEXING_TASKS = {"index_articles", "reindex", "reprocess", "retag"}


def _run_window(dag_id: str, run_id: str) -> tuple[datetime, datetime] | None:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        run = session.scalar(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id))
        if run is None or run.start_date is None:
            return None
        return run.start_date, run.end_date or datetime.now(UTC)


class KibanaIndexedArticlesLink(BaseOperatorLink):
    name = "Kibana: indexed articles"

    def get_link(self, operator, *, ti_key) -> str:
        if not ti_key.dag_id.startswith("mediamon_") or ti_key.task_id not in INDEXING_TASKS:
            return ""
        window = _run_window(ti_key.dag_id, ti_key.run_id)
        if window is None:
            return ""
        from mediamon.orchestration.kibana import discover_url
        from mediamon.settings import load

        return discover_url(load().kibana_url, *window)


class MediamonPlugin(AirflowPlugin):
    name = "mediamon"
    global_operator_extra_links = [KibanaIndexedArticlesLink()]
