"""Feed parsing against feedparser, on the feedparser project's test feeds.

    python -m bench.feeds [--dataset DIR] [--json]

Every file of the corpus (by default ../shared/datasets/feedparser-tests beside the
repository) goes through mediamon's `parse_feed` as poll.py calls it (the body and the
Content-Type that the file's `Header:` comments say the test server sends) and through
plain `feedparser.parse` on the same bytes and header. `parse_feed` also gets, where it
takes one, a base URL: where feedparser's own test server serves the file. feedparser gets
none (a base changes link values, which are not compared, and a Content-Location header
without a Content-Type would make it flag every file). Files are given as stored:
compression/ holds bodies that the Fetcher would decompress first. Each parse runs in a
worker process bounded in time and memory (bench.guard). Reported: outcomes as poll.py
records them, refusals by reason, entries, where mediamon keeps less than feedparser reads,
mojibake in mediamon's titles, and anything mediamon raised besides FeedRejected (exit
status 1 if so).
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
from pathlib import Path

import feedparser

from bench.common import DATASETS, add_dataset_argument, dataset_error, missing_dataset
from bench.feeds_report import compare, table
from bench.guard import guarded_map
from mediamon.feeds.parse import FeedRejected, parse_feed

DEFAULT = DATASETS / "feedparser-tests"
SOURCE = (
    "the tests/ directory of the feedparser project on GitHub (tag 6.0.x: wellformed/,"
    " illformed/, encoding/, ...)"
)
TIMEOUT_S = 10.0
MEMORY_MIB = 512
# Where feedparser's test suite serves the corpus (its expected links resolve against it).
BASE_URL = "http://127.0.0.1:8097/tests/"
_TAKES_BASE_URL = "base_url" in inspect.signature(parse_feed).parameters
_HEADER = re.compile(rb"^\s*Header:\s*([A-Za-z-]+)\s*:\s*(.*?)\s*$", re.MULTILINE)


def feed_files(dataset: Path) -> list[Path]:
    """The corpus's files (the top level holds only its README and LICENSE)."""
    return sorted(path for path in dataset.rglob("*") if path.is_file() and path.parent != dataset)


def served_content_type(path: Path) -> str | None:
    """The Content-Type a `Header:` comment at the top of the file gives, if any."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    for name, value in _HEADER.findall(head):
        if name.lower() == b"content-type":
            return value.decode("latin-1")
    return None


def mediamon_outcome(job: tuple[str, str | None, str]) -> dict:
    """What poll.py records for the body: ok (with its notes) or parse_error (reason)."""
    path, content_type, base_url = job
    extra = {"base_url": base_url} if _TAKES_BASE_URL else {}
    try:
        parsed = parse_feed(Path(path).read_bytes(), content_type, **extra)
    except FeedRejected as exc:
        return {"status": "parse_error", "error": str(exc)}
    return {
        "status": "ok",
        "entries": len(parsed.entries),
        "skipped": parsed.skipped,
        "malformed": parsed.malformed,
        "titles": [parsed.title, *(entry.title for entry in parsed.entries)],
    }


def _has_link(entry: dict) -> bool:
    return bool(entry.get("link")) or any(
        isinstance(link, dict) and link.get("href") for link in entry.get("links") or []
    )


def feedparser_outcome(job: tuple[str, str | None, str]) -> dict:
    path, content_type, _base_url = job
    headers = {"content-type": content_type} if content_type else None
    raw = feedparser.parse(Path(path).read_bytes(), response_headers=headers)
    entries = raw.get("entries", [])
    return {
        "entries": len(entries),
        "linked": sum(_has_link(entry) for entry in entries),
        "version": raw.get("version") or None,
        "bozo": type(raw.get("bozo_exception")).__name__ if raw.get("bozo") else None,
        "titles": [raw.get("feed", {}).get("title"), *(entry.get("title") for entry in entries)],
    }


def run(dataset: Path, workers: int = 2) -> dict:
    files = feed_files(dataset)
    names = [path.relative_to(dataset).as_posix() for path in files]
    jobs = [
        (str(path), served_content_type(path), BASE_URL + name)
        for path, name in zip(files, names, strict=True)
    ]
    bounds = {"timeout_s": TIMEOUT_S, "memory_mib": MEMORY_MIB, "workers": workers}
    mediamon = guarded_map(mediamon_outcome, jobs, **bounds)
    plain = guarded_map(feedparser_outcome, jobs, **bounds)
    return {**compare(names, mediamon, plain), "base_url_given": _TAKES_BASE_URL}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object as the last line")
    add_dataset_argument(parser, DEFAULT)
    args = parser.parse_args()
    if not args.dataset.is_dir():
        missing_dataset(args.dataset, "feedparser test feeds", SOURCE)
    if not (args.dataset / "wellformed").is_dir():
        dataset_error(f"{args.dataset} has no wellformed/ directory: not feedparser's tests")
    result = run(args.dataset)
    print(json.dumps(result) if args.json else table(result))
    if result["exceptions"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
