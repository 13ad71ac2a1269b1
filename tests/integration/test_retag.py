"""Re-tagging after a watchlist edit updates PostgreSQL and Elasticsearch."""

from __future__ import annotations

import yaml

from mediamon.pipeline.cycle import index_pending, run_cycle
from mediamon.pipeline.maintenance import retag_articles
from mediamon.search.elastic import client
from mediamon.store.db import connect
from support import NEWSROOM_WATCHLIST, feeds_file, with_site


def test_retag_after_a_watchlist_edit_updates_both_stores(clean_stack, newsroom, tmp_path):
    settings = with_site(clean_stack, newsroom)
    run_cycle(settings, feeds_file(tmp_path, newsroom), poll_all=True)
    with connect(settings.database_url) as conn:
        tagged = conn.execute(
            "SELECT count(*) AS n FROM articles WHERE 'houthis' = ANY(groups)"
        ).fetchone()["n"]
    assert tagged > 0
    watchlist = yaml.safe_load(NEWSROOM_WATCHLIST.read_text())
    watchlist["groups"] = [g for g in watchlist["groups"] if g["id"] != "houthis"]
    edited = tmp_path / "watchlist.yaml"
    edited.write_text(yaml.safe_dump(watchlist))

    changed, version = retag_articles(settings, edited)
    index_pending(settings)

    assert changed == tagged and version == 2
    with connect(settings.database_url) as conn:
        assert (
            conn.execute(
                "SELECT count(*) AS n FROM articles WHERE 'houthis' = ANY(groups)"
            ).fetchone()["n"]
            == 0
        )
        assert {
            r["watchlist_version"]
            for r in conn.execute("SELECT DISTINCT watchlist_version FROM articles")
        } == {2}
    es = client(settings.elasticsearch_url)
    es.indices.refresh(index=settings.index)
    assert es.count(index=settings.index, query={"term": {"groups": "houthis"}})["count"] == 0


def test_retag_reindexes_documents_whose_tags_stayed_but_whose_watchlist_version_moved(
    clean_stack, newsroom, tmp_path
):
    settings = with_site(clean_stack, newsroom)
    run_cycle(settings, feeds_file(tmp_path, newsroom), poll_all=True)
    watchlist = yaml.safe_load(NEWSROOM_WATCHLIST.read_text())
    watchlist["groups"][0]["aliases"].append("an alias no article contains")
    edited = tmp_path / "watchlist.yaml"
    edited.write_text(yaml.safe_dump(watchlist))

    changed, version = retag_articles(settings, edited)
    index_pending(settings)

    es = client(settings.elasticsearch_url)
    es.indices.refresh(index=settings.index)
    stale = es.count(
        index=settings.index, query={"bool": {"must_not": {"term": {"watchlist_version": version}}}}
    )
    assert changed == 0 and stale["count"] == 0


def test_mentions_are_searchable_as_nested_objects(clean_stack, newsroom, tmp_path):
    settings = with_site(clean_stack, newsroom)
    run_cycle(settings, feeds_file(tmp_path, newsroom), poll_all=True)
    es = client(settings.elasticsearch_url)
    es.indices.refresh(index=settings.index)
    query = {"nested": {"path": "mentions", "query": {"term": {"mentions.group": "isis-k"}}}}
    hits = es.search(index=settings.index, query=query)["hits"]["hits"]
    assert hits and all("isis" in hit["_source"]["groups_with_ancestors"] for hit in hits)
