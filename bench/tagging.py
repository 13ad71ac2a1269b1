"""Tagging speed and memory: ~600-word articles against 10,000 and 50,000 base aliases.

    python -m bench.tagging [--json] [--dataset DIR]

Two watchlists of 50,000 base aliases: the Latin-script synthetic one (as before the
multilingual matcher, comparable), and a multilingual one (half Latin, a quarter Cyrillic
and a quarter Arabic-script names, expanded into their inflected forms and spellings when
the watchlist compiles). Articles: the extraction benchmark's English bodies, and the demo
newsroom's articles of each other language, cut or repeated to 600 words.
Times are wall and CPU milliseconds per tag() call (CPU time is steadier on a shared
machine, where wall time includes waits for the processor).
Memory: the compiled tagger as a worker holds it (a fresh process that unpickles the
cached tagger: its RSS growth, and its peak RSS after tagging every article), and the
peak RSS of a process that compiles the watchlist (a cache miss).
Targets (multilingual issue): tag median <= 1 ms per 600-word article at 50,000 base
aliases; peak RSS per worker <= 300 MiB.
"""

from __future__ import annotations

import argparse
import json
import pickle
import random
import string
import subprocess
import sys
import tempfile
import time
from functools import partial
from importlib import resources
from pathlib import Path

import yaml

from bench.common import (
    AEB_DEFAULT,
    DEFAULT_WATCHLIST,
    add_dataset_argument,
    aeb_dir,
    aeb_truth,
    summary,
    synthetic_watchlist,
    timed,
)
from mediamon.tagging.matcher import Tagger
from mediamon.tagging.watchlist import Watchlist, load_watchlist, parse_watchlist

WORDS_PER_ARTICLE = 600
BASE_ALIASES = 50_000
_CYRILLIC = "абвгдежзиклмнопрстуфхцчшэюя"
_ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def _cut(body: str) -> str:
    words = body.split()
    while len(words) < WORDS_PER_ARTICLE:
        words += words
    return " ".join(words[:WORDS_PER_ARTICLE])


def articles(dataset: Path, count: int = 60) -> list[str]:
    """Benchmark bodies cut or repeated to about 600 words each."""
    bodies = [
        v["articleBody"] for v in aeb_truth(dataset).values() if len(v["articleBody"].split()) > 200
    ]
    return [_cut(body) for body in bodies[:count]]


def demo_articles() -> dict[str, list[str]]:
    """The demo newsroom's non-English articles by language, cut to about 600 words."""
    by_language: dict[str, list[str]] = {}
    folder = resources.files("mediamon.demo") / "articles"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for item in yaml.safe_load(entry.read_text(encoding="utf-8")) or []:
            if item["language"] != "en":
                by_language.setdefault(item["language"], []).append(_cut(str(item["body"])))
    return by_language


def _pseudo_name(rng: random.Random, letters: str, capitalised: bool) -> str:
    words = ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(rng.randint(1, 3))]
    return " ".join(w.capitalize() for w in words) if capitalised else " ".join(words)


def multilingual_watchlist(alias_count: int, seed: int = 1) -> Watchlist:
    """The default watchlist plus synthetic groups up to `alias_count` base aliases: half
    Latin (a fifth of them acronyms), a quarter Cyrillic, a quarter Arabic script."""
    rng = random.Random(seed)
    real = load_watchlist(DEFAULT_WATCHLIST).as_dict()["groups"]
    count = sum(
        len(g["aliases"])
        + len(g.get("ambiguous", []))
        + sum(len(v) for v in g.get("language_aliases", {}).values())
        for g in real
    )
    groups = list(real)
    index = 0
    while count < alias_count:
        aliases = []
        for _ in range(4):
            draw = rng.random()
            if draw < 0.1:
                aliases.append("".join(rng.choices(string.ascii_uppercase, k=rng.randint(3, 5))))
            elif draw < 0.5:
                aliases.append(_pseudo_name(rng, string.ascii_lowercase, True))
            elif draw < 0.75:
                aliases.append(_pseudo_name(rng, _CYRILLIC, rng.random() < 0.8))
            else:
                prefix = "ال" if rng.random() < 0.3 else ""
                aliases.append(prefix + _pseudo_name(rng, _ARABIC, False))
        groups.append({"id": f"synthetic-{index}", "name": aliases[0], "aliases": aliases})
        count += len(aliases)
        index += 1
    return parse_watchlist({"groups": groups})


# VmHWM, not ru_maxrss: a child's ru_maxrss starts from the parent's peak (Linux keeps it
# across fork and exec); VmHWM is the high-water mark of this process's own memory.
_PEAK = """
def peak_mib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
"""

_WORKER = (
    _PEAK
    + """
import json, pickle, sys
import psutil
from mediamon.tagging.matcher import Tagger
process = psutil.Process()
before = process.memory_info().rss
with open(sys.argv[1], "rb") as cached:
    tagger = pickle.load(cached)
loaded = process.memory_info().rss
for language, text in json.load(open(sys.argv[2])):
    tagger.tag("A headline", text, language=language)
print(json.dumps({
    "tagger_rss_mib": round((loaded - before) / 2**20, 1),
    "worker_peak_rss_mib": peak_mib(),
}))
"""
)


