"""`mediamon alerts`: check the subscription file, run the alerts, list deliveries."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from pathlib import Path
from typing import Annotated

import typer

from mediamon.cli.common import fail, print_error, settings
from mediamon.vocabulary import AlertStatus

alerts_app = typer.Typer(
    help="Alerts: subscribers told about new events by webhook or e-mail.",
    no_args_is_help=True,
)

FileOption = Annotated[
    Path | None,
    typer.Option("--file", help="the subscription file (default: MEDIAMON_ALERTS_FILE)"),
]


def _config(file: Path | None):
    """The run's configuration; None when no alerts file is configured. A bad file prints
    one `error:` line per problem and exits 2."""
    from mediamon.alerts.send import load_config
    from mediamon.alerts.subscriptions import SubscriptionError

    current = settings()
    if file is not None:
        current = dataclasses.replace(current, alerts_file=file)
    try:
        return load_config(current)
    except SubscriptionError as exc:
        for problem in exc.problems:
            print_error(problem)
        raise typer.Exit(2) from exc


def _line(text: str) -> None:
    """As written: tab-separated fields stay tabs (rich would expand them)."""
    typer.echo(text)


_NO_FILE = "no alerts file configured (MEDIAMON_ALERTS_FILE, or config/alerts.yaml)"


@alerts_app.command()
def check(file: FileOption = None) -> None:
    """Validate the subscription file and list its subscriptions."""
    config = _config(file)
    if config is None:
        raise fail(_NO_FILE)
    for sub in config.subscriptions:
        groups = ",".join(sub.groups)
        if sub.affiliates:
            groups += f" (+{len(sub.tracked) - len(set(sub.groups))} affiliates)"
        mode = f"digest every {sub.every_minutes} min" if sub.every_minutes else sub.mode.value
        extras = [
            f"languages {','.join(sorted(sub.languages))}" if sub.languages else "",
            f"min size {sub.min_size}" if sub.min_size > 1 else "",
            f"query {sub.query!r}" if sub.query else "",
            f"updates x{sub.size_factor:g}" if sub.size_factor else "",
        ]
        details = "; ".join(e for e in extras if e)
        _line(
            f"{sub.name}\t{groups}\t{mode}\t{sub.describe_target()}"
            + (f"\t{details}" if details else "")
        )
    _line(f"{len(config.subscriptions)} subscription(s) in {config.settings.alerts_file}")


@alerts_app.command()
def send(
    file: FileOption = None,
    decide_only: Annotated[
        bool, typer.Option("--decide-only", help="record alerts but send nothing")
    ] = False,
) -> None:
    """One pass: decide alerts for new events, send the deliveries that are due."""
    from mediamon.alerts.send import send_alerts

    config = _config(file)
    if config is None:
        _line(f"{_NO_FILE}: nothing to do")
        return
    # Failed deliveries and unanswered queries are logged: `warning:` lines on stderr.
    summary = send_alerts(config, decide_only=decide_only)
    _line(summary.line())


@alerts_app.command("list")
def list_deliveries(
    status: Annotated[
        AlertStatus | None, typer.Option(help="only deliveries with this status")
    ] = None,
    limit: Annotated[int, typer.Option(help="at most this many")] = 50,
) -> None:
    """Recent deliveries, newest first: id, status, attempts, subscription, target, error."""
    from mediamon.store import alerts as store
    from mediamon.store.db import connect

    with connect(settings().require_database()) as conn:
        rows = store.deliveries(conn, status, limit)
    for row in rows:
        when = row["sent_at"] or row["next_attempt_at"]
        _line(
            f"{row['id']}\t{row['status']}\t{row['attempts']}\t"
            f"{when.astimezone(UTC):%Y-%m-%d %H:%M}\t{row['subscription']}\t{row['mode']}"
            f" ({row['alerts']} event(s))\t{row['target']}\t{row['last_error'] or ''}"
        )
    if not rows:
        _line("no deliveries")


@alerts_app.command()
def retry(
    ids: Annotated[
        list[int] | None, typer.Argument(help="delivery ids (see `alerts list`)")
    ] = None,
    every_failed: Annotated[bool, typer.Option("--failed", help="every failed delivery")] = False,
) -> None:
    """Put failed deliveries back in the queue, due now with a fresh set of attempts (after
    mending a webhook or a mail server); the next `alerts send` or DAG run sends them."""
    from mediamon.store import alerts as store
    from mediamon.store.db import connect

    if not ids and not every_failed:
        raise fail("name the deliveries to retry (their ids) or give --failed")
    with connect(settings().require_database()) as conn:
        outcome = store.requeue(conn, ids or [], every_failed)
    refused = False
    for delivery_id, status in sorted(outcome.items()):
        if status == AlertStatus.FAILED:
            _line(f"{delivery_id}\trequeued")
        else:
            refused = True
            print_error(
                f"delivery {delivery_id}: "
                + (f"{status}, not failed: left as it is" if status else "no such delivery")
            )
    if not outcome:
        _line("no failed deliveries")
    if refused:
        raise typer.Exit(2)
