"""Feed polling at scale: 10,000 feeds on 50 loopback hosts, polled twice (the second time
nearly all answer 304 Not Modified). Run by `python -m bench`; also on its own:

    python -m bench.polling [--feeds 10000]
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench import archive
from mediamon import settings as settings_module
from mediamon.feeds.poll import add_feeds, due_feeds, force_due, poll_feeds
from mediamon.feeds.sources import FeedSpec
from mediamon.pipeline.cycle import make_fetcher

HOSTS = 50
CONCURRENCY = 32
CHANGED_SHARE = 0.02  # feeds with something new on the second poll


def _feed_body(path: str, generation: int) -> bytes:
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
        f"<item><title>{path} {generation}</title><link>http://example.invalid{path}/{generation}</link>"
        f"<guid>{path}-{generation}</guid></item></channel></rss>"
    ).encode()


class FeedFarm:
    """HOSTS servers on 127.0.0.2..., each serving its share of the feeds with ETags."""

    def __init__(self) -> None:
        self.generation: dict[str, int] = {}
        farm = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_GET(self):  # noqa: N802
                body = _feed_body(self.path, farm.generation.get(self.path, 0))
                etag = '"' + hashlib.md5(body).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.servers = []
        for host in range(HOSTS):
            server = ThreadingHTTPServer((f"127.0.0.{host + 2}", 0), Handler)
            server.daemon_threads = True
            self.servers.append(server)
            threading.Thread(target=server.serve_forever, daemon=True).start()

    def addresses(self) -> list[str]:
        return [f"{s.server_address[0]}:{s.server_address[1]}" for s in self.servers]

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def run(feed_count: int = 10_000) -> dict:
    base = settings_module.load()
    url = archive.create_database(base.require_database(), "_bench_poll")
    farm = FeedFarm()
    try:
        addresses = farm.addresses()
        settings = dataclasses.replace(
            base, database_url=url, allowed_addresses=frozenset(addresses)
        )
        specs = [FeedSpec(f"http://{addresses[i % HOSTS]}/feed/{i}.xml") for i in range(feed_count)]
        add_feeds(url, specs)
        result = {"feeds": feed_count, "hosts": HOSTS}
        with make_fetcher(settings) as fetcher:
            for label in ("first_poll", "second_poll"):
                if label == "second_poll":
                    for i in range(int(feed_count * CHANGED_SHARE)):
                        farm.generation[f"/feed/{i}.xml"] = 1
                force_due(url)
                feeds = due_feeds(url, limit=None)
                started = time.perf_counter()
                report = poll_feeds(url, fetcher, feeds, concurrency=CONCURRENCY)
                elapsed = time.perf_counter() - started
                statuses: dict[str, int] = {}
                for outcome in report.outcomes:
                    statuses[outcome.status] = statuses.get(outcome.status, 0) + 1
                result[label] = {
                    "seconds": round(elapsed, 1),
                    "feeds_per_second": round(report.polled / elapsed, 1),
                    "statuses": statuses,
                }
        return result
    finally:
        farm.close()
        archive.drop_database(base.require_database(), "_bench_poll")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    print(json.dumps(run(parser.parse_args().feeds)))


if __name__ == "__main__":
    main()