def worker_memory(tagger: Tagger, texts: list[tuple[str, str]]) -> dict:
    """What a worker that loads the cached tagger holds: its RSS growth and peak RSS."""
    with tempfile.TemporaryDirectory() as scratch:
        pickled = Path(scratch) / "tagger.pickle"
        with pickled.open("wb") as out:
            pickle.dump(tagger, out, protocol=pickle.HIGHEST_PROTOCOL)
        articles_path = Path(scratch) / "articles.json"
        articles_path.write_text(json.dumps(texts))
        finished = subprocess.run(
            [sys.executable, "-c", _WORKER, str(pickled), str(articles_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(finished.stdout)
        result["pickle_mib"] = round(pickled.stat().st_size / 2**20, 1)
    return result


_COMPILER = (
    _PEAK
    + """
import json, sys
sys.path.insert(0, sys.argv[1])
from bench.tagging import multilingual_watchlist
from mediamon.tagging.matcher import Tagger
Tagger(multilingual_watchlist(int(sys.argv[2])), version=1)
print(json.dumps({"compile_peak_rss_mib": peak_mib()}))
"""
)


def compile_memory(alias_count: int) -> dict:
    """Peak RSS of a process that compiles the multilingual watchlist (a cache miss)."""
    root = str(Path(__file__).resolve().parents[1])
    finished = subprocess.run(
        [sys.executable, "-c", _COMPILER, root, str(alias_count)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(finished.stdout.strip().splitlines()[-1])


def _cpu_timed(call: partial, repeat: int) -> list[float]:
    """CPU milliseconds of `repeat` calls (steadier than wall time on a shared machine)."""
    times = []
    for _ in range(repeat):
        started = time.process_time()
        call()
        times.append((time.process_time() - started) * 1000)
    return times


def _timings(tagger: Tagger, texts: list[str], language: str | None, repeat: int) -> dict:
    wall: list[float] = []
    cpu: list[float] = []
    for text in texts:
        call = partial(tagger.tag, "A headline", text, language=language)
        wall += timed(call, repeat)
        cpu += _cpu_timed(call, repeat)
    cpu_summary = summary(cpu)
    return {
        **summary(wall),
        "cpu_median_ms": cpu_summary["median_ms"],
        "cpu_p90_ms": cpu_summary["p90_ms"],
    }


def run(dataset: Path) -> dict:
    english = articles(dataset)
    others = demo_articles()
    results: dict = {"articles": len(english), "words_per_article": WORDS_PER_ARTICLE}
    for alias_count in (10_000, 50_000):
        watchlist = synthetic_watchlist(alias_count)
        started = time.perf_counter()
        tagger = Tagger(watchlist, version=1)
        build_s = time.perf_counter() - started
        results[f"aliases_{alias_count}"] = {
            "build_s": round(build_s, 3),
            "keys": tagger.keys,
            **_timings(tagger, english, "en", 20),
        }
    watchlist = multilingual_watchlist(BASE_ALIASES)
    started = time.perf_counter()
    tagger = Tagger(watchlist, version=1)
    build_s = time.perf_counter() - started
    by_language = {"en": _timings(tagger, english, "en", 10)}
    for language, texts in sorted(others.items()):
        by_language[language] = _timings(tagger, texts, language, 10)
    all_texts = [("en", t) for t in english] + [
        (lang, t) for lang, ts in others.items() for t in ts
    ]
    results["multilingual_50000"] = {
        "build_s": round(build_s, 3),
        "keys": tagger.keys,
        "by_language": by_language,
        **worker_memory(tagger, all_texts),
        **compile_memory(BASE_ALIASES),
    }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_dataset_argument(parser, AEB_DEFAULT)
    args = parser.parse_args()
    result = run(aeb_dir(args.dataset))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['articles']} English articles of {result['words_per_article']} words")
    for key in ("aliases_10000", "aliases_50000"):
        row = result[key]
        print(
            f"{key:>15} (Latin): {row['keys']} keys, built in {row['build_s']} s;"
            f" tag median {row['median_ms']} ms, p90 {row['p90_ms']} ms;"
            f" CPU median {row['cpu_median_ms']} ms, p90 {row['cpu_p90_ms']} ms"
        )
    row = result["multilingual_50000"]
    print(
        f"multilingual 50,000 base aliases: {row['keys']} keys after expansion,"
        f" built in {row['build_s']} s"
    )
    for language, timing in row["by_language"].items():
        print(
            f"   {language}: tag median {timing['median_ms']} ms, p90 {timing['p90_ms']} ms;"
            f" CPU median {timing['cpu_median_ms']} ms, p90 {timing['cpu_p90_ms']} ms"
        )
    print(
        f"compiled watchlist per worker: {row['tagger_rss_mib']} MiB RSS"
        f" ({row['pickle_mib']} MiB pickled); worker peak RSS {row['worker_peak_rss_mib']} MiB;"
        f" compiling process peak RSS {row['compile_peak_rss_mib']} MiB (target <= 300)"
    )


if __name__ == "__main__":
    main()
