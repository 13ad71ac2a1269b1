"""Values PostgreSQL cannot index, documents under ever-new addresses, and work that never gets
an outcome: each is one page's recorded outcome, never the batch's or the run's."""

from __future__ import annotations

import logging

from hostile import article_page, rss
from mediamon.pipeline.cycle import index_pending, run_cycle
from mediamon.search.elastic import client
from mediamon.store.db import connect
from mediamon.store.entries import MAX_ATTEMPTS, claim


def _feeds_file(tmp_path, *feed_urls: str):
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds:\n" + "".join(f"  - url: {url}\n" for url in feed_urls))
    return feeds


def _entries(settings) -> dict[str, dict]:
    with connect(settings.database_url) as conn:
        return {row["link"]: row for row in conn.execute("SELECT * FROM entries")}


def test_a_twenty_kilobyte_canonical_link_is_ignored_and_the_whole_batch_is_stored(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    huge = site.url("/" + "c" * 20_000)
    links = [site.page(f"/story-{n}.html", article_page(f"Story number {n}")) for n in range(8)]
    bad = site.page(
        "/huge-canonical.html",
        article_page("Huge canonical", extra_head=f'<link rel="canonical" href="{huge}">'),
    )
    feed = site.feed("/feed.xml", [(link, link, None) for link in [*links, bad]])
    run_cycle(hostile_settings, _feeds_file(tmp_path, feed), poll_all=True)
    entries = _entries(hostile_settings)
    assert {entries[link]["status"] for link in [*links, bad]} == {"done"}
    with connect(hostile_settings.database_url) as conn:
        stored = conn.execute(
            "SELECT canonical_url FROM articles WHERE url = %s", (bad,)
        ).fetchone()
    assert stored["canonical_url"] == bad


def test_a_page_postgresql_refuses_fails_alone_and_the_batch_says_it_was_stored_one_by_one(
    hostile_settings, sites, tmp_path, caplog
):
    with connect(hostile_settings.database_url) as conn, conn.transaction():
        # Stands for a value PostgreSQL cannot hold that no check before it caught.
        conn.execute(
            "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.title = 'Poison' THEN RAISE EXCEPTION 'index row size 3520 exceeds btree"
            " version 4 maximum 2704' USING ERRCODE = 'program_limit_exceeded'; END IF;"
            " RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER articles_refuse_poison BEFORE INSERT ON articles"
            " FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
        )
    site = sites[0]
    links = [site.page(f"/story-{n}.html", article_page(f"Story number {n}")) for n in range(5)]
    bad = site.page("/poison.html", article_page("Poison"))
    feed = site.feed("/feed.xml", [(link, link, None) for link in [*links, bad]])
    with caplog.at_level(logging.WARNING, logger="mediamon"):
        run_cycle(hostile_settings, _feeds_file(tmp_path, feed), poll_all=True)
    entries = _entries(hostile_settings)
    assert {entries[link]["status"] for link in links} == {"done"}
    assert entries[bad]["status"] == "failed"
    assert "rejected by PostgreSQL: index row size 3520" in entries[bad]["status_reason"]
    said = [r.getMessage() for r in caplog.records if r.name == "mediamon.pipeline.storing"]
    assert len(said) == 1
    assert "refused by PostgreSQL (index row size 3520" in said[0]
    assert "storing them one by one" in said[0]


def test_a_redirect_to_a_url_over_4000_characters_fails_that_page_alone(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    good = site.page("/good.html", article_page("Floods reach the valley"))
    bad = site.redirect("/moved.html", site.url("/" + "r" * 5_000))
    feed = site.feed("/feed.xml", [("bad", bad, None), ("good", good, None)])
    report = run_cycle(hostile_settings, _feeds_file(tmp_path, feed), poll_all=True)
    entries = _entries(hostile_settings)
    assert entries[good]["status"] == "done"
    assert entries[bad]["status"] == "failed"
    assert "over the 4,000 accepted" in entries[bad]["status_reason"]
    assert report.index.indexed == 1


def test_a_feed_that_rotates_guids_and_cache_busting_parameters_stores_its_story_once(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    site.page("/story.html", article_page("Bridge reopens after repairs"))
    poll = {"n": 0}

    def rotating(handler, _query):
        poll["n"] += 1
        link = site.url(f"/story.html?v={poll['n']}")
        site.send(handler, 200, rss([(f"guid-{poll['n']}", link, None)]), "application/rss+xml")

    site.routes["/feed.xml"] = rotating
    feeds = _feeds_file(tmp_path, site.url("/feed.xml"))
    for _ in range(3):
        run_cycle(hostile_settings, feeds, poll_all=True)
    with connect(hostile_settings.database_url) as conn:
        articles = conn.execute("SELECT id FROM articles").fetchall()
        entries = conn.execute("SELECT status, article_id FROM entries").fetchall()
    assert len(articles) == 1
    assert len(entries) == 3
    assert {(e["status"], e["article_id"]) for e in entries} == {("done", articles[0]["id"])}


def test_an_article_a_second_feed_lists_is_reindexed_with_both_feeds(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    story = site.page("/story.html", article_page("Harbour strike ends"))
    first = site.feed("/first.xml", [("a", story, None)])
    run_cycle(hostile_settings, _feeds_file(tmp_path, first), poll_all=True)
    second = site.feed("/second.xml", [("b", story, None)])
    run_cycle(hostile_settings, _feeds_file(tmp_path, first, second), poll_all=True)
    es = client(hostile_settings.elasticsearch_url)
    es.indices.refresh(index=hostile_settings.index)
    (hit,) = es.search(index=hostile_settings.index, query={"match_all": {}})["hits"]["hits"]
    assert len(hit["_source"]["feed_ids"]) == 2


def test_an_entry_whose_batches_keep_dying_gets_an_outcome_at_the_attempt_cap(
    hostile_settings, sites, tmp_path
):
    site = sites[0]
    story = site.page("/story.html", article_page("Storm warning issued"))
    feed = site.feed("/feed.xml", [("a", story, None)])
    run_cycle(hostile_settings, _feeds_file(tmp_path, feed), poll_all=True)
    with connect(hostile_settings.database_url) as conn:
        # As after MAX_ATTEMPTS claims whose process died before recording anything.
        conn.execute(
            "UPDATE entries SET status = 'pending', article_id = NULL, attempts = %s,"
            " status_reason = 'connection: reset'",
            (MAX_ATTEMPTS,),
        )
        conn.commit()
        with conn.transaction():
            assert claim(conn, 10) == []
        entry = conn.execute("SELECT status, status_reason FROM entries").fetchone()
    assert entry["status"] == "failed"
    assert entry["status_reason"].startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    assert index_pending(hostile_settings).indexed == 0
