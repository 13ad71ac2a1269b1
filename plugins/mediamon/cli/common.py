"""What the command modules share: the consoles, settings, dates and the one-line failure."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time

import typer
from rich.console import Console

from mediamon import settings as settings_module

console = Console()
errors = Console(stderr=True, soft_wrap=True)


def settings() -> settings_module.Settings:
    return settings_module.load()


def parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise settings_module.ConfigError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def parse_since(value: str | None) -> datetime | None:
    day = parse_date(value)
    return datetime.combine(day, time(), UTC) if day else None


def fail(message: str) -> typer.Exit:
    """Print `error: message`; raise what this returns to exit with status 2."""
    print_error(message)
    return typer.Exit(2)


def print_error(message: str) -> None:
    """`error: message` on standard error, as written (messages quote [brackets] of their
    own, which rich would take for markup and drop)."""
    errors.print(f"error: {message}", markup=False, highlight=False, emoji=False)


def empty_watchlist_allowance(allow_empty: bool) -> contextlib.AbstractContextManager[object]:
    """Within it, an empty watchlist loads if the user asked for that (`--allow-empty`)."""
    from mediamon.tagging.watchlist import empty_watchlist_allowed

    return empty_watchlist_allowed() if allow_empty else contextlib.nullcontext()
