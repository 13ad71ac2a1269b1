"""Kibana Discover links for what a DAG run indexed (pure: inputs in, URL out)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

DATA_VIEW_ID = "mediamon-articles"


def _rison_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def discover_url(kibana_url: str, indexed_from: datetime, indexed_to: datetime) -> str:
    """Discover on the mediamon data view, showing documents indexed in [from, to]."""
    start, end = _rison_time(indexed_from), _rison_time(indexed_to)
    query = f'indexed_at >= "{start}" and indexed_at <= "{end}"'
    app_state = (
        f"(dataSource:(dataViewId:'{DATA_VIEW_ID}',type:dataView),"
        f"query:(language:kuery,query:'{query}'))"
    )
    # The time picker spans every publication date: a run indexes old and new articles alike.
    global_state = "(time:(from:now-30y,to:now))"
    return f"{kibana_url.rstrip('/')}/app/discover#/?_g={quote(global_state, safe='(),:')}&_a={quote(app_state, safe='(),:')}"
