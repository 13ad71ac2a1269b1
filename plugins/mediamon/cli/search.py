"""`mediamon search QUERY` (articles from Elasticsearch) and `mediamon index setup` (the
index template and alias, and Kibana's saved objects)."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from mediamon import settings as settings_module
from mediamon.cli.articles import day_window
from mediamon.cli.common import console, errors, fail, settings
from mediamon.search.query import MAX_LIMIT, SearchFilters
from mediamon.search.searching import ArticleHit, ArticleResults, EventResults

index_app = typer.Typer(help="Elasticsearch and Kibana set-up.")
FORMATS = ("table", "jsonl")


@index_app.command("setup")
def index_setup(
    kibana: Annotated[bool, typer.Option(help="also import the Kibana saved objects")] = True,
) -> None:
    """Apply the index template and alias, and import Kibana's saved objects (idempotent)."""
    from mediamon.search.elastic import client
    from mediamon.search.index_setup import ensure_index
    from mediamon.search.kibana import KibanaRefusedObjects, import_saved_objects

    config = settings()
    index = ensure_index(client(config.require_elasticsearch()), config.index)
    console.print(f"index template applied; alias {config.index} -> {index}")
    if kibana:
        try:
            count = import_saved_objects(config.kibana_url, config.index, config.kibana_auth)
        except KibanaRefusedObjects as refused:
            # One line per refused object with Kibana's own reason, printed as is (no markup:
            # reasons hold [brackets]); the objects Kibana accepted are imported.
            for item in refused.refused:
                errors.print(f"error: {item}", markup=False, highlight=False, emoji=False)
            raise typer.Exit(2) from refused
        console.print(f"imported {count} Kibana saved object(s) into {config.kibana_url}")


def search(
    query: Annotated[
        str,
        typer.Argument(
            help='Elasticsearch query string over title and text; "" matches every article',
            show_default=False,
        ),
    ],
    group: Annotated[
        list[str] | None,
        typer.Option(
            help="tracked group id; its affiliates count (isis finds ISIS-K); repeat for any of several"
        ),
    ] = None,
    language: Annotated[
        list[str] | None,
        typer.Option(help="language code (en, ru, ar, ...); repeat for any of several"),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="published on or after DATE (YYYY-MM-DD, UTC)")
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="published on or before DATE (YYYY-MM-DD, the whole day)")
    ] = None,
    originals: Annotated[
        bool, typer.Option("--originals", help="one article per story: leave out copies")
    ] = False,
    events: Annotated[
        bool,
        typer.Option("--events", help="one line per event: its size, languages and first report"),
    ] = False,
    limit: Annotated[
        int,
        typer.Option(
            help=f"at most N lines, 1 to {MAX_LIMIT:,} (one request: Elasticsearch's result window)",
            metavar="N",
        ),
    ] = 20,
    format: Annotated[  # noqa: A002
        str, typer.Option(help="table (for a terminal) or jsonl (one JSON object per line)")
    ] = "table",
) -> None:
    """Search the indexed articles, newest first.

    QUERY is an Elasticsearch query string: every word must match (`Kabul bomb`), "a
    phrase", OR, NOT or -word, title:word, wildc*rd. A query Elasticsearch cannot parse is
    one `error: query: ...` line, exit status 2.

    Articles count in a window by their publication time (the first-seen time when a page
    gave none). --originals keeps each story's earliest article: syndicated, exact and
    near copies are left out. --events shows each event once (its newest matching article
    sets its place) with its first report; the table's URL is the first report's.

    The count of matches goes to standard error; with no match it says so and the exit
    status is 0. jsonl: one object per article (or event) with the indexed fields and
    `highlights`, HTML snippets of the text with the matched words in <em>.
    """
    from mediamon.search.elastic import client
    from mediamon.search.searching import QueryError, search_articles, search_events

    if query.strip() == "setup":  # a script written before the set-up became `index setup`
        errors.print(
            "warning: searching for the word 'setup'; the index set-up is `mediamon index setup`",
            markup=False,
            highlight=False,
        )
    if format not in FORMATS:
        raise settings_module.ConfigError(f"unknown format {format!r} (table or jsonl)")
    if not 1 <= limit <= MAX_LIMIT:
        raise settings_module.ConfigError(f"--limit must be 1 to {MAX_LIMIT}, got {limit}")
    first_day, last_day = day_window(since, until)
    filters = SearchFilters(
        query=query,
        groups=tuple(group or ()),
        languages=tuple(code.strip().lower() for code in language or ()),
        since=first_day,
        until=last_day,
        originals=originals,
    )
    config = settings()
    es = client(config.require_elasticsearch())
    try:
        if events:
            found_events = search_events(es, config.index, filters, limit)
            _print_events(found_events, format)
        else:
            found = search_articles(es, config.index, filters, limit)
            _print_articles(found, format)
    except QueryError as exc:
        raise fail(f"query: {exc}") from exc


