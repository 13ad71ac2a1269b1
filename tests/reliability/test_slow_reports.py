"""A report slow to arrive is still stored before the newer reports claimed after it, so
that events get their reports in the order they were written; but it holds them for
HOLD_SECONDS at most (pipeline/store_order.py)."""

from __future__ import annotations

from hostile import article_page
from mediamon.pipeline import store_order
from mediamon.pipeline.cycle import run_cycle
from mediamon.store.db import connect

OLDER = "Mon, 02 Nov 2026 08:00:00 +0000"
NEWER = "Mon, 02 Nov 2026 10:00:00 +0000"


def _run(settings, site, tmp_path, delay_s: float) -> list[dict]:
    """An outlet whose oldest report answers after `delay_s`, and three newer ones at once."""
    older = site.late("/older.html", article_page("The older report"), delay_s)
    newer = [site.page(f"/newer-{n}.html", article_page(f"Newer report {n}")) for n in range(3)]
    items = [(link, link, NEWER) for link in newer] + [(older, older, OLDER)]
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(f"feeds:\n  - url: {site.feed('/feed.xml', items)}\n")
    run_cycle(settings, feeds, poll_all=True)
    with connect(settings.database_url) as conn:
        return conn.execute("SELECT title, fetched_at FROM articles ORDER BY id").fetchall()


def test_an_older_report_slow_to_fetch_is_stored_before_the_newer_ones(
    hostile_settings, sites, tmp_path
):
    stored = _run(hostile_settings, sites[0], tmp_path, delay_s=1.5)
    assert [row["title"] for row in stored][0] == "The older report"
    assert len(stored) == 4


def test_newer_reports_are_stored_anyway_once_held_hold_seconds(
    hostile_settings, sites, tmp_path, monkeypatch
):
    monkeypatch.setattr(store_order, "HOLD_SECONDS", 0.5)
    site = sites[0]
    stored = _run(hostile_settings, site, tmp_path, delay_s=2.5)
    assert [row["title"] for row in stored][-1] == "The older report"
    # Stored while the older page was still on its way, not when it came.
    assert all(row["fetched_at"] < site.answered_at["/older.html"] for row in stored[:-1])
