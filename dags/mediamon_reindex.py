"""Rebuild one day of Elasticsearch documents from PostgreSQL.

One run per day of publication. To move to a new index version: backfill with
`target_index` set (for example mediamon-articles-v2), then trigger one run with
`swap_alias` on; the alias then points at the new index alone.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from mediamon.orchestration.dag_defaults import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="mediamon_reindex",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    is_paused_upon_creation=True,
    max_active_runs=4,
    default_args=DEFAULT_ARGS,
    tags=["mediamon", "maintenance"],
    doc_md=__doc__,
    params={
        "target_index": Param(
            "",
            type="string",
            title="Target index",
            description="Empty: write through the alias. Or a new version, e.g. mediamon-articles-v2.",
        ),
        "swap_alias": Param(
            False,
            type="boolean",
            title="Swap the alias",
            description="After indexing, point the alias at the target index alone.",
        ),
    },
)
def mediamon_reindex():
    @task
    def reindex(params=None, data_interval_start=None, data_interval_end=None) -> dict:
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import reindex_window

        return reindex_window(
            airflow_settings(),
            data_interval_start,
            data_interval_end,
            params["target_index"] or None,
            bool(params["swap_alias"]),
        )

    reindex()


mediamon_reindex()
