"""Event assignment cost: CPU per article with 100,000 events open in the window, and the
encoder's cost and memory (what an extraction worker adds).

    python -m bench.events [--events 100000] [--articles 500] [--batch 32] [--json]

`python -m bench` runs it as its "events" stage.

The window is filled with synthetic events (random unit vectors, groups and numbers drawn from
small vocabularies, last reports spread over two days); articles are scored against all of
them and assigned in batches, as `store/events.assign` does in memory with a store batch (its
SQL is not counted here); one article at a time is measured beside it.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import time
from datetime import UTC, datetime, timedelta

import numpy as np

from mediamon.events import encoder
from mediamon.events.assign import EventWindow, assign_all
from mediamon.events.evidence import Evidence, lead_text
from mediamon.events.model import ArticleSignals, OpenEvent

GROUPS = [f"g{i}" for i in range(40)]
LEAD = (
    "Suicide bomber kills 14 outside Kabul bank. A suicide bomber killed 14 people and wounded"
    " 31 outside a commercial bank in Kabul on Tuesday morning, most of them government"
    " employees queuing for salaries, officials said."
)


def _unit(rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(encoder.DIMENSIONS).astype(np.float32)
    return v / np.linalg.norm(v)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--batch", type=int, default=32, help="articles per store batch")
    parser.add_argument("--json", action="store_true", help="one JSON object on the last line")
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    pick = random.Random(1)
    now = datetime(2026, 11, 3, tzinfo=UTC)

    started = time.process_time()
    encoder.preload_encoder()
    load_cpu = time.process_time() - started
    started = time.process_time()
    for _ in range(100):
        encoder.encode(lead_text(None, LEAD))
    encode_ms = (time.process_time() - started) * 10
    encoder_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    window = EventWindow()
    for i in range(args.events):
        at = now - timedelta(minutes=pick.randrange(0, 2 * 24 * 60))
        event = OpenEvent(i + 1, at, at, 1, _unit(rng), True)
        event.groups.update(pick.sample(GROUPS, 2))
        event.numbers = {pick.randrange(2, 500)}
        window.put(event)
    articles = [
        ArticleSignals(
            10_000_000 + i,
            _unit(rng),
            Evidence(
                frozenset(pick.sample(GROUPS, 2)),
                frozenset({pick.randrange(2, 500)}),
                now,
                pick.choice(["en", "fa"]),  # half of them through the fallback
            ),
        )
        for i in range(args.articles)
    ]
    ids = iter(range(20_000_000, 30_000_000))
    half = len(articles) // 2
    started = time.process_time()
    for article in articles[:half]:
        window.assign(article, lambda: next(ids))
    single_ms = (time.process_time() - started) * 1000 / half
    batched = articles[half:]
    started = time.process_time()
    for start in range(0, len(batched), args.batch):
        assign_all(window, batched[start : start + args.batch], lambda: next(ids))
    assign_ms = (time.process_time() - started) * 1000 / len(batched)
    figures = {
        "encoder_load_cpu_s": round(load_cpu, 2),
        "encode_cpu_ms": round(encode_ms, 2),
        "encoder_peak_rss_mib": round(encoder_rss),
        "open_events": len(window),
        "batch": args.batch,
        "assign_cpu_ms_per_article": round(assign_ms, 2),
        "assign_cpu_ms_one_at_a_time": round(single_ms, 2),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(f"encoder: load {load_cpu:.2f} s CPU, {encode_ms:.1f} ms CPU per headline+lead,"
          f" peak RSS with it loaded {encoder_rss:.0f} MiB")  # fmt: skip
    print(f"events: {assign_ms:.2f} ms CPU per article in batches of {args.batch},"
          f" {single_ms:.2f} ms one at a time, with {len(window):,} events open"
          f" (peak RSS {figures['peak_rss_mib']} MiB)")  # fmt: skip


if __name__ == "__main__":
    main()
