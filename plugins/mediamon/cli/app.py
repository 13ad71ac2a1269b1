"""`mediamon`: the command line. Thin: parses arguments, calls the library, prints results.

Expected failures (bad configuration, a service down, a bad file) print one line and
exit with status 2; tracebacks are left for bugs.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn
from rich.table import Table

from mediamon import settings as settings_module

app = typer.Typer(
    help="mediamon: feeds to clean, deduplicated, tagged articles.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
stack_app = typer.Typer(help="The local stack: PostgreSQL and Elasticsearch on 127.0.0.1.")
db_app = typer.Typer(help="The PostgreSQL schema.")
feeds_app = typer.Typer(help="The feeds mediamon polls.")
search_app = typer.Typer(help="Elasticsearch and Kibana set-up.")
app.add_typer(stack_app, name="stack")
app.add_typer(db_app, name="db")
app.add_typer(feeds_app, name="feeds")
app.add_typer(search_app, name="search")

console = Console()
errors = Console(stderr=True, soft_wrap=True)


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


def _settings() -> settings_module.Settings:
    return settings_module.load()


# -- stack ------------------------------------------------------------------------------
@stack_app.command("up")
def stack_up() -> None:
    """Start PostgreSQL and Elasticsearch (idempotent); services already configured are used as they are."""
    from mediamon.stack import manage

    with console.status(
        "starting the local stack (first run fetches Elasticsearch from Maven Central)"
    ):
        manage.up(_settings())
    stack_status()


@stack_app.command("down")
def stack_down() -> None:
    """Stop the local stack's services."""
    from mediamon.stack import manage

    stopped = manage.down(_settings())
    console.print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")


@stack_app.command("status")
def stack_status() -> None:
    """Show each service, its address and whether it answers."""
    from mediamon.stack import manage

    table = Table("service", "address", "state", "detail")
    services = manage.status(_settings())
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

    for line in manage.env_lines(_settings()):
        print(line)


# -- db ---------------------------------------------------------------------------------
@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the SQL migrations under sql/ that are not applied yet."""
    from mediamon.store import db

    applied = db.upgrade(_settings().require_database())
    console.print(f"applied: {', '.join(applied)}" if applied else "schema is up to date")


# -- search -----------------------------------------------------------------------------
@search_app.command("setup")
def search_setup(
    kibana: Annotated[bool, typer.Option(help="also import the Kibana saved objects")] = True,
) -> None:
    """Apply the index template and alias, and import Kibana's saved objects (idempotent)."""
    from mediamon.search import indexer
    from mediamon.search.kibana import KibanaRefusedObjects, import_saved_objects

    settings = _settings()
    index = indexer.ensure_index(indexer.client(settings.require_elasticsearch()), settings.index)
    console.print(f"index template applied; alias {settings.index} -> {index}")
    if kibana:
        try:
            count = import_saved_objects(settings.kibana_url, settings.index, settings.kibana_auth)
        except KibanaRefusedObjects as refused:
            # One line per refused object with Kibana's own reason, printed as is (no markup:
            # reasons hold [brackets]); the objects Kibana accepted are imported.
            for item in refused.refused:
                errors.print(f"error: {item}", markup=False, highlight=False, emoji=False)
            raise typer.Exit(2) from refused
        console.print(f"imported {count} Kibana saved object(s) into {settings.kibana_url}")


# -- feeds ------------------------------------------------------------------------------
@feeds_app.command("add")
def feeds_add(urls: Annotated[list[str], typer.Argument(help="feed URLs")]) -> None:
    """Add feeds by URL."""
    from mediamon.feeds.poll import add_feeds
    from mediamon.feeds.sources import parse_text
    from mediamon.store import db

    database_url = _settings().require_database()
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

    database_url = _settings().require_database()
    db.upgrade(database_url)
    specs = read_feed_list(path)
    added = add_feeds(database_url, specs)
    console.print(f"imported {len(specs)} feed(s): {added} new, {len(specs) - added} already known")


def _feed_rows() -> list[dict]:
    from mediamon.store.db import connect

    with connect(_settings().require_database()) as conn:
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


