"""Due entries are claimed oldest report first (store/entries.claim), and their pages stored in
that order: events are assigned in the order articles are stored, and a backfill then gives
them in the order they were written."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import psycopg

from mediamon.demo.builder import BUILD_BASE_URL
from mediamon.demo.site import FixtureSite
from mediamon.feeds.parse import FeedEntry
from mediamon.pipeline.cycle import run_cycle
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


def _site(root, long_paragraphs: int):
    """An outlet whose feed lists an older report on a long page (its extraction takes far
    longer) and a newer one on a short page."""
    sentence = (
        "The harbour authority met again on Tuesday to hear residents about the ferry terminal"
        " and the new road that will lead to it through the old fishing quarter."
    )
    pages = {"older": long_paragraphs, "newer": 8}
    for slug, paragraphs in pages.items():
        body = "".join(
            f"<p>{slug} report, paragraph {n}. {sentence}</p>" for n in range(paragraphs)
        )
        (root / f"{slug}.html").write_text(
            f"<html><head><title>The {slug} report</title></head><body><article>"
            f"<h1>The {slug} report</h1>{body}</article></body></html>"
        )
    items = "".join(
        f"<item><title>The {slug} report</title><link>{BUILD_BASE_URL}/{slug}.html</link>"
        f"<guid>{slug}</guid><pubDate>Mon, 02 Nov 2026 {hour}:00:00 +0000</pubDate></item>"
        for slug, hour in (("newer", 10), ("older", 8))
    )
    (root / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Outlet</title>{items}'
        "</channel></rss>"
    )
    (root / "feeds.txt").write_text(f"{BUILD_BASE_URL}/feed.xml\n")
    return root


def test_pages_are_stored_in_claim_order_when_a_later_one_is_extracted_first(clean_stack, tmp_path):
    with FixtureSite(_site(tmp_path, long_paragraphs=4000)) as site:
        settings = dataclasses.replace(
            clean_stack, workers=2, allowed_addresses=frozenset({site.address})
        )
        feeds_file = tmp_path / "feeds.list"
        feeds_file.write_text("\n".join(site.feed_urls()))
        run_cycle(settings, feeds_file, poll_all=True)
    with connect(clean_stack.database_url) as conn:
        titles = [row["title"] for row in conn.execute("SELECT title FROM articles ORDER BY id")]
    assert titles == ["The older report", "The newer report"]
