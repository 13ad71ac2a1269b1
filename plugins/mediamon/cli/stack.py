"""`mediamon stack ...` and `mediamon db ...`: the local services and the schema."""

from __future__ import annotations

import typer
from rich.table import Table

from mediamon.cli.common import console, settings

stack_app = typer.Typer(help="The local stack: PostgreSQL and Elasticsearch on 127.0.0.1.")
db_app = typer.Typer(help="The PostgreSQL schema.")


@stack_app.command("up")
def stack_up() -> None:
    """Start PostgreSQL and Elasticsearch (idempotent); services already configured are used as they are."""
    from mediamon.stack import manage

    with console.status(
        "starting the local stack (first run fetches Elasticsearch from Maven Central)"
    ):
        manage.up(settings())
    stack_status()


@stack_app.command("down")
def stack_down() -> None:
    """Stop the local stack's services."""
    from mediamon.stack import manage

    stopped = manage.down(settings())
    console.print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")


@stack_app.command("status")
def stack_status() -> None:
    """Show each service, its address and whether it answers."""
    from mediamon.stack import manage

    table = Table("service", "address", "state", "detail")
    services = manage.status(settings())
    for service in services:
        state = "[green]running[/]" if service.running else "[red]stopped[/]"
        table.add_row(service.name, service.url or "-", state, service.detail)
    console.print(table)
    if not all(service.running for service in services):
        raise typer.Exit(1)


@stack_app.command("env")
def stack_env() -> None:
    """Print `export MEDIAMON_...=` lines for the running stack (eval "$(mediamon stack env)")."""
    from mediamon.stack import manage

    for line in manage.env_lines(settings()):
        print(line)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the SQL migrations under sql/ that are not applied yet."""
    from mediamon.store import db

    applied = db.upgrade(settings().require_database())
    console.print(f"applied: {', '.join(applied)}" if applied else "schema is up to date")
