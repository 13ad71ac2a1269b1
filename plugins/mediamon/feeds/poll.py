"""Poll feeds that are due: conditional GET, safe parse, new entries recorded as pending work.

Every feed gets a recorded outcome, whatever happens to it: a failed fetch, a refused body,
an entry PostgreSQL refuses (left out alone, with its reason) or a database write that
fails for the whole feed (`store_error`). Polling one feed never stops the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg

from mediamon.feeds import schedule
from mediamon.feeds.parse import (
    FeedRejected,
    ParsedFeed,
    feed_base_url,
    parse_feed,
    summarise_skipped,
)
from mediamon.feeds.sources import FeedSpec, check_feed_url
from mediamon.fetch.client import Fetcher, FetchResult
from mediamon.fetch.urls import host_key, source_of
from mediamon.store import entries as entries_table
from mediamon.store import feeds as feeds_table
from mediamon.store import hosts
from mediamon.store.db import VALUE_REFUSED, Connection, ConnectionPool, connect, first_line
from mediamon.store.feeds import NewFeed, PollFailure, PollSuccess
from mediamon.vocabulary import POLL_SUCCESSES, PollStatus

FEED_MAX_BYTES = 10 * 1024 * 1024
# PostgreSQL connections a poll of many feeds holds at most.
POLL_CONNECTIONS = 3


@dataclass
class FeedOutcome:
    feed_id: int
    url: str
    status: str  # a PollStatus, or the ErrorClass of a failed fetch
    items_seen: int = 0
    items_new: int = 0
    error: str | None = None


@dataclass
class PollReport:
    outcomes: list[FeedOutcome] = field(default_factory=list)

    @property
    def polled(self) -> int:
        return len(self.outcomes)

    @property
    def failed(self) -> int:
        return sum(o.status not in POLL_SUCCESSES for o in self.outcomes)

    @property
    def new_entries(self) -> int:
        return sum(o.items_new for o in self.outcomes)


def add_feeds(database_url: str, specs: Iterable[FeedSpec]) -> int:
    """Insert feeds not yet known; returns how many were new.

    Raises FeedListError, adding nothing, when a URL is one mediamon cannot poll (over the
    size policy, with credentials, not http(s)).
    """
    specs = list(specs)
    for spec in specs:
        check_feed_url(spec.url)
    new = [NewFeed(s.url, s.title, source_of(s.url), s.respect_robots) for s in specs]
    with connect(database_url) as conn, conn.transaction():
        return feeds_table.add(conn, new)


def due_feeds(
    database_url: str, limit: int | None = None, feed_ids: list[int] | None = None
) -> list[dict]:
    with connect(database_url) as conn:
        if feed_ids is not None:
            return feeds_table.by_ids(conn, feed_ids)
        return feeds_table.due(conn, limit)


def _record_entries_one_by_one(
    conn: Connection, feed_id: int, parsed: ParsedFeed
) -> tuple[int, list[str]]:
    """Insert the entries one at a time, each in its own savepoint; returns how many were
    new and a reason for each entry PostgreSQL refused."""
    new, refused = 0, []
    for entry in parsed.entries:
        try:
            with conn.transaction():
                new += entries_table.record_one(conn, feed_id, entry)
        except VALUE_REFUSED as exc:
            refused.append(f"entry not stored ({type(exc).__name__}): {first_line(exc)}"[:300])
    return new, refused


def _save_failure(conn, feed: dict, outcome: FeedOutcome, fetched: FetchResult | None, now) -> None:
    failures = dict(feed["failures"] or {})
    failures[outcome.status] = failures.get(outcome.status, 0) + 1
    consecutive = feed["consecutive_failures"] + 1
    nxt = schedule.after_failure(
        feed["poll_interval_s"],
        outcome.status,
        consecutive,
        now,
        retry_after=fetched.retry_after if fetched else None,
    )
    feeds_table.save_failure(
        conn,
        feed["id"],
        PollFailure(
            status=outcome.status,
            error=outcome.error,
            http_status=fetched.status_code if fetched else None,
            failures=failures,
            consecutive_failures=consecutive,
            next_poll_at=nxt.next_poll_at,
            polled_at=now,
        ),
    )
    if fetched is not None and fetched.retry_after is not None:
        hosts.defer(conn, host_key(feed["url"]), fetched.retry_after)


def poll_feed(
    database_url: str, fetcher: Fetcher, feed: dict, connections: ConnectionPool | None = None
) -> FeedOutcome:
    """Poll one feed and record the outcome; never raises for a bad feed."""
    now = datetime.now(UTC)
    outcome = FeedOutcome(feed_id=feed["id"], url=feed["url"], status=PollStatus.OK)
    headers = {
        "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
    }
    if feed["etag"]:
        headers["If-None-Match"] = feed["etag"]
    if feed["last_modified"]:
        headers["If-Modified-Since"] = feed["last_modified"]
    fetched = fetcher.get(feed["url"], headers=headers, max_bytes=FEED_MAX_BYTES)
    parsed: ParsedFeed | None = None
    body_hash = None
    if fetched.error_class:
        outcome.status, outcome.error = fetched.error_class, fetched.error
    elif fetched.status_code == 304:
        outcome.status = PollStatus.NOT_MODIFIED
    else:
        body_hash = hashlib.sha256(fetched.body).hexdigest()
        if body_hash == feed["content_hash"]:
            outcome.status = PollStatus.UNCHANGED  # server ignored our validators; nothing new
        else:
            try:
                parsed = parse_feed(
                    fetched.body,
                    fetched.headers.get("content-type"),
                    base_url=feed_base_url(
                        fetched.final_url, fetched.headers.get("content-location")
                    ),
                )
            except FeedRejected as exc:
                outcome.status, outcome.error = PollStatus.PARSE_ERROR, str(exc)
    owned = connections is None
    connections = connections or ConnectionPool(database_url, 1)
    try:
        return _record_safely(connections, feed, outcome, fetched, parsed, body_hash, now)
    finally:
        if owned:
            connections.close()


def _record_safely(
    connections: ConnectionPool, feed: dict, outcome: FeedOutcome, fetched, parsed, body_hash, now
) -> FeedOutcome:
    """Record the outcome; when PostgreSQL refuses it, record that as the feed's failure.

    An entry's own values (a link over an index's limit, say) only leave that entry out:
    the feed is stored again entry by entry. Any other database error fails this feed alone
    (`store_error`, its next poll backed off), and the cycle goes on with the others.
    """
    try:
        try:
            with connections.connection() as conn:
                return _record(conn, feed, outcome, fetched, parsed, body_hash, now)
        except VALUE_REFUSED:
            with connections.connection() as conn:
                return _record(
                    conn, feed, outcome, fetched, parsed, body_hash, now, one_by_one=True
                )
    except psycopg.Error as exc:
        failed = FeedOutcome(
            feed_id=feed["id"],
            url=feed["url"],
            status=PollStatus.STORE_ERROR,
            items_seen=len(parsed.entries) if parsed else 0,
            error=f"outcome not stored ({type(exc).__name__}): {first_line(exc)}"[:500],
        )
    try:
        with connections.connection() as conn:
            return _record(conn, feed, failed, None, None, None, now)
    except psycopg.Error:  # the database itself fails: the report still says what happened
        return failed


def _record(
    conn,
    feed: dict,
    outcome: FeedOutcome,
    fetched,
    parsed,
    body_hash,
    now,
    one_by_one: bool = False,
) -> FeedOutcome:
    with conn.transaction():
        current = feeds_table.lock(conn, feed["id"])
        if current is None:
            return outcome
        if outcome.status not in POLL_SUCCESSES:
            _save_failure(conn, current, outcome, fetched, now)
            return outcome
        if parsed is not None:
            outcome.items_seen = len(parsed.entries)
            skipped = parsed.skipped
            if one_by_one:
                outcome.items_new, refused = _record_entries_one_by_one(conn, feed["id"], parsed)
                skipped = [*skipped, *refused]
            else:
                outcome.items_new = entries_table.record(conn, feed["id"], parsed.entries)
            notes = [f"malformed, recovered: {parsed.malformed}"] if parsed.malformed else []
            if summary := summarise_skipped(skipped):
                notes.append(summary)
            outcome.error = "; ".join(notes)[:500] or None
            if not parsed.entries:
                outcome.error = outcome.error or "feed lists no entries"
        nxt = schedule.after_success(current["poll_interval_s"], outcome.items_new, now)
        feeds_table.save_success(
            conn,
            feed["id"],
            PollSuccess(
                status=outcome.status,
                note=outcome.error,
                http_status=fetched.status_code,
                etag=fetched.headers.get("etag"),
                last_modified=fetched.headers.get("last-modified"),
                content_hash=body_hash,
                poll_interval_s=nxt.interval_s,
                next_poll_at=nxt.next_poll_at,
                polled_at=now,
                items_seen=outcome.items_seen,
                items_new=outcome.items_new,
                title=parsed.title if parsed else None,
                site_url=parsed.site_url if parsed else None,
            ),
        )
    return outcome


def poll_feeds(
    database_url: str, fetcher: Fetcher, feeds: list[dict], concurrency: int = 16
) -> PollReport:
    report = PollReport()
    if not feeds:
        return report
    # Fetching runs on `concurrency` threads; recording an outcome is short, and a few
    # connections serve them all (16 threads held 16 connections before).
    connections = ConnectionPool(database_url, POLL_CONNECTIONS)
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(feeds)))) as pool:
            report.outcomes = list(
                pool.map(lambda feed: poll_feed(database_url, fetcher, feed, connections), feeds)
            )
    finally:
        connections.close()
    return report


def force_due(database_url: str, feed_ids: list[int] | None = None) -> None:
    """Make feeds due now (a manual `ingest` polls every listed feed)."""
    with connect(database_url) as conn, conn.transaction():
        feeds_table.make_due(conn, feed_ids)
