"""The Airflow side of alerts: one alerts run (alerts/send.py) as a task's work.

Alerts are decided and sent from mediamon's own outbox (store/alerts.py), not by Airflow
notifiers: a notifier is a callback of a task's or run's state, with no record of what it
sent, so a retried task or a restarted scheduler could send twice or not at all; the outbox
gives one delivery per event and subscription, with attempts and back-off, under any number
of retries.
"""

from __future__ import annotations

import logging
from typing import Any

from mediamon.alerts.send import load_config, send_alerts
from mediamon.settings import Settings

log = logging.getLogger(__name__)


def send_alerts_task(settings: Settings) -> dict[str, Any]:
    """Decide the alerts of newly indexed events and send every delivery that is due. A
    delivery that fails is recorded for a later run; the task fails only when PostgreSQL
    does or the subscription file is invalid."""
    summary = send_alerts(load_config(settings))
    if not summary.configured:
        log.info("no alerts file (MEDIAMON_ALERTS_FILE): nothing to send")
    else:
        log.info("alerts: %s", summary.line())
        for problem in summary.errors:
            log.warning("alerts: %s", problem)
    return summary.as_dict()
