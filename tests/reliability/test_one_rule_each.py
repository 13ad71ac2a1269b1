"""Knowledge that lived in two places and drifted: each now has one owner, and these tests
hold it to the rule (re-processing decides an article as ingestion does; a host's deferral
only ever lengthens)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hostile import article_page
from mediamon.fetch.client import FetchResult
from mediamon.pipeline.cycle import run_cycle
from mediamon.pipeline.maintenance import reprocess_window
from mediamon.pipeline.pages import Page, ProcessReport
from mediamon.pipeline.triage import record_fetch_failure
from mediamon.store import entries, hosts
from mediamon.store.db import connect
from mediamon.vocabulary import ErrorClass


def test_reprocess_decides_canonical_url_and_outlet_link_as_ingestion_does(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    original = "https://original-outlet.example/world/original-story.html"
    copy = site.page(
        "/copy.html",
        article_page("Wire copy", extra_head=f'<link rel="canonical" href="{original}">'),
    )
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(site.feed("/feed.xml", [("copy", copy, None)]) + "\n")
    run_cycle(hostile_settings, feeds, poll_all=True)
    with connect(hostile_settings.database_url) as conn:
        stored = conn.execute("SELECT syndicated_from FROM articles").fetchone()
        assert stored["syndicated_from"] == original
        # As an article stored by an older version that did not read the link.
        conn.execute("UPDATE articles SET syndicated_from = NULL, canonical_url = url || '#old'")
        conn.commit()

    reprocess_window(hostile_settings, None, None)

    with connect(hostile_settings.database_url) as conn:
        again = conn.execute("SELECT canonical_url, syndicated_from FROM articles").fetchone()
    assert (again["canonical_url"], again["syndicated_from"]) == (copy, original)


def test_a_shorter_retry_after_never_cuts_short_a_deferral(hostile_settings, sites, tmp_path):
    site = sites[0]
    story = site.page("/story.html", article_page("Storm warning issued"))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(site.feed("/feed.xml", [("a", story, None)]) + "\n")
    run_cycle(hostile_settings, feeds, poll_all=True)
    host = site.address
    asked = datetime.now(UTC) + timedelta(hours=1)
    with connect(hostile_settings.database_url) as conn:
        hosts.defer(conn, host, asked)  # a 429 asked for an hour
        entry = conn.execute("SELECT id FROM entries").fetchone()
        conn.execute(
            "UPDATE entries SET status = 'pending', attempts = 1 WHERE id = %s", (entry["id"],)
        )
        (claimed,) = entries.claim(conn, 1)
        soon = FetchResult(
            url=story,
            final_url=story,
            status_code=503,
            error_class=ErrorClass.HTTP_5XX,
            error="503 Service Unavailable",
            retry_after=datetime.now(UTC) + timedelta(minutes=1),
        )
        record_fetch_failure(conn, Page(story, [claimed], fetched=soon), ProcessReport())
        until = hosts.deferred(conn, [host])[host]
    assert until == asked
