"""Airflow plugin: a "Kibana: indexed articles" link on mediamon's indexing tasks.

The link opens Kibana Discover on exactly the documents the task indexed: `indexed_at`
within the window its result (XCom) records. A task that indexed nothing has no link.
Airflow evaluates global links in the API server when the task page asks for them, so the
result is read from the metadata database there.
"""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin
from airflow.sdk import BaseOperatorLink

INDEXING_TASKS = {"index_articles", "reindex", "reprocess", "retag"}


def _task_result(ti_key) -> Any:
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        row = session.scalars(
            XComModel.get_many(
                run_id=ti_key.run_id,
                key="return_value",
                dag_ids=ti_key.dag_id,
                task_ids=ti_key.task_id,
                map_indexes=ti_key.map_index,
                limit=1,
            )
        ).first()
        return XComModel.deserialize_value(row) if row is not None else None


class KibanaIndexedArticlesLink(BaseOperatorLink):
    name = "Kibana: indexed articles"

    def get_link(self, operator, *, ti_key) -> str:
        if not ti_key.dag_id.startswith("mediamon_") or ti_key.task_id not in INDEXING_TASKS:
            return ""
        from mediamon.orchestration.kibana import discover_url, indexing_window
        from mediamon.settings import load

        window = indexing_window(_task_result(ti_key))
        if window is None:
            return ""
        return discover_url(load().kibana_url, *window)


class MediamonPlugin(AirflowPlugin):
    name = "mediamon"
    global_operator_extra_links = [KibanaIndexedArticlesLink()]
