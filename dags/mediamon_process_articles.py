"""Fetch, extract, dedupe, tag, store and index every pending entry.

Scheduled on the NEW_ENTRIES Asset: several events may collapse into one run, so the work
comes from PostgreSQL (pending entries), never from the event payload. Asset-triggered runs
have no logical date, and nothing here uses one. Each batch logs one line per page that did
not store (skipped, failed or left to retry, with the reason); its counts go to XCom. The
last task sends the alerts of events now searchable (MEDIAMON_ALERTS_FILE).
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
    def plan_batches() -> list[dict[str, int]]:
        """Each batch's entries and extraction workers: the pending entries, spread over
        several tasks once each gets `mediamon_batch_entries` (an Airflow Variable, default
        250)."""
        from airflow.sdk import Variable

        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import MIN_ENTRY_BATCH, process_batches

        min_batch = int(Variable.get("mediamon_batch_entries", default=MIN_ENTRY_BATCH))
        return process_batches(airflow_settings(), min_batch)

    @task(pool=FETCH_POOL)
    def process_batch(max_entries: int, workers: int) -> dict:
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import process_batch

        return process_batch(airflow_settings(), max_entries, workers)

    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def index_articles() -> dict:
        """Index what the batches stored (and anything an earlier outage left queued)."""
        from mediamon.orchestration.connections import airflow_settings
        from mediamon.orchestration.tasks import index_articles

        return index_articles(airflow_settings())

    @task(trigger_rule=TriggerRule.NONE_FAILED)
    def send_alerts() -> dict:
        """Alerts for the events whose reports are now all searchable (immediate mode).
        After a failed batch or indexing it does not run (the run must show the failure);
        mediamon_send_alerts sends what was indexed within five minutes."""
        from mediamon.orchestration.alerting import send_alerts_task
        from mediamon.orchestration.connections import airflow_settings

        return send_alerts_task(airflow_settings())

    process_batch.expand_kwargs(plan_batches()) >> index_articles() >> send_alerts()


mediamon_process_articles()