# -- ingest -----------------------------------------------------------------------------
def _print_cycle(report) -> None:
    table = Table("", "count", title="ingestion cycle")
    proc = report.process
    for label, value in [
        ("feeds added", report.feeds_added),
        ("feeds polled", report.poll.polled),
        ("feeds failed", report.poll.failed),
        ("entries new", report.poll.new_entries),
        ("pages fetched", proc.pages_fetched),
        ("pages skipped", proc.pages_skipped),
        ("pages failed", proc.pages_failed),
        ("pages to retry later", proc.pages_retry),
        ("articles stored", proc.articles_stored),
        ("already stored (same document)", proc.already_known),
        ("tagged with a tracked group", proc.tagged),
        ("documents indexed", report.index.indexed),
        ("documents not indexed", report.index.failed),
    ]:
        table.add_row(label, str(value))
    console.print(table)
    stages = report.clock.summary()
    if stages:
        timing = Table(
            "stage",
            "pages",
            "median ms",
            "p90 ms",
            "CPU median ms",
            "CPU share",
            title="time per article",
        )
        for name in ("fetch", "extract", "tag", "dedupe", "store", "index"):
            if name in stages:
                row = stages[name]
                timing.add_row(
                    name,
                    str(row["count"]),
                    f"{row['median_ms']:.1f}",
                    f"{row['p90_ms']:.1f}",
                    f"{row['cpu_median_ms']:.1f}",
                    f"{row['share']:.0%}",
                )
        console.print(timing)
    for outcome in report.poll.outcomes:
        if outcome.status not in ("ok", "not_modified", "unchanged"):
            errors.print(f"feed {outcome.url}: {outcome.status}: {outcome.error}")
    for line in proc.outcomes[:50]:
        errors.print(f"page {line}")
    if report.index.unavailable:
        errors.print(
            f"{report.index.unavailable}; documents stay queued for the next run or `mediamon reindex`"
        )


def _run_cycle(feeds_file: Path | None, watchlist: Path | None, poll_all: bool, settings=None):
    from mediamon.pipeline.cycle import run_cycle

    settings = settings or _settings()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, int] = {}

        def on_progress(stage: str, advance: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], advance=advance, total=total)

        with _stop_on_ctrl_c() as stop:
            report = run_cycle(settings, feeds_file, watchlist, poll_all, on_progress, stop)
    _print_cycle(report)
    if stop.is_set():
        console.print(
            f"interrupted: {report.process.released} claimed entr(y/ies) handed back for"
            " the next run"
        )
        # Everything is committed; a request still in flight may hold its thread until its
        # read timeout, which a normal exit would wait for.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    return report


@contextlib.contextmanager
def _stop_on_ctrl_c() -> Iterator[threading.Event]:
    """A first Ctrl-C asks the run to stop cleanly (set the event); a second quits at once."""
    stop = threading.Event()

    def on_interrupt(_signum: int, _frame: object) -> None:
        if stop.is_set():
            errors.print("second Ctrl-C: quitting now (claimed entries return to the queue)")
            os._exit(130)  # no clean-up: dead leases are released by the next run
        stop.set()
        errors.print(
            "stopping: nothing more is fetched; pages being extracted are stored and the"
            " rest handed back (Ctrl-C again to quit at once)"
        )

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


@app.command()
def ingest(
    feeds_file: Annotated[
        Path | None, typer.Option(help="feeds to add first (.yaml, .opml or text)")
    ] = None,
    watchlist: Annotated[
        Path | None, typer.Option(help="watchlist YAML (default: MEDIAMON_WATCHLIST)")
    ] = None,
    all_feeds: Annotated[
        bool, typer.Option("--all", help="poll every feed now, due or not")
    ] = False,
) -> None:
    """One complete cycle: poll due feeds, fetch, extract, dedupe, tag, store, index."""
    _run_cycle(feeds_file, watchlist, all_feeds)


@app.command()
def demo() -> None:
    """Serve the fixture newsroom on loopback and run one cycle over its feeds."""
    import dataclasses

    from mediamon.demo.newsroom import ALL_LANGUAGES
    from mediamon.demo.site import FixtureSite, demo_build

    settings = _settings()
    with FixtureSite(demo_build(settings.cache_dir / "newsroom", ALL_LANGUAGES)) as site:
        # The demo site is on loopback: exempt exactly its address from the network guard.
        settings = dataclasses.replace(
            settings, allowed_addresses=settings.allowed_addresses | {site.address}
        )
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as feeds:
            feeds.write("\n".join(site.feed_urls()))
            feeds.flush()
            console.print(f"demo newsroom on {site.base_url} ({len(site.feed_urls())} feeds)")
            _run_cycle(Path(feeds.name), None, True, settings)


@app.command()
def run() -> None:
    """The main job: poll the configured feeds (MEDIAMON_FEEDS_FILE), or the demo when none are configured."""
    settings = _settings()
    if settings.feeds_file.exists():
        console.print(f"feeds from {settings.feeds_file}")
        _run_cycle(settings.feeds_file, None, False, settings)
    else:
        console.print(f"no feed list at {settings.feeds_file}: running the demo newsroom")
        demo()


