"""Hostile pages and servers (cases 5-18 of the reliability issue). Each case serves its bad
page in a feed beside a good one: the bad page gets a recorded outcome, the good page is
stored, nothing crashes."""

from __future__ import annotations

import dataclasses
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hostile import BlackHole, article_page, http_date
from limits import TIGHT_FETCH
from mediamon.fetch.client import Fetcher
from mediamon.fetch.guard import NetworkGuard
from mediamon.pipeline.cycle import run_cycle
from mediamon.search.elastic import client
from mediamon.store.db import connect


def ingest(
    settings,
    site,
    bad_links: list[str],
    tmp_path: Path,
    extra_items=(),
    respect_robots: bool = True,
) -> dict[str, dict]:
    """One cycle over a feed listing `bad_links` and one good page; entries by link."""
    good = site.page("/good.html", article_page("Floods reach the valley"))
    items = [(f"bad-{i}", link, None) for i, link in enumerate(bad_links)] + [
        ("good", good, None),
        *extra_items,
    ]
    feed = site.feed("/feed.xml", items)
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text(
        f"feeds:\n  - url: {feed}\n    respect_robots: {str(respect_robots).lower()}\n"
    )
    run_cycle(settings, feeds, poll_all=True)
    with connect(settings.database_url) as conn:
        entries = {row["link"]: row for row in conn.execute("SELECT * FROM entries")}
    assert entries[good]["status"] == "done", entries[good]  # the rest of the batch completed
    return entries


def test_gzip_bomb_page_is_aborted_at_the_decompressed_cap(hostile_settings, sites, tmp_path):
    bad = sites[0].gzip_bomb("/bomb.html", "text/html")
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert entry["status"] == "failed" and entry["status_reason"].startswith("too_large")


def test_endless_body_without_length_is_aborted_at_the_cap(hostile_settings, sites, tmp_path):
    bad = sites[0].endless("/endless.html")
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert entry["status"] == "failed" and "larger than" in entry["status_reason"]


def test_a_byte_every_two_seconds_is_stopped_at_the_total_deadline(
    hostile_settings, sites, tmp_path
):
    bad = sites[0].drip("/drip.html")
    started = time.perf_counter()
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert time.perf_counter() - started < 30
    assert entry["status"] == "pending" and entry["status_reason"].startswith("timeout")


def test_a_connection_that_hangs_on_connect_is_retried_later(hostile_settings, sites, tmp_path):
    hole = BlackHole()
    try:
        settings = dataclasses.replace(
            hostile_settings, allowed_addresses=hostile_settings.allowed_addresses | {hole.address}
        )
        bad = hole.url("/never.html")
        # robots.txt off for this feed, so the page request itself meets the hanging connect.
        entry = ingest(settings, sites[0], [bad], tmp_path, respect_robots=False)[bad]
    finally:
        hole.close()
    assert entry["status"] == "pending" and entry["next_attempt_at"] > datetime.now(UTC)
    assert entry["status_reason"].startswith(("timeout", "connection"))


def test_a_reset_mid_body_is_a_soft_failure_retried_later(hostile_settings, sites, tmp_path):
    bad = sites[0].reset_mid_body("/reset.html")
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert entry["status"] == "pending" and entry["status_reason"].startswith("connection")


def test_redirect_loop_is_stopped_with_a_clear_error(hostile_settings, sites, tmp_path):
    site = sites[0]
    site.redirect("/loop-b.html", site.url("/loop-a.html"))
    bad = site.redirect("/loop-a.html", site.url("/loop-b.html"))
    entry = ingest(hostile_settings, site, [bad], tmp_path)[bad]
    assert entry["status"] == "failed" and "redirect loop" in entry["status_reason"]


def test_a_six_hop_redirect_chain_is_stopped_at_the_hop_limit(hostile_settings, sites, tmp_path):
    site = sites[0]
    site.page("/hop-0.html", article_page("End of the chain"))
    for hop in range(1, 7):
        site.redirect(f"/hop-{hop}.html", site.url(f"/hop-{hop - 1}.html"))
    bad = site.url("/hop-6.html")
    entry = ingest(hostile_settings, site, [bad], tmp_path)[bad]
    assert entry["status"] == "failed" and "more than 5 redirects" in entry["status_reason"]
    assert not site.fetched("/hop-0.html")


def test_redirects_to_private_addresses_are_blocked_on_every_hop(hostile_settings, sites, tmp_path):
    site, internal = sites[0], sites[3]
    internal.page("/secret.html", article_page("Internal"))
    port = internal.port
    targets = {
        "loopback": f"http://127.0.0.1:{port}/secret.html",
        "metadata": "http://169.254.169.254/latest/meta-data/",
        "decimal": f"http://2130706433:{port}/secret.html",
        "mapped": f"http://[::ffff:127.0.0.1]:{port}/secret.html",
        "file": "file:///etc/passwd",
    }
    bad = [site.redirect(f"/to-{name}.html", target) for name, target in targets.items()]
    entries = ingest(hostile_settings, site, bad, tmp_path)
    for link in bad:
        assert entries[link]["status"] == "failed", entries[link]
        assert entries[link]["status_reason"].startswith("blocked"), entries[link]
    assert internal.requests == []


