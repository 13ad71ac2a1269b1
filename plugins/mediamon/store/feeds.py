"""The feeds table: the feeds mediamon polls, each one's last outcome and next poll."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg.types.json import Jsonb

from mediamon.store.db import Connection


@dataclass(frozen=True)
class NewFeed:
    url: str
    title: str | None
    source: str
    respect_robots: bool


@dataclass(frozen=True)
class PollSuccess:
    """What a successful poll (ok, not modified, unchanged) records."""

    status: str
    note: str | None  # malformed-but-recovered, entries left out, no entries
    http_status: int | None
    etag: str | None
    last_modified: str | None
    content_hash: str | None
    poll_interval_s: int
    next_poll_at: datetime
    polled_at: datetime
    items_seen: int
    items_new: int
    title: str | None
    site_url: str | None


@dataclass(frozen=True)
class PollFailure:
    status: str  # the error class
    error: str | None
    http_status: int | None
    failures: dict[str, int]  # consecutive failures by class
    consecutive_failures: int
    next_poll_at: datetime
    polled_at: datetime


def add(conn: Connection, feeds: Sequence[NewFeed]) -> int:
    """Insert feeds not yet known; returns how many were new."""
    added = 0
    for feed in feeds:
        row = conn.execute(
            "INSERT INTO feeds (url, title, source, respect_robots) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT ((md5(url))) DO NOTHING RETURNING id",
            (feed.url, feed.title, feed.source, feed.respect_robots),
        ).fetchone()
        added += row is not None
    return added


def due(conn: Connection, limit: int | None = None) -> list[dict]:
    return conn.execute(
        "SELECT * FROM feeds WHERE next_poll_at <= now() ORDER BY next_poll_at, id LIMIT %s",
        (limit,),
    ).fetchall()


def by_ids(conn: Connection, feed_ids: list[int]) -> list[dict]:
    return conn.execute(
        "SELECT * FROM feeds WHERE id = ANY(%s) ORDER BY id", (feed_ids,)
    ).fetchall()


def ids_due_within(conn: Connection, seconds: float | None) -> list[int]:
    """Every feed's id (`seconds` None), or those due within that many seconds, soonest first."""
    if seconds is None:
        rows = conn.execute("SELECT id FROM feeds ORDER BY id")
    else:
        rows = conn.execute(
            "SELECT id FROM feeds WHERE next_poll_at <= now() + make_interval(secs => %s)"
            " ORDER BY next_poll_at, id",
            (seconds,),
        )
    return [row["id"] for row in rows]


def make_due(conn: Connection, feed_ids: list[int] | None = None) -> None:
    """Make feeds due now (a manual `ingest` polls every listed feed)."""
    if feed_ids is None:
        conn.execute("UPDATE feeds SET next_poll_at = now()")
    else:
        conn.execute("UPDATE feeds SET next_poll_at = now() WHERE id = ANY(%s)", (feed_ids,))


def lock(conn: Connection, feed_id: int) -> dict | None:
    """The feed's row, locked until the transaction ends (one poll records at a time)."""
    return conn.execute("SELECT * FROM feeds WHERE id = %s FOR UPDATE", (feed_id,)).fetchone()


def save_failure(conn: Connection, feed_id: int, failure: PollFailure) -> None:
    conn.execute(
        "UPDATE feeds SET last_status = %s, last_error = %s, last_http_status = %s,"
        " failures = %s, consecutive_failures = %s, next_poll_at = %s, last_polled_at = %s,"
        " items_seen = 0, items_new = 0 WHERE id = %s",
        (
            failure.status,
            failure.error,
            failure.http_status,
            Jsonb(failure.failures),
            failure.consecutive_failures,
            failure.next_poll_at,
            failure.polled_at,
            feed_id,
        ),
    )


def save_success(conn: Connection, feed_id: int, success: PollSuccess) -> None:
    conn.execute(
        "UPDATE feeds SET last_status = %s, last_error = %s, last_http_status = %s,"
        " etag = coalesce(%s, etag), last_modified = coalesce(%s, last_modified),"
        " content_hash = coalesce(%s, content_hash), failures = '{}'::jsonb,"
        " consecutive_failures = 0, poll_interval_s = %s, next_poll_at = %s,"
        " last_polled_at = %s, last_success_at = %s, items_seen = %s, items_new = %s,"
        " title = coalesce(title, %s), site_url = coalesce(%s, site_url) WHERE id = %s",
        (
            success.status,
            success.note,
            success.http_status,
            success.etag,
            success.last_modified,
            success.content_hash,
            success.poll_interval_s,
            success.next_poll_at,
            success.polled_at,
            success.polled_at,
            success.items_seen,
            success.items_new,
            success.title,
            success.site_url,
            feed_id,
        ),
    )


def site_urls(conn: Connection) -> list[str]:
    """The outlets' home pages, as their feeds name them (which outlet a page belongs to)."""
    rows = conn.execute("SELECT DISTINCT site_url FROM feeds WHERE site_url IS NOT NULL")
    return [row["site_url"] for row in rows]


def robots_policies(conn: Connection, feed_ids: list[int]) -> dict[int, bool]:
    """Whether each feed's pages are fetched under robots.txt."""
    return {
        row["id"]: row["respect_robots"]
        for row in conn.execute(
            "SELECT id, respect_robots FROM feeds WHERE id = ANY(%s)", (feed_ids,)
        )
    }
