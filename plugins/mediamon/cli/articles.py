"""`mediamon export`, `reindex`, `retag` and `extract`: stored articles, and local pages."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, TextIO

import typer

from mediamon import settings as settings_module
from mediamon.cli.common import (
    console,
    empty_watchlist_allowance,
    errors,
    fail,
    parse_date,
    parse_since,
    settings,
)


def export(
    format: Annotated[str, typer.Option(help="output format")] = "jsonl",  # noqa: A002
    out: Annotated[
        Path | None, typer.Option(help="file to write (default: standard output)")
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="only articles published on or after DATE")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(help="only articles published on or before DATE (the whole day)"),
    ] = None,
    group: Annotated[
        list[str] | None,
        typer.Option(
            help="only articles tagged with this group or one of its affiliates (its id);"
            " repeat for any of several"
        ),
    ] = None,
    originals: Annotated[
        bool,
        typer.Option("--originals", help="one article per story: leave out copies"),
    ] = False,
) -> None:
    """Stored articles, one JSON object per line, by id.

    Dates are YYYY-MM-DD (UTC days); an article counts by its publication time, or its
    first-seen time when it has none. --group isis also exports articles about ISIS-K
    (the tagger records each group's parents). --originals keeps each story's earliest
    article (syndicated, exact and near copies are left out). With --out the file is
    replaced only when the export is complete.
    """
    from mediamon.store.export import ExportFilters, export_articles

    if format != "jsonl":
        raise settings_module.ConfigError(f"unknown export format {format!r} (only jsonl)")
    first_day, last_day = day_window(since, until)
    filters = ExportFilters(
        since=first_day, until=last_day, groups=tuple(group or ()), originals=originals
    )
    database_url = settings().require_database()
    if out is None:
        count = export_articles(database_url, sys.stdout, filters)
    else:
        with _replaced_on_success(out) as stream:
            count = export_articles(database_url, stream, filters)
    errors.print(f"exported {count} article(s)")


def day_window(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    """--since and --until as days (the one date parser of the command line); a window
    that ends before it starts is refused rather than answered with nothing."""
    first_day, last_day = parse_date(since), parse_date(until)
    if first_day and last_day and first_day > last_day:
        raise settings_module.ConfigError(
            f"--since {first_day} is after --until {last_day}: the window is empty"
        )
    return first_day, last_day


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


def reindex(
    since: Annotated[
        str | None, typer.Option(help="only articles published on or after DATE")
    ] = None,
) -> None:
    """Rebuild Elasticsearch documents from PostgreSQL."""
    from mediamon.pipeline.cycle import index_pending
    from mediamon.store.export import requeue

    config = settings()
    queued = requeue(config.require_database(), parse_date(since))
    report = index_pending(config)
    if report.unavailable:
        raise fail(report.unavailable)
    console.print(f"queued {queued}, indexed {report.indexed}, not indexed {report.failed}")


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

    config = settings()
    with empty_watchlist_allowance(allow_empty):
        changed, version = retag_articles(
            config, watchlist or config.watchlist_path, parse_since(since)
        )
    report = index_pending(config)
    console.print(
        f"watchlist version {version}: {changed} article(s) changed tags, indexed {report.indexed}"
    )
    if report.unavailable:
        errors.print(f"{report.unavailable}; documents stay queued")


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
            raise fail(
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
            raise fail(f"cannot read {path}: {reason}") from exc
        html, _ = decode_html(raw)
        results[file_id] = {"articleBody": extract_article(html).text}
    if format == "aeb-json":
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        for file_id, value in results.items():
            print(f"== {file_id}\n{value['articleBody']}\n")
