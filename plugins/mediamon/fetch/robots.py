"""robots.txt: fetched once per host and day through the guarded client, cached in PostgreSQL.

A missing robots.txt (4xx) allows everything; one that cannot be fetched (5xx, timeout)
disallows for now, as major crawlers do, and is asked again on a later run.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit
from urllib.robotparser import RobotFileParser

from mediamon.fetch.client import ErrorClass, Fetcher
from mediamon.fetch.urls import host_key

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
    row = conn.execute(
        "SELECT robots_status, robots_txt,"
        " robots_fetched_at > now() - CASE WHEN robots_status = 'unavailable' THEN %s ELSE %s END"
        "   AS fresh FROM hosts WHERE host = %s",
        (RETRY_UNAVAILABLE_AFTER, CACHE_FOR, host),
    ).fetchone()
    if row is not None and row["robots_status"] is not None and row["fresh"]:
        return row["robots_status"], row["robots_txt"] or ""
    status, body = fetch_robots(fetcher, page_url)
    conn.execute(
        "INSERT INTO hosts (host, robots_status, robots_txt, robots_fetched_at)"
        " VALUES (%s, %s, %s, now()) ON CONFLICT (host) DO UPDATE SET"
        " robots_status = EXCLUDED.robots_status, robots_txt = EXCLUDED.robots_txt,"
        " robots_fetched_at = now()",
        (host, status, body if status == "ok" else None),
    )
    return status, body


def decide(status: str, body: str, page_url: str) -> tuple[bool, str]:
    """Whether `page_url` may be fetched under its host's rules; returns (allowed, reason)."""
    if allowed(status, body, page_url):
        return True, "allowed"
    if status == "unavailable":
        return False, "robots.txt unavailable; retried later"
    return False, "robots.txt disallows this page"
