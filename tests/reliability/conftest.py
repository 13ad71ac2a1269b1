"""Fixtures of the reliability suite: hostile sites, tight limits, and a per-case measurement.

Each case's wall time and peak memory (resident set of the test process and its children,
sampled every 20 ms, above the level when the case started) go to
`.mediamon/reliability-report.jsonl` and to a table at the end of the run.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import threading
import time

import psutil
import pytest

from hostile import HostileSite, gzip_bomb
from limits import TIGHT_FETCH
from mediamon.settings import PROJECT_ROOT

REPORT = PROJECT_ROOT / ".mediamon" / "reliability-report.jsonl"
_ROWS: list[dict] = []


def _rss_tree(process: psutil.Process) -> int:
    """Our resident set plus the memory unique to each child (forked workers share pages)."""
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += child.memory_full_info().uss
    return total


@pytest.fixture(scope="session", autouse=True)
def gzip_bomb_ready():
    """Build the 1 GiB bomb once, before any case is measured."""
    gzip_bomb()


@pytest.fixture(autouse=True)
def measured(request, gzip_bomb_ready):
    process = psutil.Process()
    baseline = _rss_tree(process)
    peak = [baseline]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            with contextlib.suppress(psutil.Error):
                peak[0] = max(peak[0], _rss_tree(process))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    yield
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    row = {
        "case": request.node.name,
        "seconds": round(elapsed, 2),
        "peak_extra_mib": round((peak[0] - baseline) / 2**20, 1),
    }
    _ROWS.append(row)
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    with REPORT.open("a") as report:
        report.write(json.dumps(row) + "\n")


def pytest_terminal_summary(terminalreporter):
    if not _ROWS:
        return
    terminalreporter.section("reliability cases: wall time and peak extra memory")
    for row in _ROWS:
        terminalreporter.write_line(
            f"{row['case']:<75} {row['seconds']:>6.2f} s {row['peak_extra_mib']:>7.1f} MiB"
        )


@pytest.fixture
def sites():
    """Three hostile sites (three hosts for mediamon) and an internal service to protect."""
    started = [HostileSite().start() for _ in range(4)]
    yield started
    for site in started:
        site.stop()


@pytest.fixture
def hostile_settings(clean_stack, sites):
    """Tight limits; the guard lets through the first three sites only (not the fourth)."""
    allowed = frozenset(site.address for site in sites[:3])
    return dataclasses.replace(
        clean_stack, fetch=TIGHT_FETCH, allowed_addresses=allowed, extract_timeout_s=3.0, workers=1
    )
