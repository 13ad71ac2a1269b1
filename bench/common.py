"""Inputs shared by the benchmarks: benchmark pages, synthetic watchlists, timing helpers."""

from __future__ import annotations

import gzip
import json
import random
import statistics
import string
import time
from collections.abc import Callable
from pathlib import Path

from mediamon.tagging.watchlist import Watchlist, load_watchlist, parse_watchlist

ROOT = Path(__file__).resolve().parents[1]
AEB_DIR = ROOT / "tests" / "data" / "article-extraction-benchmark"
DEFAULT_WATCHLIST = ROOT / "config" / "watchlist.yaml"


def aeb_truth() -> dict[str, dict]:
    return json.loads((AEB_DIR / "ground-truth.json").read_text())


def aeb_pages() -> dict[str, bytes]:
    """Benchmark page id -> raw HTML bytes."""
    return {
        path.name.split(".")[0]: gzip.decompress(path.read_bytes())
        for path in sorted((AEB_DIR / "html").glob("*.html.gz"))
    }


def synthetic_watchlist(alias_count: int, seed: int = 1) -> Watchlist:
    """The real default watchlist plus synthetic groups up to `alias_count` aliases in all.

    Synthetic aliases are one to four pseudo-words (some in capitals, like acronyms), so
    the automaton is as large and as branchy as a real 10k-50k alias list.
    """
    rng = random.Random(seed)
    real = load_watchlist(DEFAULT_WATCHLIST).as_dict()["groups"]
    count = sum(len(g["aliases"]) + len(g.get("ambiguous", [])) for g in real)
    groups = list(real)
    index = 0
    while count < alias_count:
        aliases = []
        for _ in range(5):
            if rng.random() < 0.2:
                alias = "".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 5)))
            else:
                words = [
                    "".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9)))
                    for _ in range(rng.randint(1, 4))
                ]
                alias = " ".join(w.capitalize() for w in words)
            aliases.append(alias)
        groups.append({"id": f"synthetic-{index}", "name": aliases[0], "aliases": aliases})
        count += len(aliases)
        index += 1
    return parse_watchlist({"groups": groups})


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Wall times of `repeat` calls, in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def summary(times_ms: list[float]) -> dict[str, float]:
    ordered = sorted(times_ms)
    return {
        "median_ms": round(statistics.median(ordered), 4),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 4),
        "mean_ms": round(statistics.fmean(ordered), 4),
    }
