"""`mediamon events`: recent events, largest first (store/events.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer

from mediamon.cli.common import console, parse_since, settings


def events(
    since: Annotated[
        str | None,
        typer.Option(help="events with a report on or after DATE (default: the last 3 days)"),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            help="tracked group id; its affiliates count (isis finds ISIS-K); repeat for any of several"
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="at most this many events")] = 50,
) -> None:
    """Recent events with their size, languages and first report."""
    from mediamon.store import events as event_store
    from mediamon.store.db import connect

    start = parse_since(since) or datetime.now(UTC) - timedelta(days=3)
    with connect(settings().require_database()) as conn:
        found = event_store.recent(conn, start, tuple(group or ()), limit)
    for event in found:
        console.print(
            f"{event.id}\t{event.size}\t{','.join(event.languages)}\t"
            f"{event.first_report_at.astimezone(UTC):%Y-%m-%d %H:%M}\t"
            f"{','.join(event.groups) or '-'}\t{event.title or ''}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
    if not found:
        console.print("no events", markup=False)
