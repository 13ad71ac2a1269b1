"""Extraction quality on trafilatura's evaluation pages (must-have and must-not snippets).

The dataset (`evaldata.json` and `pages/NAME.gz`) is scored as its README says: whitespace
collapsed in the text and in each snippet; a must-have snippet found is a true positive,
missing a false negative; a must-not snippet found is a false positive, absent a true
negative; precision = tp / (tp + fp), recall = tp / (tp + fn), F1 of the two, over all
pages. The leak rate is the share of must-not snippets found. mediamon decodes the page
(`decode_html`) and extracts it (`extract_article`); trafilatura gets the page's bytes and
default options, as in the README's reference figures. A page that raised or timed out
counts as nothing extracted. Languages are the pages' own `<html lang>` (mediamon's
`page_language`). Texts showing UTF-8 read as windows-1252 are counted as mojibake.
"""

from __future__ import annotations

import gzip
import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from bench.common import mojibake_runs
from bench.guard import Outcome, guarded_map
from mediamon.extract.article import decode_html, extract_article, page_language

EXTRACTORS = ("mediamon", "trafilatura_default")
TIMEOUT_S = 120.0
MEMORY_MIB = 2048
_SPACE = re.compile(r"\s+")
MOJIBAKE_MIN_RUNS = 3


@dataclass(frozen=True)
class Page:
    url: str
    path: Path
    must: list[str]
    must_not: list[str]


def is_evaldata(path: Path) -> bool:
    return (path / "evaldata.json").is_file() and (path / "pages").is_dir()


def load(dataset: Path) -> list[Page]:
    labels = json.loads((dataset / "evaldata.json").read_text())
    return [
        Page(url, dataset / "pages" / f"{item['file']}.gz", item["with"], item["without"])
        for url, item in labels.items()
    ]


def _extract(job: tuple[str, str]) -> tuple[str, str | None, float]:
    """(text, page language, CPU seconds of the extraction) for one page and extractor."""
    extractor, path = job
    body = gzip.decompress(Path(path).read_bytes())
    started = time.process_time()
    if extractor == "mediamon":
        text = extract_article(decode_html(body)[0]).text
    else:
        text = trafilatura.extract(body) or ""
    cpu_s = time.process_time() - started
    return text, page_language(decode_html(body)[0]), cpu_s


def _normalised(text: str) -> str:
    return _SPACE.sub(" ", text)


def _counts(page: Page, text: str) -> dict[str, int]:
    text = _normalised(text)
    found = sum(_normalised(snippet) in text for snippet in page.must)
    leaked = sum(_normalised(snippet) in text for snippet in page.must_not)
    return {
        "tp": found,
        "fn": len(page.must) - found,
        "fp": leaked,
        "tn": len(page.must_not) - leaked,
    }


def _rates(counts: dict[str, int]) -> dict[str, float]:
    tp, fn, fp, tn = (counts[key] for key in ("tp", "fn", "fp", "tn"))
    recall = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "recall": round(recall, 4),
        "leak_rate": round(fp / (fp + tn) if fp + tn else 0.0, 4),
        "precision": round(precision, 4),
        "f1": round(f1, 4),
    }


def _score(pages: list[Page], outcomes: list[Outcome]) -> dict:
    totals = dict.fromkeys(("tp", "fn", "fp", "tn"), 0)
    empty, failed, mojibake, cpu_s = 0, [], [], 0.0
    for page, outcome in zip(pages, outcomes, strict=True):
        text = ""
        if outcome.error:
            failed.append({"url": page.url, "error": outcome.error, "detail": outcome.detail})
        else:
            text, _language, seconds = outcome.value
            cpu_s += seconds
        empty += not text.strip()
        if mojibake_runs(text) >= MOJIBAKE_MIN_RUNS:
            mojibake.append(page.path.name)
        for key, value in _counts(page, text).items():
            totals[key] += value
    done = len(pages) - len(failed)
    return {
        **_rates(totals),
        **totals,
        "pages": len(pages),
        "pages_empty": empty,
        "pages_failed": len(failed),
        "pages_mojibake": len(mojibake),
        "failures": failed,
        "mojibake": mojibake,
        "cpu_ms_per_page": round(cpu_s * 1000 / done, 1) if done else None,
    }


