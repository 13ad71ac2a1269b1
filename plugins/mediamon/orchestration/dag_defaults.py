"""What every mediamon DAG shares: the Asset, the pool, task defaults (light: DAG files import it)."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset

# Emitted by mediamon_poll_feeds when a poll recorded new entries; schedules processing.
NEW_ENTRIES = Asset(name="mediamon_new_entries", uri="mediamon://entries/pending")

# Bounds concurrent fetching across all mediamon tasks (create it: see the README).
FETCH_POOL = "mediamon_fetch"

START_DATE = datetime(2019, 1, 1)

DEFAULT_ARGS = {
    "owner": "mediamon",
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
    "execution_timeout": timedelta(minutes=30),
}
