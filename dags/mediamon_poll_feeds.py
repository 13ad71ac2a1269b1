"""Poll the feeds that are due and record their new entries.

The adaptive schedule lives in PostgreSQL (each feed's next poll time, busy feeds every
minute or two); this DAG wakes up every MEDIAMON_POLL_EVERY_MINUTES (1), polls what is due
in mapped batches, and emits the NEW_ENTRIES Asset when there is new work for
mediamon_process_articles. Trigger it with `poll_all` on to poll every feed now, due or not.
Each poll batch logs one line per feed: its outcome, new entries and any error.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Param, TriggerRule, dag, task
from airflow.sdk.exceptions import AirflowSkipException

from mediamon.orchestration.dag_defaults import DEFAULT_ARGS, FETCH_POOL, NEW_ENTRIES, START_DATE
from mediamon.settings import load as load_settings  # light: reads the environment only


@dag(
    dag_id="mediamon_poll_feeds",
    schedule=timedelta(minutes=load_settings().poll_every_minutes),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mediamon"],
    doc_md=__doc__,
    params={
        "poll_all": Param(
            False,
            type="boolean",
            title="Poll every feed",
            description="Poll every feed now, not only those due (a manual run).",
        ),
    },
)
def mediamon_poll_feeds():
    @task
    def due_feed_batches(params=None) -> list[list[int]]:
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import due_feed_batches

        return due_feed_batches(airflow_settings(), poll_all=bool(params["poll_all"]))

    @task(pool=FETCH_POOL)
    def poll_batch(feed_ids: list[int]) -> dict[str, int]:
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import poll_feed_batch

        return poll_feed_batch(airflow_settings(), feed_ids)

    # Runs even when no feed was due (an empty mapping): entries left to retry still count.
    @task(outlets=[NEW_ENTRIES], trigger_rule=TriggerRule.NONE_FAILED)
    def announce_new_work() -> int:
        """Emit the Asset event only when there is work (pending entries, new or left over)."""
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import pending_work

        pending = pending_work(airflow_settings())
        if pending == 0:
            raise AirflowSkipException("no pending entries: nothing to process")
        return pending

    poll_batch.expand(feed_ids=due_feed_batches()) >> announce_new_work()


mediamon_poll_feeds()
