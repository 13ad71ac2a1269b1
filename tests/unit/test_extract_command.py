"""`mediamon extract`: one output entry per file, keyed by its name without .html/.htm/.gz."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

from mediamon.settings import PROJECT_ROOT

PARAGRAPHS = [
    "The harbour authority approved the new ferry terminal on Tuesday after two years of "
    "hearings, and construction is expected to start in the spring.",
    "The terminal will replace the wooden pier built in 1962, which has been closed to "
    "vehicles since a storm damaged its supports last winter.",
    "Local businesses welcomed the decision, saying the closure had cut the number of "
    "summer visitors to the island by almost a third.",
]


def article_page(headline: str) -> bytes:
    body = "".join(f"<p>{headline}: {paragraph}</p>" for paragraph in PARAGRAPHS)
    return (
        f"<html><head><title>{headline}</title></head><body><article><h1>{headline}</h1>"
        f"{body}</article></body></html>"
    ).encode()


def run_extract(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "mediamon"), "extract", *map(str, paths)],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=120,
    )


def test_files_whose_names_differ_after_the_first_dot_keep_their_own_entries(tmp_path):
    first, second = tmp_path / "story.monday.html", tmp_path / "story.tuesday.html"
    first.write_bytes(article_page("Monday"))
    second.write_bytes(article_page("Tuesday"))
    result = run_extract(first, second)
    assert result.returncode == 0, result.stderr
    output = json.loads(result.stdout)
    assert sorted(output) == ["story.monday", "story.tuesday"]
    assert "Monday: The harbour authority" in output["story.monday"]["articleBody"]
    assert "Tuesday: The harbour authority" in output["story.tuesday"]["articleBody"]


def test_only_the_html_htm_and_gz_extensions_leave_the_id(tmp_path):
    pages = {
        "plain.html.gz": gzip.compress(article_page("Gzipped")),
        "short.htm": article_page("Short"),
        "bare.gz": gzip.compress(article_page("Bare")),
        "2019.11.20-ferry.html": article_page("Dated"),
        "notes.txt": article_page("Text"),
    }
    for name, content in pages.items():
        (tmp_path / name).write_bytes(content)
    result = run_extract(*(tmp_path / name for name in pages))
    assert result.returncode == 0, result.stderr
    assert sorted(json.loads(result.stdout)) == [
        "2019.11.20-ferry",
        "bare",
        "notes.txt",
        "plain",
        "short",
    ]


def test_two_files_with_the_same_id_are_refused_in_one_error_line(tmp_path):
    (tmp_path / "monday").mkdir()
    (tmp_path / "tuesday").mkdir()
    first, second = tmp_path / "monday" / "ferry.html", tmp_path / "tuesday" / "ferry.html.gz"
    first.write_bytes(article_page("Monday"))
    second.write_bytes(gzip.compress(article_page("Tuesday")))
    result = run_extract(first, second)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {first} and {second} would both be 'ferry' in the output; rename one of them"
    ]
