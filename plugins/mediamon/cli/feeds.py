"""`mediamon feeds ...`: the feeds mediamon polls."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from mediamon.cli.common import console, settings

feeds_app = typer.Typer(help="The feeds mediamon polls.")


@feeds_app.command("add")
def feeds_add(urls: Annotated[list[str], typer.Argument(help="feed URLs")]) -> None:
    """Add feeds by URL."""
    from mediamon.feeds.poll import add_feeds
    from mediamon.feeds.sources import parse_text
    from mediamon.store import db

    database_url = settings().require_database()
    db.upgrade(database_url)
    added = add_feeds(database_url, parse_text("\n".join(urls)))
    console.print(f"added {added} feed(s), {len(urls) - added} already known")


@feeds_app.command("import")
def feeds_import(
    path: Annotated[Path, typer.Argument(help="feed list: .yaml, .opml or text")],
) -> None:
    """Add the feeds listed in a YAML, OPML or plain-text file."""
    from mediamon.feeds.poll import add_feeds
    from mediamon.feeds.sources import read_feed_list
    from mediamon.store import db

    database_url = settings().require_database()
    db.upgrade(database_url)
    specs = read_feed_list(path)
    added = add_feeds(database_url, specs)
    console.print(f"imported {len(specs)} feed(s): {added} new, {len(specs) - added} already known")


def _feed_rows() -> list[dict]:
    from mediamon.store.db import connect

    with connect(settings().require_database()) as conn:
        return conn.execute("SELECT * FROM feeds ORDER BY id").fetchall()


@feeds_app.command("list")
def feeds_list() -> None:
    """List the feeds."""
    table = Table("id", "url", "title", "robots")
    for row in _feed_rows():
        table.add_row(
            str(row["id"]), row["url"], row["title"] or "", "yes" if row["respect_robots"] else "no"
        )
    console.print(table)


@feeds_app.command("status")
def feeds_status() -> None:
    """Each feed's last poll, failures by class and next poll; failing feeds first."""
    rows = sorted(_feed_rows(), key=lambda r: (-r["consecutive_failures"], r["id"]))
    table = Table("id", "url", "status", "seen/new", "failures", "next poll", "last error")
    for row in rows:
        failures = ", ".join(f"{k}={v}" for k, v in (row["failures"] or {}).items()) or "-"
        style = "red" if row["consecutive_failures"] else ""
        table.add_row(
            str(row["id"]),
            row["url"],
            f"[{style}]{row['last_status']}[/]" if style else row["last_status"],
            f"{row['items_seen']}/{row['items_new']}",
            failures,
            row["next_poll_at"].strftime("%Y-%m-%d %H:%M"),
            (row["last_error"] or "")[:80],
        )
    console.print(table)
