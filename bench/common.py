"""Inputs shared by the benchmarks: benchmark pages, synthetic watchlists, timing helpers."""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from mediamon.tagging.watchlist import Watchlist, load_watchlist, parse_watchlist

ROOT = Path(__file__).resolve().parents[1]
# Third-party data is read where it lies, beside the repository, never copied into it.
DATASETS = ROOT.parent / "shared" / "datasets"
AEB_DEFAULT = DATASETS / "article-extraction-benchmark"
AEB_SOURCE = (
    'the public "article-extraction-benchmark" by Scrapinghub/Zyte on GitHub'
    " (a directory with ground-truth.json and html/*.html.gz)"
)
DEFAULT_WATCHLIST = ROOT / "config" / "watchlist.yaml"
_NON_ASCII = re.compile(r"[^\x00-\x7f]{2,}")


def dataset_error(message: str) -> NoReturn:
    """One `error:` line on stderr and exit status 2 (no traceback)."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def missing_dataset(path: Path, what: str, source: str) -> NoReturn:
    dataset_error(f"{what} not found at {path}; get {source} and pass it with --dataset DIR")


def add_dataset_argument(parser: argparse.ArgumentParser, default: Path) -> None:
    parser.add_argument(
        "--dataset", type=Path, default=default, metavar="DIR", help=f"default: {default}"
    )


def is_aeb(path: Path) -> bool:
    return (path / "ground-truth.json").is_file() and (path / "html").is_dir()


def aeb_dir(path: Path) -> Path:
    """`path` if it holds the article-extraction benchmark; otherwise exit 2."""
    if not is_aeb(path):
        missing_dataset(path, "article-extraction benchmark", AEB_SOURCE)
    return path


def aeb_truth(dataset: Path) -> dict[str, dict]:
    return json.loads((dataset / "ground-truth.json").read_text())


def aeb_pages(dataset: Path) -> dict[str, bytes]:
    """Benchmark page id -> raw HTML bytes."""
    return {
        path.name.split(".")[0]: gzip.decompress(path.read_bytes())
        for path in sorted((dataset / "html").glob("*.html.gz"))
    }


def mojibake_runs(text: str) -> int:
    """Runs of non-ASCII characters that are UTF-8 bytes read as windows-1252."""
    count = 0
    for run in _NON_ASCII.findall(text):
        try:
            count += run.encode("cp1252").decode("utf-8") != run
        except UnicodeError:
            continue
    return count


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
