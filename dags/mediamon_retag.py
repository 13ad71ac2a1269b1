"""Re-tag one day of articles with the current watchlist (after editing it).

One run per day of publication. The watchlist file is MEDIAMON_WATCHLIST (default
config/watchlist.yaml); each edit becomes a new watchlist version in PostgreSQL.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task

from mediamon.orchestration.dag_defaults import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="mediamon_retag",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    is_paused_upon_creation=True,
    max_active_runs=4,
    default_args=DEFAULT_ARGS,
    tags=["mediamon", "maintenance"],
    doc_md=__doc__,
)
def mediamon_retag():
    @task
    def retag(data_interval_start=None, data_interval_end=None) -> dict[str, int]:
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import retag_window

        return retag_window(airflow_settings(), data_interval_start, data_interval_end)

    retag()


mediamon_retag()
