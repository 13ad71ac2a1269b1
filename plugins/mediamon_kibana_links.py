"""Airflow plugin: a "Kibana: indexed articles" link on mediamon's indexing tasks.

The link opens Kibana Discover on the documents the run indexed (by `indexed_at`, from the
run's start to the end of the task). Airflow 3 evaluates it in the worker when the task
finishes and stores it with the task instance.
"""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

INDEXING_TASKS = {"index_articles", "reindex", "reprocess", "retag"}


class KibanaIndexedArticlesLink(BaseOperatorLink):
    name = "Kibana: indexed articles"

    def get_link(self, operator, *, ti_key) -> str:
        if not ti_key.dag_id.startswith("mediamon_") or ti_key.task_id not in INDEXING_TASKS:
            return ""
        from airflow.sdk import get_current_context

        from mediamon.orchestration.kibana import discover_url
        from mediamon.settings import load

        try:
            run_start = get_current_context()["dag_run"].start_date
        except Exception:  # outside the task's own process there is no context: no link
            return ""
        return discover_url(load().kibana_url, run_start, datetime.now(UTC))


class MediamonPlugin(AirflowPlugin):
    name = "mediamon"
    global_operator_extra_links = [KibanaIndexedArticlesLink()]
