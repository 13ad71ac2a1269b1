"""Re-extract stored raw HTML, re-dedupe, re-tag and re-index one day of articles.

One run per day of publication (`published_at` in the run's data interval). Start it over
a date range from the UI (Backfill) or `airflow backfill create --dag-id mediamon_reprocess
--from-date 2019-11-19 --to-date 2019-11-20`. Running a day twice changes nothing.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task

from mediamon.orchestration.dag_defaults import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="mediamon_reprocess",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=START_DATE,
    catchup=False,
    is_paused_upon_creation=True,  # maintenance: runs when an operator asks for it
    max_active_runs=4,
    default_args=DEFAULT_ARGS,
    tags=["mediamon", "maintenance"],
    doc_md=__doc__,
)
def mediamon_reprocess():
    @task
    def reprocess(data_interval_start=None, data_interval_end=None) -> dict[str, int]:
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import reprocess_window

        return reprocess_window(airflow_settings(), data_interval_start, data_interval_end)

    reprocess()


mediamon_reprocess()
