"""Send alert digests and retry failed alert deliveries.

Immediate alerts go out at the end of each mediamon_process_articles run, right after
indexing; this DAG covers what does not wait for new articles: digests that fall due
(every N minutes per subscription) and deliveries waiting for their next attempt. The
subscriptions are MEDIAMON_ALERTS_FILE (example: config/alerts.example.yaml); with none,
each run does nothing.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag, task

from mediamon.orchestration.dag_defaults import DEFAULT_ARGS, START_DATE


@dag(
    dag_id="mediamon_send_alerts",
    schedule=timedelta(minutes=5),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "execution_timeout": timedelta(minutes=10)},
    tags=["mediamon", "alerts"],
    doc_md=__doc__,
)
def mediamon_send_alerts():
    @task
    def send_alerts() -> dict:
        from mediamon.orchestration.alerting import send_alerts_task
        from mediamon.orchestration.connections import airflow_settings

        return send_alerts_task(airflow_settings())

    send_alerts()


mediamon_send_alerts()
