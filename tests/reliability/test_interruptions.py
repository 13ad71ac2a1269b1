"""An operator's Ctrl-C and a database that fails mid-run: a clean stop, one `error:` line,
nothing lost, and what was stored still indexed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from hostile import article_page
from mediamon.search.elastic import client
from mediamon.store.db import connect

# The console script installed beside the interpreter running the tests.
MEDIAMON = str(Path(sys.executable).with_name("mediamon"))


def _env(settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "MEDIAMON_DATABASE_URL": settings.database_url,
        "MEDIAMON_ELASTICSEARCH_URL": settings.elasticsearch_url,
        "MEDIAMON_INDEX": settings.index,
        "MEDIAMON_WATCHLIST": str(settings.watchlist_path),
        "MEDIAMON_ALLOWED_ADDRESSES": ",".join(sorted(settings.allowed_addresses)),
        "MEDIAMON_WORKERS": "1",
        **extra,
    }


def _count(settings, sql: str) -> int:
    with connect(settings.database_url) as conn:
        return conn.execute(sql).fetchone()["n"]


def _slow_pages(site, count: int, delay_s: float) -> list[str]:
    links = []
    for n in range(count):
        body = article_page(f"Slow story {n}").encode()

        def respond(handler, _query, body=body):
            time.sleep(delay_s)
            site.send(handler, 200, body, "text/html; charset=utf-8")

        site.routes[f"/slow-{n}.html"] = respond
        links.append(site.url(f"/slow-{n}.html"))
    return links


def test_ctrl_c_stops_fetching_hands_back_claimed_entries_and_exits_130(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    links = _slow_pages(site, 60, 0.4)
    feed = site.feed("/feed.xml", [(link, link, None) for link in links])
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(feed + "\n")
    ingest = subprocess.Popen(
        [MEDIAMON, "ingest", "--feeds-file", str(feeds), "--all"],
        env=_env(hostile_settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while _count(hostile_settings, "SELECT count(*) AS n FROM articles") < 2:
        assert time.monotonic() < deadline and ingest.poll() is None, ingest.communicate()
        time.sleep(0.05)
    ingest.send_signal(signal.SIGINT)
    interrupted_at = time.monotonic()
    fetched_before = len(site.requests)
    out, err = ingest.communicate(timeout=30)
    assert ingest.returncode == 130, (out, err)
    assert time.monotonic() - interrupted_at < 8
    assert "stopping" in err and "interrupted" in out
    assert "Traceback" not in err
    # Nothing failed for being interrupted, nothing is left leased, few pages were asked for after.
    assert (
        _count(hostile_settings, "SELECT count(*) AS n FROM entries WHERE status = 'failed'") == 0
    )
    assert (
        _count(hostile_settings, "SELECT count(*) AS n FROM entries WHERE leased_by IS NOT NULL")
        == 0
    )
    assert len(site.requests) - fetched_before <= 4
    pending = _count(hostile_settings, "SELECT count(*) AS n FROM entries WHERE status = 'pending'")
    assert pending > 0

    again = subprocess.run(
        [MEDIAMON, "ingest"],
        env=_env(hostile_settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr
    assert _count(hostile_settings, "SELECT count(*) AS n FROM articles") == len(links)


def test_a_statement_timeout_mid_run_is_one_error_line_and_earlier_articles_still_get_indexed(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    first = site.page("/first.html", article_page("Ferry service resumes"))
    feeds = tmp_path / "feeds.txt"
    feeds.write_text(site.feed("/first.xml", [("first", first, None)]) + "\n")
    stored_unindexed = subprocess.run(
        [MEDIAMON, "ingest", "--feeds-file", str(feeds), "--all"],
        env=_env(hostile_settings, MEDIAMON_ELASTICSEARCH_URL="http://127.0.0.1:9"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stored_unindexed.returncode == 0, stored_unindexed.stderr
    second = site.page("/second.html", article_page("Dam inspection ordered"))
    feeds.write_text(site.feed("/second.xml", [("second", second, None)]) + "\n")
    timeout_url = hostile_settings.database_url + "?options=-c%20statement_timeout%3D1500"
    with psycopg.connect(hostile_settings.database_url) as blocker:
        # Readers pass; the run's insert into articles waits and is cancelled at 1.5 s.
        blocker.execute("LOCK TABLE articles IN SHARE MODE")
        run = subprocess.run(
            [MEDIAMON, "ingest", "--feeds-file", str(feeds), "--all"],
            env=_env(hostile_settings, MEDIAMON_DATABASE_URL=timeout_url),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 2, run.stderr
    (line,) = [line for line in run.stderr.splitlines() if line.startswith("error:")]
    assert "statement_timeout" in line and "Traceback" not in run.stderr
    es = client(hostile_settings.elasticsearch_url)
    es.indices.refresh(index=hostile_settings.index)
    assert es.count(index=hostile_settings.index)["count"] == 1


def test_a_malformed_database_url_is_one_error_line(hostile_settings):
    run = subprocess.run(
        [MEDIAMON, "feeds", "list"],
        env=_env(hostile_settings, MEDIAMON_DATABASE_URL="postgresql://u:p@127.0.0.1:notaport/x"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert (
        run.stderr.startswith("error: malformed PostgreSQL URL") and "Traceback" not in run.stderr
    )
    assert "u:p@" not in run.stderr


def test_a_failed_export_leaves_the_previous_file_as_it_was(hostile_settings, tmp_path):
    target = tmp_path / "export.jsonl"
    target.write_text("previous export\n")
    run = subprocess.run(
        [MEDIAMON, "export", "--out", str(target)],
        env=_env(hostile_settings, MEDIAMON_DATABASE_URL="postgresql://u:p@127.0.0.1:9/x"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and run.stderr.startswith("error:")
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.jsonl"]


def test_an_export_into_a_missing_directory_is_one_error_line(hostile_settings, tmp_path):
    run = subprocess.run(
        [MEDIAMON, "export", "--out", str(tmp_path / "missing" / "export.jsonl")],
        env=_env(hostile_settings),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.startswith("error: cannot write") and "Traceback" not in run.stderr
