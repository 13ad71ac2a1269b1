"""The fetcher's kept-alive connections: reused per origin, bounded in number, and never
closed under a request in flight."""

from __future__ import annotations

import threading
import time
from collections import Counter

from limits import TIGHT_FETCH
from mediamon.fetch.client import Fetcher
from mediamon.fetch.guard import NetworkGuard


def counting_guard(sites) -> tuple[NetworkGuard, Counter]:
    """Names a.test, b.test, ... for the sites; the guard resolves once per new connection."""
    connections: Counter = Counter()

    def resolver(host: str, port: int) -> list[str]:
        connections[host] += 1
        return ["127.0.0.1"]

    allowed = frozenset(site.address for site in sites)
    return NetworkGuard(allowed_addresses=allowed, resolver=resolver), connections


def test_a_second_request_to_an_origin_reuses_its_connection(sites):
    site = sites[0]
    site.page("/a.html", "a")
    guard, connections = counting_guard(sites)
    with Fetcher(TIGHT_FETCH, guard) as fetcher:
        results = [fetcher.get(f"http://a.test:{site.port}/a.html") for _ in range(2)]
    assert all(result.ok for result in results)
    assert connections["a.test"] == 1


def test_connections_are_kept_for_the_most_recently_used_origins_only(sites):
    site_a, site_b = sites[0], sites[1]
    site_a.page("/a.html", "a")
    site_b.page("/b.html", "b")
    page_a, page_b = f"http://a.test:{site_a.port}/a.html", f"http://b.test:{site_b.port}/b.html"
    guard, connections = counting_guard(sites)
    with Fetcher(TIGHT_FETCH, guard, kept_origins=1) as fetcher:
        assert all(fetcher.get(url).ok for url in (page_a, page_b, page_a))
    # a.test's connection was closed when b.test became the one origin kept.
    assert connections == {"a.test": 2, "b.test": 1}


def test_an_origin_with_a_request_in_flight_keeps_its_connection(sites):
    slow, quick = sites[0], sites[1]

    def respond_slowly(handler, _query) -> None:
        time.sleep(0.5)
        slow.send(handler, 200, b"slow but whole", "text/plain")

    slow.routes["/slow.txt"] = respond_slowly
    quick.page("/a.html", "a")
    guard, _connections = counting_guard(sites)
    with Fetcher(TIGHT_FETCH, guard, kept_origins=1) as fetcher:
        results = {}
        in_flight = threading.Thread(
            target=lambda: results.update(slow=fetcher.get(f"http://a.test:{slow.port}/slow.txt"))
        )
        in_flight.start()
        time.sleep(0.1)
        # Two more origins: the least recently used is the one still answering.
        assert fetcher.get(f"http://b.test:{quick.port}/a.html").ok
        assert fetcher.get(f"http://c.test:{quick.port}/a.html").ok
        in_flight.join()
    assert results["slow"].ok and results["slow"].body == b"slow but whole"