def _by_language(pages: list[Page], results: dict[str, list[Outcome]]) -> dict[str, dict]:
    """Pages and snippet recall of each extractor per page language."""
    counts: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: {name: dict.fromkeys(("tp", "fn", "fp", "tn"), 0) for name in EXTRACTORS}
    )
    pages_per: dict[str, int] = defaultdict(int)
    for index, page in enumerate(pages):
        known = [results[name][index] for name in EXTRACTORS if not results[name][index].error]
        language = (known[0].value[1] if known else None) or "unknown"
        pages_per[language] += 1
        for name in EXTRACTORS:
            outcome = results[name][index]
            text = "" if outcome.error else outcome.value[0]
            for key, value in _counts(page, text).items():
                counts[language][name][key] += value
    ordered = sorted(pages_per, key=lambda lang: (-pages_per[lang], lang))
    return {
        language: {
            "pages": pages_per[language],
            **{f"recall_{name}": _rates(counts[language][name])["recall"] for name in EXTRACTORS},
        }
        for language in ordered
    }


def run(dataset: Path, workers: int = 2) -> dict:
    pages = load(dataset)
    results = {
        name: guarded_map(
            _extract,
            [(name, str(page.path)) for page in pages],
            timeout_s=TIMEOUT_S,
            memory_mib=MEMORY_MIB,
            workers=workers,
        )
        for name in EXTRACTORS
    }
    return {
        "dataset": "trafilatura-evaldata",
        "pages": len(pages),
        "snippets_with": sum(len(page.must) for page in pages),
        "snippets_without": sum(len(page.must_not) for page in pages),
        **{name: _score(pages, results[name]) for name in EXTRACTORS},
        "by_language": _by_language(pages, results),
    }


def table(result: dict, languages: int = 12) -> str:
    """The figures side by side, then recall for the most frequent page languages."""
    rows = [
        ("snippet recall", "recall"),
        ("leak rate", "leak_rate"),
        ("precision", "precision"),
        ("F1", "f1"),
        ("pages", "pages"),
        ("pages with no text", "pages_empty"),
        ("pages failed (raised/guard)", "pages_failed"),
        ("pages with mojibake", "pages_mojibake"),
        ("CPU ms per page", "cpu_ms_per_page"),
    ]
    lines = [
        f"{result['pages']} pages, {result['snippets_with']} must-have and "
        f"{result['snippets_without']} must-not snippets",
        f"{'':<30}{'mediamon':>12}{'trafilatura':>14}",
    ]
    for label, key in rows:
        lines.append(
            f"{label:<30}{result['mediamon'][key]!s:>12}{result['trafilatura_default'][key]!s:>14}"
        )
    lines += ["", f"{'recall by <html lang>':<24}{'pages':>6}{'mediamon':>12}{'trafilatura':>14}"]
    by_language = list(result["by_language"].items())
    for language, row in by_language[:languages]:
        lines.append(
            f"{language:<24}{row['pages']:>6}{row['recall_mediamon']:>12}"
            f"{row['recall_trafilatura_default']:>14}"
        )
    if len(by_language) > languages:
        rest = [row["pages"] for _language, row in by_language[languages:]]
        lines.append(f"({len(rest)} more languages, {sum(rest)} pages: see --json)")
    for name in EXTRACTORS:
        for failure in result[name]["failures"]:
            lines.append(f"{name} failed: {failure['url']}: {failure['error']} {failure['detail']}")
        for file in result[name]["mojibake"]:
            lines.append(f"{name} mojibake: pages/{file}")
    return "\n".join(lines)