# -- export / reindex / extract -----------------------------------------------------------
@app.command()
def export(
    format: Annotated[str, typer.Option(help="output format")] = "jsonl",  # noqa: A002
    out: Annotated[
        Path | None, typer.Option(help="file to write (default: standard output)")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="only articles published on or after DATE")
    ] = None,
) -> None:
    """Every stored article, one JSON object per line."""
    from mediamon.store.export import export_articles

    if format != "jsonl":
        raise settings_module.ConfigError(f"unknown export format {format!r} (only jsonl)")
    since_date = _date(since)
    database_url = _settings().require_database()
    if out is None:
        count = export_articles(database_url, sys.stdout, since_date)
    else:
        with _replaced_on_success(out) as stream:
            count = export_articles(database_url, stream, since_date)
    errors.print(f"exported {count} article(s)")


@contextlib.contextmanager
def _replaced_on_success(path: Path) -> Iterator[TextIO]:
    """A temporary file beside `path` that replaces it only once everything is written:
    a failed export leaves the previous file as it was."""
    if not path.parent.is_dir():
        raise settings_module.ConfigError(f"cannot write {path}: no directory {path.parent}")
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with open(descriptor, "w", encoding="utf-8") as stream:
            yield stream
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@app.command()
def reindex(
    since: Annotated[
        str | None, typer.Option(help="only articles published on or after DATE")
    ] = None,
) -> None:
    """Rebuild Elasticsearch documents from PostgreSQL."""
    from mediamon.pipeline.cycle import index_pending
    from mediamon.store.export import requeue

    settings = _settings()
    queued = requeue(settings.require_database(), _date(since))
    report = index_pending(settings)
    if report.unavailable:
        raise _fail(report.unavailable)
    console.print(f"queued {queued}, indexed {report.indexed}, not indexed {report.failed}")


@app.command()
def retag(
    since: Annotated[
        str | None, typer.Option(help="only articles published on or after DATE")
    ] = None,
    watchlist: Annotated[
        Path | None, typer.Option(help="watchlist YAML (default: MEDIAMON_WATCHLIST)")
    ] = None,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="accept a watchlist without groups (removes every tag in the window)",
        ),
    ] = False,
) -> None:
    """Re-tag stored articles with the current watchlist and update both stores."""
    from mediamon.pipeline.cycle import index_pending
    from mediamon.pipeline.maintenance import retag_articles

    settings = _settings()
    with _empty_watchlist_allowance(allow_empty):
        changed, version = retag_articles(
            settings, watchlist or settings.watchlist_path, _since(since)
        )
    report = index_pending(settings)
    console.print(
        f"watchlist version {version}: {changed} article(s) changed tags, indexed {report.indexed}"
    )
    if report.unavailable:
        errors.print(f"{report.unavailable}; documents stay queued")


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help=".html or .html.gz files")],
    format: Annotated[str, typer.Option(help="aeb-json or text")] = "aeb-json",  # noqa: A002
) -> None:
    """Extract article bodies from local HTML files (aeb-json: {file id: {"articleBody": text}}).

    A file's id is its name without .html, .htm, .gz or .html.gz; two files with one id
    are refused before anything is extracted, so no entry silently replaces another.
    """
    import gzip
    import re
    import zlib

    from mediamon.extract.article import decode_html, extract_article

    ids: dict[str, Path] = {}
    for path in paths:
        file_id = re.sub(r"(\.html?)?(\.gz)?$", "", path.name) or path.name
        if file_id in ids:
            raise _fail(
                f"{ids[file_id]} and {path} would both be {file_id!r} in the output;"
                " rename one of them"
            )
        ids[file_id] = path
    results = {}
    for file_id, path in ids.items():
        try:
            raw = path.read_bytes()
            if path.name.endswith(".gz"):
                raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise _fail(f"cannot read {path}: {reason}") from exc
        html, _ = decode_html(raw)
        results[file_id] = {"articleBody": extract_article(html).text}
    if format == "aeb-json":
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        for file_id, value in results.items():
            print(f"== {file_id}\n{value['articleBody']}\n")


def _empty_watchlist_allowance(allow_empty: bool) -> contextlib.AbstractContextManager:
    """Within it, an empty watchlist loads if the user asked for that (`--allow-empty`)."""
    from mediamon.tagging.watchlist import empty_watchlist_allowed

    return empty_watchlist_allowed() if allow_empty else contextlib.nullcontext()


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


def _since(value: str | None) -> datetime | None:
    day = _date(value)
    return datetime.combine(day, time(), UTC) if day else None


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise settings_module.ConfigError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _fail(message: str) -> typer.Exit:
    errors.print(f"error: {message}")
    return typer.Exit(2)


def main() -> None:
    _show_warnings()
    import psycopg

    from mediamon.store.db import describe_failure

    try:
        app()
    except _expected_errors() as exc:
        errors.print(f"error: {exc}")
        sys.exit(2)
    except psycopg.OperationalError as exc:  # the server failed mid-run: not a bug of ours
        errors.print(f"error: {describe_failure(exc)}")
        sys.exit(2)


if __name__ == "__main__":
    main()
