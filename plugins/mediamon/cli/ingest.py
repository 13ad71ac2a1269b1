"""`mediamon ingest`, `demo` and `run`: one ingestion cycle, and how it is shown."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn
from rich.table import Table

from mediamon.cli.common import console, errors, settings
from mediamon.settings import Settings
from mediamon.vocabulary import POLL_SUCCESSES

if TYPE_CHECKING:
    from mediamon.pipeline.cycle import CycleReport


def _print_cycle(report: CycleReport) -> None:
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
        if outcome.status not in POLL_SUCCESSES:
            errors.print(f"feed {outcome.url}: {outcome.status}: {outcome.error}")
    for line in proc.outcomes[:50]:
        errors.print(f"page {line}")
    if report.index.unavailable:
        errors.print(
            f"{report.index.unavailable}; documents stay queued for the next run or `mediamon reindex`"
        )


def _run_cycle(
    feeds_file: Path | None,
    watchlist: Path | None,
    poll_all: bool,
    config: Settings | None = None,
) -> CycleReport:
    from mediamon.pipeline.cycle import run_cycle

    config = config or settings()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        console=console,
        transient=True,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def on_progress(stage: str, advance: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], advance=advance, total=total)

        with _stop_on_ctrl_c() as stop:
            report = run_cycle(config, feeds_file, watchlist, poll_all, on_progress, stop)
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


def demo() -> None:
    """Serve the fixture newsroom on loopback and run one cycle over its feeds."""
    import dataclasses

    from mediamon.demo.newsroom import ALL_LANGUAGES
    from mediamon.demo.site import FixtureSite, demo_build

    config = settings()
    with FixtureSite(demo_build(config.cache_dir / "newsroom", ALL_LANGUAGES)) as site:
        # The demo site is on loopback: exempt exactly its address from the network guard.
        config = dataclasses.replace(
            config, allowed_addresses=config.allowed_addresses | {site.address}
        )
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as feeds:
            feeds.write("\n".join(site.feed_urls()))
            feeds.flush()
            console.print(f"demo newsroom on {site.base_url} ({len(site.feed_urls())} feeds)")
            _run_cycle(Path(feeds.name), None, True, config)


def run() -> None:
    """The main job: poll the configured feeds (MEDIAMON_FEEDS_FILE), or the demo when none are configured."""
    config = settings()
    if config.feeds_file.exists():
        console.print(f"feeds from {config.feeds_file}")
        _run_cycle(config.feeds_file, None, False, config)
    else:
        console.print(f"no feed list at {config.feeds_file}: running the demo newsroom")
        demo()
