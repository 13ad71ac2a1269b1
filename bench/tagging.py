"""Tagging speed: one ~600-word article against 10,000 and 50,000 aliases.

    python -m bench.tagging [--json] [--dataset DIR]

Target (tagging issue): under 1 ms per 600-word article at 10,000 aliases.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.common import (
    AEB_DEFAULT,
    add_dataset_argument,
    aeb_dir,
    aeb_truth,
    summary,
    synthetic_watchlist,
    timed,
)
from mediamon.tagging.matcher import Tagger

WORDS_PER_ARTICLE = 600


def articles(dataset: Path, count: int = 60) -> list[str]:
    """Benchmark bodies cut or repeated to about 600 words each."""
    bodies = [
        v["articleBody"] for v in aeb_truth(dataset).values() if len(v["articleBody"].split()) > 200
    ]
    out = []
    for body in bodies[:count]:
        words = body.split()
        while len(words) < WORDS_PER_ARTICLE:
            words += words
        out.append(" ".join(words[:WORDS_PER_ARTICLE]))
    return out


def run(dataset: Path) -> dict:
    texts = articles(dataset)
    results = {}
    for alias_count in (10_000, 50_000):
        watchlist = synthetic_watchlist(alias_count)
        started = time.perf_counter()
        tagger = Tagger(watchlist, version=1)
        build_s = time.perf_counter() - started
        times = []
        for text in texts:
            times += timed(lambda t=text, tg=tagger: tg.tag("A headline", t), repeat=20)
        results[f"aliases_{alias_count}"] = {"build_s": round(build_s, 3), **summary(times)}
    return {"articles": len(texts), "words_per_article": WORDS_PER_ARTICLE, **results}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_dataset_argument(parser, AEB_DEFAULT)
    args = parser.parse_args()
    result = run(aeb_dir(args.dataset))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['articles']} articles of {result['words_per_article']} words")
    for key in ("aliases_10000", "aliases_50000"):
        row = result[key]
        print(
            f"{key:>15}: automaton built in {row['build_s']} s; tag median {row['median_ms']} ms, p90 {row['p90_ms']} ms"
        )


if __name__ == "__main__":
    main()
