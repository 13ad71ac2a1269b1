"""Kibana Discover links for what an indexing task indexed (pure: inputs in, URL out)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from mediamon.search.kibana import DATA_VIEW_ID

_MS = timedelta(milliseconds=1)


def _rison_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _floor_ms(value: datetime) -> datetime:
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _ceil_ms(value: datetime) -> datetime:
    floor = _floor_ms(value)
    return floor if floor == value else floor + _MS


def indexing_window(result: Mapping[str, Any] | None) -> tuple[datetime, datetime] | None:
    """The window an indexing task's result (its XCom) says it indexed documents in; None
    when it indexed none, or says no window (a run from before windows were recorded)."""
    if not isinstance(result, Mapping) or not result.get("indexed"):
        return None
    try:
        start = datetime.fromisoformat(result["indexed_from"])
        end = datetime.fromisoformat(result["indexed_to"])
    except (KeyError, TypeError, ValueError):
        return None
    return start, end


def discover_url(kibana_url: str, indexed_from: datetime, indexed_to: datetime) -> str:
    """Discover on the mediamon data view, showing documents indexed in [from, to].

    Elasticsearch keeps `indexed_at` to the millisecond: the window is widened to whole
    milliseconds, so that a document indexed in the window's last millisecond is shown.
    """
    start, end = _rison_time(_floor_ms(indexed_from)), _rison_time(_ceil_ms(indexed_to))
    query = f'indexed_at >= "{start}" and indexed_at <= "{end}"'
    app_state = (
        f"(dataSource:(dataViewId:'{DATA_VIEW_ID}',type:dataView),"
        f"query:(language:kuery,query:'{query}'))"
    )
    # The time picker spans every publication date: a run indexes old and new articles alike.
    global_state = "(time:(from:now-30y,to:now))"
    return f"{kibana_url.rstrip('/')}/app/discover#/?_g={quote(global_state, safe='(),:')}&_a={quote(app_state, safe='(),:')}"
