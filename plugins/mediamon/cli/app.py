"""`mediamon`: the command line. Thin: parses arguments, calls the library, prints results.

One module per group of commands (stack and db, feeds, index and search, ingest,
articles); this one assembles them. Expected failures (bad configuration, a service down,
a bad file) print one line and exit with status 2; tracebacks are left for bugs.
"""

from __future__ import annotations

import logging
import sys

import typer

from mediamon import settings as settings_module
from mediamon.cli import articles, events, ingest, search
from mediamon.cli.alerts import alerts_app
from mediamon.cli.common import errors, print_error
from mediamon.cli.feeds import feeds_app
from mediamon.cli.search import index_app
from mediamon.cli.stack import db_app, stack_app

app = typer.Typer(
    help="mediamon: feeds to clean, deduplicated, tagged articles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(stack_app, name="stack")
app.add_typer(db_app, name="db")
app.add_typer(feeds_app, name="feeds")
app.add_typer(alerts_app, name="alerts")
app.add_typer(index_app, name="index")
app.command()(ingest.ingest)
app.command()(ingest.demo)
app.command()(ingest.run)
app.command()(articles.export)
app.command()(articles.reindex)
app.command()(articles.retag)
app.command()(articles.extract)
app.command()(events.events)
app.command()(search.search)


def _expected_errors() -> tuple[type[Exception], ...]:
    from mediamon.feeds.sources import FeedListError
    from mediamon.search.indexer import SearchUnavailable
    from mediamon.search.kibana import KibanaUnavailable
    from mediamon.stack.postgres import StackError
    from mediamon.store.db import DatabaseUnavailable
    from mediamon.tagging.watchlist import WatchlistError

    return (
        settings_module.ConfigError,
        DatabaseUnavailable,
        StackError,
        FeedListError,
        WatchlistError,
        SearchUnavailable,
        KibanaUnavailable,
    )


class _WarningLines(logging.Handler):
    """mediamon's logged warnings (a watchlist alias that is a common word, say) as
    `warning: ...` lines on standard error."""

    def emit(self, record: logging.LogRecord) -> None:
        errors.print(f"warning: {record.getMessage()}", markup=False, highlight=False)


def _show_warnings() -> None:
    """Print the library's warnings: nothing configures logging in the command line."""
    logger = logging.getLogger("mediamon")
    if not any(isinstance(handler, _WarningLines) for handler in logger.handlers):
        logger.addHandler(_WarningLines(logging.WARNING))


def main() -> None:
    _show_warnings()
    import psycopg

    from mediamon.store.db import describe_failure

    try:
        app()
    except _expected_errors() as exc:
        print_error(str(exc))
        sys.exit(2)
    except psycopg.OperationalError as exc:  # the server failed mid-run: not a bug of ours
        print_error(describe_failure(exc))
        sys.exit(2)


if __name__ == "__main__":
    main()
