"""Story clustering cost with 1,000 and with 1,000,000 stored signatures.

    python -m bench.dedup [--json] [--large 1000000] [--dataset DIR]

Needs the local stack (`mediamon stack up`). Works in its own database on the same server
(`<database>_bench_dedup`, dropped at the end). Real benchmark bodies are stored first;
then each probe (an excerpt, a copy-edited copy, or an unrelated story) is clustered in a
transaction that is rolled back, so the archive size stays fixed while we time it. The
archive is padded with synthetic signatures generated server-side (random LSH buckets:
unrelated stories), so the lookup has to find its way through them.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import archive
from bench.common import AEB_DEFAULT, add_dataset_argument, aeb_dir, aeb_truth, summary
from mediamon import settings as settings_module
from mediamon.dedup.clusters import dedupe_article
from mediamon.store import db

STORED = 100
PROBES = 100


def _store(conn, url: str, title: str, text: str, settings) -> int:
    article_id = conn.execute(
        "INSERT INTO articles (canonical_url, url, source, title, text, published_at)"
        " VALUES (%s, %s, %s, %s, %s, now()) RETURNING id",
        (url, url, urlsplit(url).hostname, title, text),
    ).fetchone()["id"]
    dedupe_article(conn, article_id, urlsplit(url).hostname, url, None, title, text, settings.dedup)
    return article_id


def _probe_texts(bodies: list[str], rng: random.Random) -> list[str]:
    probes = []
    for i in range(PROBES):
        paragraphs = [p for p in bodies[i % STORED].splitlines() if p.strip()]
        kind = i % 3
        if kind == 0:  # excerpt: the first paragraphs
            probes.append("\n".join(paragraphs[: max(1, len(paragraphs) // 3)]))
        elif kind == 1:  # light copy-edit
            probes.append("\n".join(p.replace(" said ", " stated ") for p in paragraphs))
        else:  # an unrelated story
            probes.append(bodies[STORED + (i % (len(bodies) - STORED))])
    rng.shuffle(probes)
    return probes


def _time_probes(database_url: str, probes: list[str], settings) -> list[float]:
    times = []
    with db.connect(database_url) as conn:
        for i, text in enumerate(probes):
            with conn.transaction(force_rollback=True):
                url = f"https://probe.example/{i}"
                article_id = conn.execute(
                    "INSERT INTO articles (canonical_url, url, source, title, text, published_at)"
                    " VALUES (%s, %s, 'probe.example', 'Probe', %s, now()) RETURNING id",
                    (url, url, text),
                ).fetchone()["id"]
                started = time.perf_counter()
                dedupe_article(
                    conn, article_id, "probe.example", url, None, "Probe", text, settings.dedup
                )
                times.append((time.perf_counter() - started) * 1000)
    return times


def run(large: int, dataset: Path) -> dict:
    settings = settings_module.load()
    database_url = settings.require_database()
    bench_url = archive.create_database(database_url, "_bench_dedup")
    try:
        rng = random.Random(7)
        bodies = [
            v["articleBody"] for v in aeb_truth(dataset).values() if len(v["articleBody"]) > 800
        ]
        with db.connect(bench_url) as conn, conn.transaction():
            for i, body in enumerate(bodies[:STORED]):
                _store(conn, f"https://stored.example/{i}", f"Story {i}", body, settings)
        probes = _probe_texts(bodies, rng)
        result = {"probes": len(probes)}
        for label, total in (("signatures_1k", 1_000), (f"signatures_{large // 1000}k", large)):
            started = time.perf_counter()
            archive.pad_archive(bench_url, total, settings.dedup.bands)
            padding_s = time.perf_counter() - started
            _time_probes(bench_url, probes[:10], settings)  # warm the caches
            result[label] = {
                **summary(_time_probes(bench_url, probes, settings)),
                "setup_s": round(padding_s, 1),
            }
        small, big = (result[k]["median_ms"] for k in list(result)[1:3])
        result["ratio_large_vs_small"] = round(big / small, 2)
        return result
    finally:
        archive.drop_database(database_url, "_bench_dedup")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--large", type=int, default=1_000_000, help="signatures in the large case")
    add_dataset_argument(parser, AEB_DEFAULT)
    args = parser.parse_args()
    result = run(args.large, aeb_dir(args.dataset))
    if args.json:
        print(json.dumps(result))
        return
    for key, row in result.items():
        if isinstance(row, dict):
            print(
                f"{key:>18}: dedup per article median {row['median_ms']} ms, p90 {row['p90_ms']} ms (archive built in {row['setup_s']} s)"
            )
    print(f"{'ratio':>18}: {result['ratio_large_vs_small']}x (target: within 2x)")


if __name__ == "__main__":
    main()
