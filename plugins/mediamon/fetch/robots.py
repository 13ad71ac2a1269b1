"""robots.txt: fetched once per host and day through the guarded client, cached in PostgreSQL.

A missing robots.txt (4xx) allows everything; one that cannot be fetched (5xx, timeout)
disallows for now, as major crawlers do, and is asked again on a later run.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from mediamon.fetch.client import Fetcher
from mediamon.fetch.urls import host_key
from mediamon.store import hosts
from mediamon.vocabulary import ErrorClass, RobotsVerdict

CACHE_FOR = timedelta(hours=24)
RETRY_UNAVAILABLE_AFTER = timedelta(minutes=30)
ROBOTS_MAX_BYTES = 512 * 1024
PRODUCT_TOKEN = "mediamon"


def robots_url(page_url: str) -> str:
    parts = urlsplit(page_url)
    return urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))


def fetch_robots(fetcher: Fetcher, page_url: str) -> tuple[str, str]:
    """(status, body): status is ok | missing | unavailable."""
    result = fetcher.get(robots_url(page_url), max_bytes=ROBOTS_MAX_BYTES)
    if result.ok:
        return "ok", result.body.decode("utf-8", "replace")
    if result.error_class == ErrorClass.HTTP_4XX:
        return "missing", ""
    return "unavailable", result.error or "robots.txt unavailable"


def allowed(status: str, body: str, page_url: str) -> bool:
    if status == "missing":
        return True
    if status != "ok":
        return False
    parser = RobotFileParser()
    parser.parse(body.splitlines())
    return parser.can_fetch(PRODUCT_TOKEN, page_url)


def host_rules(conn, fetcher: Fetcher, page_url: str) -> tuple[str, str]:
    """(status, robots.txt body) for the page's host, from the per-host cache or fetched."""
    host = host_key(page_url)
    cached = hosts.cached_robots(conn, host, CACHE_FOR, RETRY_UNAVAILABLE_AFTER)
    if cached is not None:
        return cached
    status, body = fetch_robots(fetcher, page_url)
    hosts.save_robots(conn, host, status, body)
    return status, body


def decide(status: str, body: str, page_url: str) -> tuple[RobotsVerdict, str]:
    """Whether `page_url` may be fetched under its host's rules, and why not."""
    if allowed(status, body, page_url):
        return RobotsVerdict.ALLOWED, "allowed"
    if status == "unavailable":
        return RobotsVerdict.UNAVAILABLE, "robots.txt unavailable; retried later"
    return RobotsVerdict.DISALLOWED, "robots.txt disallows this page"
