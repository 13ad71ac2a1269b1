"""Story clustering against the real PostgreSQL (and Elasticsearch for the cluster fields)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

from mediamon.dedup.clusters import Story, dedupe_article, dedupe_stories
from mediamon.dedup.fingerprint import line_hash, story_print
from mediamon.search.elastic import client
from mediamon.search.index_setup import ensure_index
from mediamon.search.indexer import drain_outbox
from mediamon.store.db import connect
from mediamon.store.outbox import enqueue

STORY = "\n".join(
    f"Paragraph {i}: rescuers in the valley reached {i} villages cut off by the flood on Monday, "
    f"officials said, as water levels near river {i} kept rising overnight."
    for i in range(10)
)
T0 = datetime(2019, 11, 19, 6, 0, tzinfo=UTC)


def store(database_url: str, url: str, text: str, published_at: datetime, source: str) -> int:
    with connect(database_url) as conn, conn.transaction():
        return conn.execute(
            "INSERT INTO articles (canonical_url, url, source, title, text, published_at)"
            " VALUES (%s, %s, %s, 'Flood', %s, %s) RETURNING id",
            (url, url, source, text, published_at),
        ).fetchone()["id"]


def cluster(database_url: str, article_id: int, dedup_settings) -> list[int]:
    with connect(database_url) as conn, conn.transaction():
        row = conn.execute("SELECT * FROM articles WHERE id = %s", (article_id,)).fetchone()
        changed = dedupe_article(
            conn,
            article_id,
            row["source"],
            row["canonical_url"],
            None,
            row["title"],
            row["text"],
            dedup_settings,
        )
        enqueue(conn, changed)
        return changed


def _cluster_after_barrier(database_url, article_id, dedup_settings, barrier) -> None:
    barrier.wait()
    cluster(database_url, article_id, dedup_settings)


def test_two_processes_clustering_copies_at_once_open_one_cluster(clean_stack):
    url = clean_stack.database_url
    ids = [
        store(url, f"https://outlet{i}.example/flood", STORY, T0, f"outlet{i}.example")
        for i in range(2)
    ]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    workers = [
        context.Process(
            target=_cluster_after_barrier, args=(url, article_id, clean_stack.dedup, barrier)
        )
        for article_id in ids
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    with connect(url) as conn:
        clusters = conn.execute("SELECT DISTINCT cluster_id FROM articles").fetchall()
        assert len(clusters) == 1 and clusters[0]["cluster_id"] is not None
        assert conn.execute("SELECT count(*) AS n FROM clusters").fetchone()["n"] == 1


def test_an_earlier_original_arriving_later_becomes_the_original_in_both_stores(clean_stack):
    url = clean_stack.database_url
    copy_id = store(
        url,
        "https://copy.example/flood",
        "WASHINGTON (AP) \u2014 " + STORY,
        T0 + timedelta(hours=3),
        "copy.example",
    )
    cluster(url, copy_id, clean_stack.dedup)
    original_id = store(url, "https://wire.example/flood", STORY, T0, "wire.example")
    changed = cluster(url, original_id, clean_stack.dedup)
    assert set(changed) == {copy_id, original_id}
    es = client(clean_stack.elasticsearch_url)
    ensure_index(es, clean_stack.index)
    assert drain_outbox(url, es, clean_stack.index).indexed == 2
    with connect(url) as conn:
        rows = {
            r["id"]: r
            for r in conn.execute("SELECT id, is_original, duplicate_of, cluster_id FROM articles")
        }
    assert rows[original_id]["is_original"] and not rows[copy_id]["is_original"]
    assert rows[copy_id]["duplicate_of"] == original_id
    es.indices.refresh(index=clean_stack.index)
    copy_doc = es.get(index=clean_stack.index, id=str(copy_id))["_source"]
    assert (copy_doc["is_original"], copy_doc["duplicate_of"], copy_doc["cluster_size"]) == (
        False,
        original_id,
        2,
    )


def test_a_different_story_opens_its_own_cluster(clean_stack):
    url = clean_stack.database_url
    first = store(url, "https://a.example/flood", STORY, T0, "a.example")
    other_text = "\n".join(
        f"Markets in Asia fell {i} percent as traders weighed rate news and oil {i}."
        for i in range(10)
    )
    second = store(url, "https://b.example/markets", other_text, T0, "b.example")
    cluster(url, first, clean_stack.dedup)
    cluster(url, second, clean_stack.dedup)
    with connect(url) as conn:
        assert (
            conn.execute("SELECT count(DISTINCT cluster_id) AS n FROM articles").fetchone()["n"]
            == 2
        )


def test_deleting_an_article_deletes_its_lsh_buckets_and_no_others(clean_stack):
    url = clean_stack.database_url
    kept, deleted = (
        store(url, f"https://{host}/flood", STORY, T0, host) for host in ("a.example", "b.example")
    )
    for article_id in (kept, deleted):
        cluster(url, article_id, clean_stack.dedup)
    with connect(url) as conn, conn.transaction():
        conn.execute("DELETE FROM articles WHERE id = %s", (deleted,))
    with connect(url) as conn:
        rows = conn.execute("SELECT article_id, count(*) AS n FROM lsh_buckets GROUP BY 1")
        assert {row["article_id"]: row["n"] > 0 for row in rows} == {kept: True}


def cluster_batch(database_url: str, article_ids: list[int], dedup_settings) -> list[int]:
    with connect(database_url) as conn, conn.transaction():
        rows = {
            row["id"]: row
            for row in conn.execute("SELECT * FROM articles WHERE id = ANY(%s)", (article_ids,))
        }
        stories = [
            Story(
                i,
                rows[i]["source"],
                rows[i]["canonical_url"],
                None,
                rows[i]["title"],
                rows[i]["text"],
            )
            for i in article_ids
        ]
        return dedupe_stories(conn, stories, dedup_settings)


def clusters_of(database_url: str) -> dict[int, int]:
    with connect(database_url) as conn:
        return {
            r["id"]: r["cluster_id"] for r in conn.execute("SELECT id, cluster_id FROM articles")
        }


def test_copies_clustered_in_one_batch_find_each_other(clean_stack):
    url = clean_stack.database_url
    other_text = "\n".join(
        f"Markets in Asia fell {i} percent as traders weighed rate news and oil {i}."
        for i in range(10)
    )
    ids = [
        store(url, "https://a.example/flood", STORY, T0, "a.example"),
        store(url, "https://b.example/markets", other_text, T0, "b.example"),
        store(url, "https://c.example/flood", "LONDON (Reuters) - " + STORY, T0, "c.example"),
    ]
    cluster_batch(url, ids, clean_stack.dedup)
    clusters = clusters_of(url)
    assert clusters[ids[0]] == clusters[ids[2]] != clusters[ids[1]]
    with connect(url) as conn:
        sizes = sorted(r["size"] for r in conn.execute("SELECT size FROM clusters"))
    assert sizes == [1, 2]


def test_a_batch_joining_two_stored_clusters_merges_them_into_one(clean_stack):
    url = clean_stack.database_url
    lead = STORY.split("\n")[:5]
    tail = STORY.split("\n")[5:]
    # Two stored halves of the story (too unlike each other to cluster) ...
    first = store(url, "https://a.example/flood-1", "\n".join(lead), T0, "a.example")
    second = store(url, "https://b.example/flood-2", "\n".join(tail), T0, "b.example")
    cluster_batch(url, [first, second], clean_stack.dedup)
    assert clusters_of(url)[first] != clusters_of(url)[second]
    # ... then a batch brings the whole story, an excerpt of which each half is.
    whole = store(url, "https://c.example/flood", STORY, T0, "c.example")
    changed = cluster_batch(url, [whole], clean_stack.dedup)
    clusters = clusters_of(url)
    assert clusters[first] == clusters[second] == clusters[whole]
    assert set(changed) >= {first, second, whole}
    with connect(url) as conn:
        assert conn.execute("SELECT count(*) AS n FROM clusters").fetchone()["n"] == 1


def test_a_print_made_without_the_outlets_template_is_made_again(clean_stack):
    url = clean_stack.database_url
    footer = "Wire Daily is published by the Wire Daily Company of Springfield since 1901."
    briefs = [
        store(
            url,
            f"https://wire.example/{i}",
            f"{STORY.replace('flood', topic)}\n{footer}",
            T0,
            "wire.example",
        )
        for i, topic in enumerate(["fire", "storm", "quake"])
    ]
    cluster_batch(url, briefs, clean_stack.dedup)  # the footer is now on 3 of its pages
    text = f"{STORY}\n{footer}"
    article_id = store(url, "https://wire.example/flood", text, T0, "wire.example")
    # The extraction worker did not know the footer yet: its print keeps it.
    guess = story_print(text, "Flood", clean_stack.dedup)
    templates: dict[str, frozenset[int]] = {}
    with connect(url) as conn, conn.transaction():
        story = Story(
            article_id, "wire.example", "https://wire.example/flood", None, "Flood", text, guess
        )
        dedupe_stories(conn, [story], clean_stack.dedup, templates)
        stored = conn.execute(
            "SELECT shingles FROM article_signatures WHERE article_id = %s", (article_id,)
        ).fetchone()["shingles"]
    footer_hash = line_hash(footer)
    right = story_print(text, "Flood", clean_stack.dedup, frozenset({footer_hash}))
    assert stored == right.fingerprint.shingle_bytes() != guess.fingerprint.shingle_bytes()
    assert footer_hash in templates["wire.example"]
