"""Due entries are claimed oldest report first (store/entries.claim): events are assigned in
the order articles are stored, and a backfill then gives them in the order they were written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from mediamon.feeds.parse import FeedEntry
from mediamon.store import entries, feeds
from mediamon.store.db import connect


def _entry(slug: str, published_at: datetime | None) -> FeedEntry:
    url = f"https://outlet.example/{slug}"
    return FeedEntry(slug, url, url, slug, None, published_at)


def _feed(conn: psycopg.Connection) -> int:
    feeds.add(conn, [feeds.NewFeed("https://outlet.example/feed.xml", None, "test", False)])
    return conn.execute("SELECT id FROM feeds").fetchone()["id"]


def test_entries_are_claimed_in_the_order_their_reports_were_published(clean_stack):
    day = datetime(2026, 11, 2, tzinfo=UTC)
    with connect(clean_stack.database_url) as conn:
        feed_id = _feed(conn)
        # Listed newest first, as feeds list them.
        listed = [_entry("c", day + timedelta(hours=5)), _entry("b", day), _entry("a", None)]
        entries.record(conn, feed_id, listed)
        conn.execute(
            "UPDATE entries SET first_seen_at = %s WHERE guid = 'a'", (day - timedelta(hours=1),)
        )
        conn.commit()
        claimed = [entry.guid for entry in entries.claim(conn, 3)]
    assert claimed == ["a", "b", "c"]  # no date: when it was first seen


def test_a_publication_date_later_than_first_seen_is_not_believed(clean_stack):
    now = datetime.now(UTC)
    with connect(clean_stack.database_url) as conn:
        feed_id = _feed(conn)
        future = _entry("future", now + timedelta(days=365))
        entries.record(conn, feed_id, [future, _entry("recent", now - timedelta(minutes=1))])
        seen = now - timedelta(hours=1)
        conn.execute("UPDATE entries SET first_seen_at = %s WHERE guid = 'future'", (seen,))
        conn.commit()
        claimed = [entry.guid for entry in entries.claim(conn, 2)]
    assert claimed == ["future", "recent"]  # dated next year, but seen an hour ago
