"""The entries table: which feed listed which page, and the work state of fetching it.

Polling records new entries; processing claims due ones under a lease (several workers or
Airflow tasks run at once, `FOR UPDATE SKIP LOCKED`), then closes each with a status and a
one-line reason, retries it later with back-off, or hands it back unprocessed.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psutil
from psycopg.rows import class_row

from mediamon.feeds.parse import FeedEntry
from mediamon.store.db import Connection, one_row
from mediamon.vocabulary import EntryStatus

LEASE = timedelta(minutes=15)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Entry:
    """A row of `entries`, as processing reads it."""

    id: int
    feed_id: int
    guid: str
    link: str
    page_url: str
    title: str | None
    summary: str | None
    published_at: datetime | None
    first_seen_at: datetime
    status: str
    status_reason: str | None
    attempts: int
    next_attempt_at: datetime
    leased_until: datetime | None
    leased_by: str | None
    article_id: int | None


# -- polling ----------------------------------------------------------------------------------
def record(conn: Connection, feed_id: int, entries: Sequence[FeedEntry]) -> int:
    """Insert the feed's entries not seen before, in feed order; returns how many were new.

    One statement for the whole feed: a statement per entry cost about as much CPU as
    parsing the entry (the benchmark's poll of 363 entries: 0.16 -> 0.11 CPU-s).
    """
    if not entries:
        return 0
    return len(
        conn.execute(
            "INSERT INTO entries (feed_id, guid, link, page_url, title, summary, published_at)"
            " SELECT %s, * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[],"
            " %s::text[], %s::timestamptz[])"
            " ON CONFLICT (feed_id, guid) DO NOTHING RETURNING id",
            (
                feed_id,
                [e.guid for e in entries],
                [e.link for e in entries],
                [e.page_url for e in entries],
                [e.title for e in entries],
                [e.summary for e in entries],
                [e.published_at for e in entries],
            ),
        ).fetchall()
    )


def record_one(conn: Connection, feed_id: int, entry: FeedEntry) -> bool:
    """Insert one entry (in the caller's savepoint); True when it was new."""
    row = conn.execute(
        "INSERT INTO entries (feed_id, guid, link, page_url, title, summary, published_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (feed_id, guid) DO NOTHING RETURNING id",
        (
            feed_id,
            entry.guid,
            entry.link,
            entry.page_url,
            entry.title,
            entry.summary,
            entry.published_at,
        ),
    ).fetchone()
    return row is not None


# -- leases -----------------------------------------------------------------------------------
def lease_holder() -> str:
    """This process, as it appears in `entries.leased_by`."""
    process = psutil.Process()
    return f"{socket.gethostname()}|{process.pid}|{process.create_time():.0f}"


def _holder_alive(holder: str) -> bool:
    _host, pid, started = holder.split("|")
    try:
        return f"{psutil.Process(int(pid)).create_time():.0f}" == started
    except (psutil.NoSuchProcess, ValueError):
        return False


def release_dead_leases(conn: Connection) -> int:
    """Free the leases of processes on this host that died holding them (killed tasks)."""
    holders = [
        row["leased_by"]
        for row in conn.execute(
            "SELECT DISTINCT leased_by FROM entries WHERE status = %s"
            " AND leased_until > now() AND leased_by LIKE %s",
            (EntryStatus.PENDING, f"{socket.gethostname()}|%"),
        )
    ]
    dead = [holder for holder in holders if not _holder_alive(holder)]
    if not dead:
        return 0
    return conn.execute(
        "UPDATE entries SET leased_until = NULL, leased_by = NULL WHERE leased_by = ANY(%s)"
        " AND status = %s",
        (dead, EntryStatus.PENDING),
    ).rowcount


# When an entry's report was written, as far as we believe it (a date later than first seen
# is not): the order of claims, served by the index of migration 0011.
_REPORT_ORDER = "least(coalesce(published_at, first_seen_at), first_seen_at), id"


def claim(conn: Connection, limit: int) -> list[Entry]:
    """Lease up to `limit` due entries to this process (other workers skip them), oldest
    report first: events are assigned in the order articles are stored (migration 0011).

    `conn` in a transaction of its own: the leases hold once it commits. (A connection per
    claim cost ~3 ms of CPU for its password exchange, and as much in PostgreSQL.)
    """
    release_dead_leases(conn)
    # An entry whose batches keep dying before it gets an outcome (each claim counts an
    # attempt) is given one, rather than be claimed for ever.
    conn.execute(
        "UPDATE entries SET status = %s, leased_until = NULL, leased_by = NULL,"
        " status_reason = 'gave up after ' || attempts || ' attempts without an outcome'"
        "   || coalesce(' (last: ' || status_reason || ')', '')"
        " WHERE status = %s AND attempts >= %s AND next_attempt_at <= now()"
        " AND (leased_until IS NULL OR leased_until < now())",
        (EntryStatus.FAILED, EntryStatus.PENDING, MAX_ATTEMPTS),
    )
    with conn.cursor(row_factory=class_row(Entry)) as cursor:
        # Ordered outside the UPDATE: RETURNING gives rows in the table's order.
        return cursor.execute(
            "WITH claimed AS (UPDATE entries SET leased_until = now() + %s, leased_by = %s,"
            " attempts = attempts + 1"
            " WHERE id IN (SELECT id FROM entries WHERE status = %s"
            "   AND next_attempt_at <= now() AND (leased_until IS NULL OR leased_until < now())"
            f"   ORDER BY {_REPORT_ORDER} LIMIT %s FOR UPDATE SKIP LOCKED)"
            f" RETURNING *) SELECT * FROM claimed ORDER BY {_REPORT_ORDER}",
            (LEASE, lease_holder(), EntryStatus.PENDING, limit),
        ).fetchall()


def pending_count(conn: Connection) -> int:
    return one_row(
        conn.execute(
            "SELECT count(*) AS n FROM entries WHERE status = %s AND next_attempt_at <= now()",
            (EntryStatus.PENDING,),
        )
    )["n"]


# -- outcomes ---------------------------------------------------------------------------------
def finish(
    conn: Connection,
    pages: Iterable[tuple[Sequence[Entry], int | None]],
    status: EntryStatus,
    reason: str | None,
) -> None:
    """Close the entries of several pages at once, each page with its own article."""
    pages = list(pages)
    entry_ids = [entry.id for entries, _ in pages for entry in entries]
    article_ids = [article_id for entries, article_id in pages for _ in entries]
    conn.execute(
        "UPDATE entries e SET status = %s, status_reason = %s,"
        " article_id = coalesce(q.article_id, e.article_id), leased_until = NULL, leased_by = NULL"
        " FROM unnest(%s::bigint[], %s::bigint[]) AS q(id, article_id) WHERE e.id = q.id",
        (status, reason, entry_ids, article_ids),
    )


def retry_later(
    conn: Connection,
    entries: Sequence[Entry],
    reason: str,
    not_before: datetime | None = None,
) -> EntryStatus:
    """Try again after a back-off (no sooner than `not_before`), or fail at the attempt cap;
    returns the entries' status."""
    attempts = max(e.attempts for e in entries)
    if attempts >= MAX_ATTEMPTS:
        finish(
            conn,
            [(entries, None)],
            EntryStatus.FAILED,
            f"{reason} (gave up after {attempts} attempts)",
        )
        return EntryStatus.FAILED
    backoff = datetime.now(UTC) + timedelta(minutes=5 * 2 ** (attempts - 1))
    when = max(backoff, not_before) if not_before else backoff
    conn.execute(
        "UPDATE entries SET status_reason = %s, next_attempt_at = %s, leased_until = NULL,"
        " leased_by = NULL WHERE id = ANY(%s)",
        (reason, when, [e.id for e in entries]),
    )
    return EntryStatus.PENDING


def release(conn: Connection, entries: Sequence[Entry]) -> int:
    """Hand claimed entries back unprocessed: no lease, and the claim's attempt undone."""
    return conn.execute(
        "UPDATE entries SET leased_until = NULL, leased_by = NULL,"
        " attempts = greatest(attempts - 1, 0) WHERE id = ANY(%s) AND status = %s",
        ([entry.id for entry in entries], EntryStatus.PENDING),
    ).rowcount


# -- what other stages read -------------------------------------------------------------------
def feeds_listing(
    conn: Connection, article_ids: list[int], besides: list[int]
) -> set[tuple[int, int]]:
    """(feed id, article id) pairs of entries already linked to the articles, leaving out
    the entries `besides`."""
    return {
        (row["feed_id"], row["article_id"])
        for row in conn.execute(
            "SELECT DISTINCT feed_id, article_id FROM entries WHERE article_id = ANY(%s)"
            " AND NOT (id = ANY(%s))",
            (article_ids, besides),
        )
    }


def earliest_feed_date(conn: Connection, article_id: int) -> datetime | None:
    """The earliest date a feed gave for the article (its entries' published_at)."""
    return one_row(
        conn.execute(
            "SELECT min(published_at) AS d FROM entries WHERE article_id = %s", (article_id,)
        )
    )["d"]


def known_pages(conn: Connection, page_urls: list[str]) -> dict[str, int]:
    """Page URLs already linked to a stored article, by any entry."""
    return {
        row["page_url"]: row["article_id"]
        for row in conn.execute(
            "SELECT page_url, article_id FROM entries"
            " WHERE page_url = ANY(%s) AND article_id IS NOT NULL",
            (page_urls,),
        )
    }