def test_dns_that_turns_private_is_blocked_at_connect(sites):
    """The guard resolves on every connection: a name that answered with a permitted address
    (the test site stands in for a public one) and then with a private one is refused then."""
    site = sites[0]
    site.page("/a.html", "hello")
    answers = iter([["127.0.0.1"], ["169.254.169.254"]])
    guard = NetworkGuard(
        allowed_addresses=frozenset({site.address}), resolver=lambda host, port: next(answers)
    )
    with Fetcher(TIGHT_FETCH, guard) as fetcher:
        first = fetcher.get(f"http://rebinding.test:{site.port}/a.html")
    with Fetcher(TIGHT_FETCH, guard) as fetcher:
        second = fetcher.get(f"http://rebinding.test:{site.port}/a.html")
    assert first.ok
    assert second.error_class == "blocked" and "169.254.169.254" in second.error


def test_malformed_urls_come_back_as_failures_not_exceptions():
    guard = NetworkGuard(resolver=lambda host, port: ["127.0.0.1"])
    with Fetcher(TIGHT_FETCH, guard) as fetcher:
        unparseable = fetcher.get("http://[::1/a.html")
        bad_idna = fetcher.get("http://xn--/a.html")  # an A-label without Punycode
        control = fetcher.get("http://a.test/a.html\r\nX-Injected: 1")
    assert unparseable.error_class == "invalid_url" and "IPv6" in unparseable.error
    assert bad_idna.error_class == "blocked"  # reached the guard, which refused loopback
    assert control.error_class == "invalid_url"


def test_429_with_retry_after_seconds_defers_that_host_only(hostile_settings, sites, tmp_path):
    limited, other = sites[1], sites[2]
    bad = limited.page(
        "/busy.html", "slow down", "text/plain", status=429, headers={"Retry-After": "600"}
    )
    fine = other.page("/fine.html", article_page("Other host"))
    started = time.perf_counter()
    entries = ingest(
        hostile_settings, sites[0], [bad], tmp_path, extra_items=[("other", fine, None)]
    )
    assert time.perf_counter() - started < 20  # nothing slept for ten minutes
    assert entries[bad]["status"] == "pending" and entries[bad]["status_reason"].startswith(
        "rate_limited"
    )
    assert entries[bad]["next_attempt_at"] > datetime.now(UTC) + timedelta(minutes=9)
    assert entries[fine]["status"] == "done"
    with connect(hostile_settings.database_url) as conn:
        host = conn.execute(
            "SELECT deferred_until FROM hosts WHERE host = %s", (limited.address,)
        ).fetchone()
    assert host["deferred_until"] > datetime.now(UTC) + timedelta(minutes=9)


def test_503_with_retry_after_http_date_defers_that_host(hostile_settings, sites, tmp_path):
    limited = sites[1]
    retry_at = http_date(timedelta(hours=1))
    bad = limited.page(
        "/down.html", "maintenance", "text/plain", status=503, headers={"Retry-After": retry_at}
    )
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert entry["status"] == "pending"
    assert entry["next_attempt_at"] > datetime.now(UTC) + timedelta(minutes=55)


def test_robots_txt_that_disallows_keeps_the_page_unfetched(hostile_settings, sites, tmp_path):
    site = sites[1]
    site.robots = (200, "User-agent: *\nDisallow: /private/\n")
    bad = site.page("/private/story.html", article_page("Private"))
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert entry["status"] == "skipped" and "robots.txt disallows" in entry["status_reason"]
    assert not site.fetched("/private/story.html")


def test_robots_txt_answering_503_keeps_the_page_for_later(hostile_settings, sites, tmp_path):
    site = sites[1]
    site.robots = (503, "busy")
    bad = site.page("/story.html", article_page("Later"))
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert entry["status"] == "pending" and "robots.txt unavailable" in entry["status_reason"]
    assert not site.fetched("/story.html")


def test_non_html_responses_are_skipped_with_their_content_type(hostile_settings, sites, tmp_path):
    site = sites[0]
    bad = [
        site.page("/report.pdf", b"%PDF-1.7" + b"0" * 1_000_000, "application/pdf"),
        site.page("/photo.png", b"\x89PNG" + b"0" * 1_000_000, "image/png"),
        site.page("/notes.txt", "plain words " * 10_000, "text/plain"),
    ]
    entries = ingest(hostile_settings, site, bad, tmp_path)
    assert [entries[link]["status_reason"] for link in bad] == [
        "not HTML: application/pdf",
        "not HTML: image/png",
        "not HTML: text/plain",
    ]