def _print_articles(found: ArticleResults, output: str) -> None:
    if output == "jsonl":
        for hit in found.hits:
            _write_json(dataclasses.asdict(hit))
    elif found.hits:
        table = _table(
            ("published", 16), ("lang", 4), ("outlet", -2), ("groups", -2), ("title", -6),
            ("event", 9), ("URL", -5),
        )  # fmt: skip
        for hit in found.hits:
            table.add_row(
                _when(hit), hit.language or "-", _outlet(hit), ",".join(hit.groups) or "-",
                hit.title or "", _event(hit), hit.url,
            )  # fmt: skip
        console.print(table)
    _summary(len(found.hits), found.total, "article")


def _print_events(found: EventResults, output: str) -> None:
    if output == "jsonl":
        for event in found.hits:
            _write_json(
                {
                    "event_id": event.event_id,
                    "event_size": event.event_size,
                    "event_languages": event.event_languages,
                    "latest": dataclasses.asdict(event.latest),
                    "first_report": dataclasses.asdict(event.first_report),
                }
            )
    elif found.hits:
        table = _table(
            ("event", 6), ("size", 4), ("languages", -2), ("latest", 16), ("first report", 16),
            ("outlet", -2), ("title", -6), ("URL", -5),
        )  # fmt: skip
        for event in found.hits:
            first = event.first_report
            table.add_row(
                str(event.event_id), str(event.event_size), ",".join(event.event_languages),
                _when(event.latest), _when(first), _outlet(first), first.title or "", first.url,
            )  # fmt: skip
        console.print(table)
    _summary(len(found.hits), found.total, "event", approximate=found.total > 3000)
    if found.outside_events:
        errors.print(
            f"{found.outside_events} matching article(s) belong to no event yet: they are"
            " listed without --events",
            markup=False,
            highlight=False,
        )


def _table(*columns: tuple[str, int]) -> Table:
    """One line per row, as wide as the terminal; long cells end in an ellipsis (jsonl has
    them whole). A column is (name, width) when positive, else (name, -share): it takes
    that share of the width the set columns leave."""
    table = Table(box=None, pad_edge=False, header_style="bold", expand=True)
    for name, size in columns:
        table.add_column(
            name,
            no_wrap=True,
            overflow="ellipsis",
            width=size if size > 0 else None,
            ratio=-size if size < 0 else None,
            min_width=None if size > 0 else 4,
        )
    return table


def _when(hit: ArticleHit) -> str:
    """Publication time in UTC to the minute (the first-seen time if none)."""
    value = hit.published_at or hit.first_seen_at
    if not value:
        return "-"
    return f"{datetime.fromisoformat(value).astimezone(UTC):%Y-%m-%d %H:%M}"


def _outlet(hit: ArticleHit) -> str:
    """The outlet's own name when its pages give one (jsonl has the domain, `source`)."""
    return hit.site_name or hit.source


def _event(hit: ArticleHit) -> str:
    return f"{hit.event_id} ({hit.event_size})" if hit.event_id is not None else "-"


def _write_json(value: dict) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")


def _summary(shown: int, total: int, noun: str, approximate: bool = False) -> None:
    """The count of matches, on standard error (standard output holds only the results)."""
    if total == 0:
        message = f"no matching {noun}s"
    else:
        about = "about " if approximate else ""
        message = f"{shown} of {about}{total:,} matching {noun}(s)"
    errors.print(message, markup=False, highlight=False)
