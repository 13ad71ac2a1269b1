"""Fetch, extract, dedupe, tag, store and index every pending entry.

Scheduled on the NEW_ENTRIES Asset: several events may collapse into one run, so the work
comes from PostgreSQL (pending entries), never from the event payload. Asset-triggered runs
have no logical date, and nothing here uses one.
"""

from __future__ import annotations

from airflow.sdk import TriggerRule, dag, task

from mediamon.orchestration.dag_defaults import DEFAULT_ARGS, FETCH_POOL, NEW_ENTRIES, START_DATE


@dag(
    dag_id="mediamon_process_articles",
    schedule=[NEW_ENTRIES],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["mediamon"],
    doc_md=__doc__,
)
def mediamon_process_articles():
    @task
    def plan_batches() -> list[int]:
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import process_slots

        return process_slots(airflow_settings())

    @task(pool=FETCH_POOL)
    def process_batch(slot: int) -> dict[str, int]:
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import process_slot

        return process_slot(airflow_settings())

    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def index_articles() -> dict:
        """Index what the batches stored (and anything an earlier outage left queued)."""
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import index_articles

        return index_articles(airflow_settings())

    process_batch.expand(slot=plan_batches()) >> index_articles()


mediamon_process_articles()