def test_a_consent_wall_is_flagged_not_stored_as_an_article(hostile_settings, sites, tmp_path):
    wall = (
        "<html><body><div class='consent'><h1>Before you continue</h1><p>We use cookies and data to "
        "deliver and maintain our services. Accept all cookies or manage your consent.</p></div></body></html>"
    )
    bad = sites[0].page("/wall.html", wall)
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert entry["status"] == "skipped" and "consent wall or paywall" in entry["status_reason"]
    with connect(hostile_settings.database_url) as conn:
        assert (
            conn.execute(
                "SELECT count(*) AS n FROM articles WHERE text ILIKE '%%cookies%%'"
            ).fetchone()["n"]
            == 0
        )


def test_wrongly_declared_charsets_are_decoded_without_mojibake(hostile_settings, sites, tmp_path):
    site = sites[0]
    words = "Der Bürgermeister von Zürich erklärte, dass die Straßenbahn nicht fährt. Café crème, naïve résumé. "
    latin1 = site.page(
        "/latin1.html",
        article_page("Zürich", 2).replace("Rescue", words).encode("cp1252"),
        "text/html; charset=utf-8",
    )
    utf8_labelled_latin1 = site.page(
        "/wrong-meta.html",
        article_page("Zürich, Basel", 2, charset_meta="iso-8859-1")
        .replace("Rescue", words)
        .encode(),
        "text/html",
    )
    ingest(hostile_settings, site, [latin1, utf8_labelled_latin1], tmp_path)
    with connect(hostile_settings.database_url) as conn:
        texts = [
            r["text"]
            for r in conn.execute("SELECT text FROM articles WHERE text LIKE '%%Bürgermeister%%'")
        ]
    assert len(texts) == 2
    assert all("Straßenbahn" in text and "Ã" not in text for text in texts)


def test_a_page_that_extraction_cannot_finish_is_stopped_at_its_time_limit(
    hostile_settings, sites, tmp_path
):
    paragraphs = "".join(
        f"<p>Paragraph {i} with a handful of words in it.</p>" for i in range(60_000)
    )
    bad = sites[0].page("/giant.html", f"<html><body><article>{paragraphs}</article></body></html>")
    started = time.perf_counter()
    entry = ingest(hostile_settings, sites[0], [bad], tmp_path)[bad]
    assert time.perf_counter() - started < 60
    assert entry["status"] == "failed" and "extraction exceeded" in entry["status_reason"]


def test_a_page_extraction_cannot_finish_fails_alone_in_its_workers_batch(
    hostile_settings, sites, tmp_path
):
    paragraphs = "".join(
        f"<p>Paragraph {i} with a handful of words in it.</p>" for i in range(60_000)
    )
    bad = sites[0].page("/giant.html", f"<html><body><article>{paragraphs}</article></body></html>")
    # Enough pages that the giant one shares a worker task with some of them.
    others = [
        (
            f"other-{i}",
            sites[0].page(f"/other-{i}.html", article_page(f"Story {i} of the day")),
            None,
        )
        for i in range(6)
    ]
    entries = ingest(hostile_settings, sites[0], [bad], tmp_path, extra_items=others)
    assert entries[bad]["status"] == "failed"
    assert "extraction exceeded" in entries[bad]["status_reason"]
    assert all(entries[link]["status"] == "done" for _, link, _ in others)


def test_one_article_under_three_guids_with_tracking_parameters_is_stored_once(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    link = site.page("/story.html", article_page("One story"))
    items = [
        ("guid-a", link, "Tue, 19 Nov 2019 10:00:00 +0000"),
        ("guid-b", link + "?utm_source=rss&utm_medium=feed", "Wed, 20 Nov 2019 08:00:00 +0000"),
        ("guid-c", link + "?fbclid=abc", "Thu, 21 Nov 2019 09:00:00 +0000"),
    ]
    ingest(hostile_settings, site, [], tmp_path, extra_items=items)
    with connect(hostile_settings.database_url) as conn:
        rows = conn.execute(
            "SELECT id FROM articles WHERE canonical_url LIKE '%%/story.html'"
        ).fetchall()
        linked = conn.execute(
            "SELECT DISTINCT article_id FROM entries WHERE guid LIKE 'guid-%%'"
        ).fetchall()
    assert len(rows) == 1 and [r["article_id"] for r in linked] == [rows[0]["id"]]
    es = client(hostile_settings.elasticsearch_url)
    es.indices.refresh(index=hostile_settings.index)
    assert (
        es.count(
            index=hostile_settings.index, query={"term": {"canonical_url": site.url("/story.html")}}
        )["count"]
        == 1
    )
