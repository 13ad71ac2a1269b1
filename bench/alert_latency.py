"""Alert latency under `airflow standalone`: from an article stored to its alert received by
a webhook, in immediate mode.

    python -m bench.alert_latency [--feeds 20] [--every 60] [--minutes 4] [--json]

Needs the local stack (`mediamon stack up`) and the Airflow extra. Feeds on loopback publish
pages made of the demo newsroom's articles (bench/freshness.py builds them) at a steady rate;
one subscription names every group of the watchlist (events naming none are not alerted) and posts to a webhook receiver on
loopback. Each alert names its event, whose id is the id of its first report: the latency
is the receiver's clock at the alert less that article's `fetched_at` (when its page was
fetched, the start of its storing), and, split, the part after the event's reports were all
indexed. Bounded in time; Airflow and the servers stop at the end.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.freshness import (
    DRAIN_S,
    POLL_DAG,
    PROCESS_DAG,
    LocalAirflow,
    due_from,
    fresh_stores,
    newsroom_articles,
    outlets,
    percentiles,
    register,
    wait_for,
)
from mediamon import settings as settings_module
from mediamon.search.elastic import client
from mediamon.store.db import connect
from mediamon.tagging.watchlist import load_watchlist

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "alerts"))
from alerting import Receiver  # noqa: E402 - the alerts tests' webhook receiver

SUBSCRIPTION = "bench"
TARGET_S = 60.0


def _subscription_file(path: Path, settings: settings_module.Settings) -> Path:
    groups = sorted(group.id for group in load_watchlist(settings.watchlist_path).groups)
    path.write_text(
        "subscriptions:\n"
        f"  - name: {SUBSCRIPTION}\n    groups: [{', '.join(groups)}]\n"
        "    webhook: {url_env: MEDIAMON_WEBHOOK_BENCH}\n"
    )
    return path


def _event_times(settings: settings_module.Settings) -> dict[int, tuple[float, float | None]]:
    """Event id -> (its first report fetched, its last report indexed) as epoch seconds."""
    with connect(settings.require_database()) as conn:
        rows = conn.execute(
            "SELECT e.id, a.fetched_at FROM events e JOIN articles a ON a.id = e.id"
            " WHERE e.merged_into IS NULL AND e.size > 0 AND a.fetched_at IS NOT NULL"
            " AND cardinality(e.groups) > 0"  # the subscription names every group
        ).fetchall()
    buckets = client(settings.require_elasticsearch()).search(
        index=settings.index,
        size=0,
        aggs={
            "events": {
                "terms": {"field": "event_id", "size": 10_000},
                "aggs": {"indexed": {"max": {"field": "indexed_at"}}},
            }
        },
    )["aggregations"]["events"]["buckets"]
    indexed = {int(b["key"]): b["indexed"]["value"] / 1000 for b in buckets}
    return {r["id"]: (r["fetched_at"].timestamp(), indexed.get(r["id"])) for r in rows}


def run(args: argparse.Namespace) -> dict[str, Any]:
    base = settings_module.load()
    base.require_database()
    base.require_elasticsearch()
    with (
        tempfile.TemporaryDirectory(prefix="mediamon-alerts-") as scratch_dir,
        ExitStack() as stack,
    ):
        scratch = Path(scratch_dir)
        articles = newsroom_articles(scratch / "newsroom")
        settings = fresh_stores(base, args.index)
        feeds = stack.enter_context(outlets(args.feeds, articles))
        receiver = stack.enter_context(Receiver())
        register(settings, feeds)
        airflow = LocalAirflow(
            scratch / "airflow",
            settings,
            {
                "MEDIAMON_ALLOWED_ADDRESSES": ",".join(
                    [*(o.address for o in feeds), receiver.address]
                ),
                "MEDIAMON_POLL_FLOOR_SECONDS": str(settings.poll_floor_s),
                "MEDIAMON_ALERTS_FILE": str(_subscription_file(scratch / "alerts.yaml", settings)),
                "MEDIAMON_WEBHOOK_BENCH": receiver.url,
            },
        )
        print("starting Airflow ...", file=sys.stderr)
        stack.enter_context(airflow)
        for dag_id in (POLL_DAG, PROCESS_DAG):
            airflow.unpause(dag_id)
        start = time.time() + 5
        published = 0
        for step in range(int(args.minutes * 60 // args.every) + 1):
            for outlet in feeds:
                outlet.add(start + step * args.every)
                published += 1
        due_from(settings, start)
        print(f"{published} entries over {args.minutes} min", file=sys.stderr)
        ends = start + args.minutes * 60

        def all_alerted() -> bool:
            if time.time() < ends:
                return False
            alerted = {
                int(alert["event_id"])
                for request in receiver.requests
                for alert in request["json"]["mediamon"]["alerts"]
            }
            return bool(alerted) and alerted >= set(_event_times(settings))

        try:
            wait_for(all_alerted, "an alert for every event", args.minutes * 60 + DRAIN_S, 5)
        except TimeoutError as exc:
            print(f"warning: {exc}", file=sys.stderr)  # the figures say how many are missing
        times = _event_times(settings)
        received = [
            (request["at"], int(alert["event_id"]))
            for request in receiver.requests
            for alert in request["json"]["mediamon"]["alerts"]
        ]
        first_alert: dict[int, float] = {}
        for at, event_id in received:
            first_alert.setdefault(event_id, at)
        # An event merged into another after its alert is no longer open: left out.
        alerted = {e: at for e, at in first_alert.items() if e in times}
        stored_to_sent = [at - times[e][0] for e, at in alerted.items()]
        indexed_to_sent = [
            at - indexed for e, at in alerted.items() if (indexed := times[e][1]) is not None
        ]
    return {
        "feeds": args.feeds,
        "entries": published,
        "events": len(times),
        "alerts": len(received),
        "alerted_twice": len(received) - len(first_alert),
        "never_alerted": len(set(times) - set(first_alert)),
        "stored_to_alert_s": percentiles(stored_to_sent),
        "indexed_to_alert_s": percentiles(indexed_to_sent),
        "target_s": TARGET_S,
    }


def report(figures: dict[str, Any]) -> str:
    total, after_index = figures["stored_to_alert_s"], figures["indexed_to_alert_s"]
    return "\n".join(
        [
            f"alert latency under airflow standalone: {figures['entries']} entries on"
            f" {figures['feeds']} feeds, {figures['events']} events,"
            f" {figures['alerts']} alerts ({figures['alerted_twice']} repeated,"
            f" {figures['never_alerted']} event(s) never alerted)",
            f"  stored -> alert received: p50 {total['p50']} s, p95 {total['p95']} s,"
            f" max {total['max']} s (target <= {figures['target_s']:.0f} s)",
            f"  of which after the event's last report was indexed: p50 {after_index['p50']} s,"
            f" p95 {after_index['p95']} s",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=20)
    parser.add_argument("--every", type=float, default=60, help="seconds between a feed's entries")
    parser.add_argument("--minutes", type=float, default=4)
    parser.add_argument("--index", default="mediamon-alertbench")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    figures = run(args)
    print(json.dumps(figures) if args.json else report(figures))


if __name__ == "__main__":
    main()
