"""Hostile feeds (cases 1-5 of the reliability issue): refused or cleaned, recorded, and
the other feeds polled in the same batch still complete."""

from __future__ import annotations

import time

from hostile import article_page, gzip_bomb
from mediamon.feeds.poll import add_feeds, due_feeds, force_due, poll_feeds
from mediamon.feeds.sources import FeedSpec
from mediamon.pipeline.cycle import make_fetcher
from mediamon.store.db import connect

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>"""


def _xxe(internal_url: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY passwd SYSTEM "file:///etc/passwd"><!ENTITY % remote SYSTEM "{internal_url}"> %remote;]>
<rss version="2.0"><channel><title>&passwd;</title><item><title>&passwd;</title>
<link>http://example.invalid/a</link></item></channel></rss>""".encode()


def _quadratic() -> bytes:
    entity = "a" * 50_000
    refs = "&big;" * 5_000
    return (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY big "{entity}">]>'
        f'<rss version="2.0"><channel><title>{refs}</title></channel></rss>'
    ).encode()


def poll_all(settings, urls: list[str]) -> dict[str, dict]:
    add_feeds(settings.database_url, [FeedSpec(url) for url in urls])
    with make_fetcher(settings) as fetcher:
        report = poll_feeds(settings.database_url, fetcher, due_feeds(settings.database_url))
    with connect(settings.database_url) as conn:
        rows = {row["url"]: row for row in conn.execute("SELECT * FROM feeds")}
    return {"report": report, **rows}


def good_feed(site) -> str:
    link = site.page("/good.html", article_page("Floods"))
    return site.feed("/good.xml", [("good-1", link, None)])


def test_billion_laughs_feed_is_rejected_fast_and_recorded(hostile_settings, sites):
    site = sites[0]
    bad = site.page("/lol.xml", BILLION_LAUGHS, "application/rss+xml")
    started = time.perf_counter()
    result = poll_all(hostile_settings, [bad, good_feed(site)])
    assert time.perf_counter() - started < 1.0
    assert result[bad]["last_status"] == "parse_error" and "entities" in result[bad]["last_error"]
    assert (
        result[good_feed(site)]["last_status"] == "ok" and result[good_feed(site)]["items_new"] == 1
    )


def test_external_entities_read_no_file_and_fetch_nothing(hostile_settings, sites):
    site, internal = sites[0], sites[3]
    internal.page("/evil.dtd", '<!ENTITY % x "y">', "application/xml-dtd")
    bad = site.page("/xxe.xml", _xxe(internal.url("/evil.dtd")), "application/rss+xml")
    result = poll_all(hostile_settings, [bad, good_feed(site)])
    assert result[bad]["last_status"] == "parse_error"
    assert internal.requests == []
    with connect(hostile_settings.database_url) as conn:
        titles = [r["title"] or "" for r in conn.execute("SELECT title FROM entries")]
    assert not any("root:" in title for title in titles)


def test_quadratic_entity_blowup_is_refused_and_the_worker_survives(hostile_settings, sites):
    site = sites[0]
    bad = site.page("/quadratic.xml", _quadratic(), "application/rss+xml")
    result = poll_all(hostile_settings, [bad, good_feed(site)])
    assert result[bad]["last_status"] == "parse_error"
    assert result[good_feed(site)]["items_new"] == 1


def test_repeated_and_known_guids_add_each_entry_once_in_feed_order(hostile_settings, sites):
    site = sites[0]
    link = site.page("/a.html", article_page("A"))
    feed = site.feed("/f.xml", [("g1", link, None), ("g2", link, None)])
    poll_all(hostile_settings, [feed])
    site.feed(
        "/f.xml", [("g3", link, None), ("g1", link, None), ("g3", link, None), ("g4", link, None)]
    )
    force_due(hostile_settings.database_url)
    result = poll_all(hostile_settings, [feed])
    assert result[feed]["items_seen"] == 4 and result[feed]["items_new"] == 2
    with connect(hostile_settings.database_url) as conn:
        guids = [row["guid"] for row in conn.execute("SELECT guid FROM entries ORDER BY id")]
    assert guids == ["g1", "g2", "g3", "g4"]


def test_unsafe_characters_in_entries_are_cleaned_and_stored(hostile_settings, sites):
    site = sites[0]
    link = site.page("/a.html", article_page("A"))
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>Out&#1114112;of range, surrogate &#xD800; and NUL \x00 here</title>"
        f'<link>{link}</link><guid isPermaLink="false">g1</guid></item></channel></rss>'
    ).encode()
    bad = site.page("/chars.xml", body, "application/rss+xml")
    result = poll_all(hostile_settings, [bad])
    assert result[bad]["last_status"] == "ok"
    with connect(hostile_settings.database_url) as conn:
        title = conn.execute("SELECT title FROM entries").fetchone()["title"]
    assert "\x00" not in title and title.startswith("Out")


def test_gzip_bomb_feed_is_aborted_at_the_decompressed_cap(hostile_settings, sites):
    site = sites[0]
    assert len(gzip_bomb()) < 2 * 1024 * 1024  # 1 MiB on the wire, 1 GiB inflated
    bad = site.gzip_bomb("/bomb.xml", "application/rss+xml")
    result = poll_all(hostile_settings, [bad, good_feed(site)])
    assert result[bad]["last_status"] == "too_large"
    assert result[good_feed(site)]["last_status"] == "ok"


def test_a_consent_page_instead_of_a_feed_is_recorded_not_empty_success(hostile_settings, sites):
    site = sites[0]
    bad = site.page(
        "/consent.xml", "<html><body><p>We use cookies. Accept all to continue.</p></body></html>"
    )
    result = poll_all(hostile_settings, [bad])
    assert result[bad]["last_status"] == "parse_error" and "HTML page" in result[bad]["last_error"]
