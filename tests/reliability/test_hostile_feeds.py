"""Hostile feeds (cases 1-5 of the reliability issue): refused or cleaned, recorded, and
the other feeds polled in the same batch still complete."""

from __future__ import annotations

import time

from hostile import article_page, gzip_bomb, rss
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


# -- one bad entry, one failing write: recorded for it alone ----------------------------------


def _stored_entries(settings) -> list[dict]:
    with connect(settings.database_url) as conn:
        return conn.execute(
            "SELECT f.url AS feed, e.guid, e.link, e.page_url FROM entries e"
            " JOIN feeds f ON f.id = e.feed_id ORDER BY e.id"
        ).fetchall()


def test_a_link_over_4000_characters_is_left_out_alone_with_its_reason(hostile_settings, sites):
    site = sites[0]
    link = site.page("/a.html", article_page("A"))
    long_link = link + "?q=" + "x" * (3500 - len(link) - 3)
    too_long = link + "?q=" + "x" * 4500
    feed = site.feed(
        "/f.xml", [("g1", link, None), ("long", long_link, None), ("over", too_long, None)]
    )
    result = poll_all(hostile_settings, [feed, good_feed(site)])
    assert result[feed]["last_status"] == "ok" and result[feed]["items_new"] == 2
    assert "1 entries skipped: entry link is 4," in result[feed]["last_error"]
    assert "over the 4,000 accepted" in result[feed]["last_error"]
    stored = {row["guid"]: row["link"] for row in _stored_entries(hostile_settings)}
    assert stored["long"] == long_link and len(long_link) == 3500
    assert "over" not in stored  # refused, not cut to 4,000 characters and fetched
    assert result[good_feed(site)]["items_new"] == 1


def test_an_entry_postgresql_refuses_is_left_out_alone(hostile_settings, sites):
    site = sites[0]
    with connect(hostile_settings.database_url) as conn, conn.transaction():
        # Stands for a value over an index's limit (ProgramLimitExceeded), for one entry.
        conn.execute(
            "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.guid = 'poison' THEN RAISE EXCEPTION 'index row size 3520 exceeds btree"
            " version 4 maximum 2704' USING ERRCODE = 'program_limit_exceeded'; END IF;"
            " RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER entries_refuse_poison BEFORE INSERT ON entries"
            " FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
        )
    link = site.page("/a.html", article_page("A"))
    feed = site.feed("/f.xml", [("g1", link, None), ("poison", link, None), ("g3", link, None)])
    result = poll_all(hostile_settings, [feed, good_feed(site)])
    assert result[feed]["last_status"] == "ok" and result[feed]["items_new"] == 2
    assert "entry not stored (ProgramLimitExceeded): index row size" in result[feed]["last_error"]
    stored = _stored_entries(hostile_settings)
    assert [row["guid"] for row in stored if row["feed"] == feed] == ["g1", "g3"]
    assert result[good_feed(site)]["items_new"] == 1


def test_a_feed_whose_write_fails_is_recorded_and_the_others_are_polled(hostile_settings, sites):
    site = sites[0]
    with connect(hostile_settings.database_url) as conn, conn.transaction():
        conn.execute(
            "CREATE FUNCTION fail_doomed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.guid LIKE 'doomed%' THEN RAISE EXCEPTION 'could not extend file:"
            " No space left on device' USING ERRCODE = 'disk_full'; END IF;"
            " RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER entries_fail_doomed BEFORE INSERT ON entries"
            " FOR EACH ROW EXECUTE FUNCTION fail_doomed()"
        )
    link = site.page("/a.html", article_page("A"))
    doomed = site.feed("/doomed.xml", [("doomed-1", link, None), ("doomed-2", link, None)])
    result = poll_all(hostile_settings, [doomed, good_feed(site)])
    assert result["report"].polled == 2 and result["report"].failed == 1
    assert result[doomed]["last_status"] == "store_error"
    assert "No space left on device" in result[doomed]["last_error"]
    assert result[doomed]["consecutive_failures"] == 1
    assert result[good_feed(site)]["last_status"] == "ok"
    assert [row["guid"] for row in _stored_entries(hostile_settings)] == ["good-1"]


# -- feeds read whole: relative links, wide encodings ----------------------------------------


def test_relative_links_resolve_against_the_feed_url_after_redirects(hostile_settings, sites):
    site = sites[0]
    site.page(
        "/feeds/news.xml",
        rss([("rel-1", "../articles/a.html", None), ("rel-2", "b.html", None)]),
        "application/rss+xml",
    )
    moved = site.redirect("/old-feed", "/feeds/news.xml", 301)
    result = poll_all(hostile_settings, [moved])
    assert result[moved]["last_status"] == "ok" and result[moved]["items_new"] == 2
    assert [row["page_url"] for row in _stored_entries(hostile_settings)] == [
        site.url("/articles/a.html"),
        site.url("/feeds/b.html"),
    ]


def test_a_utf16_feed_is_read_whole(hostile_settings, sites):
    site = sites[0]
    link = site.page("/a.html", article_page("A"))
    body = (
        '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Été</title>'
        f'<item><title>Łódź ☃ Öl</title><link>{link}</link><guid isPermaLink="false">g1</guid>'
        "</item></channel></rss>"
    ).encode("utf-16")
    feed = site.page("/utf16.xml", body, "application/rss+xml")
    result = poll_all(hostile_settings, [feed])
    assert result[feed]["last_status"] == "ok" and result[feed]["items_new"] == 1
    with connect(hostile_settings.database_url) as conn:
        assert conn.execute("SELECT title FROM entries").fetchone()["title"] == "Łódź ☃ Öl"
