"""Events in PostgreSQL (store/events.py): assignment in a transaction, merges, recomputing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg
import pytest
from psycopg.rows import dict_row

from mediamon.events.encoder import DIMENSIONS, encode
from mediamon.events.evidence import lead_text
from mediamon.store import event_window, events

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)

REPORTS = [  # (title, lead, groups, hours, language)
    (
        "Suicide bomber kills 14 outside Kabul bank",
        "A suicide bomber killed 14 people and wounded 31 outside a bank in Kabul on Tuesday.",
        ["isis-k", "taliban"], 0, "en",
    ),
    (
        "Взрыв у банка в Кабуле: погибли 14 человек",
        "Смертник взорвал себя у банка в Кабуле во вторник, погибли 14 человек, 31 ранен.",
        ["isis-k", "taliban"], 2, "ru",
    ),
    (
        "Houthis hit tanker in Gulf of Aden",
        "A Houthi missile struck the tanker Coral Meridian 90 nautical miles off Aden.",
        ["houthis"], 4, "en",
    ),
]  # fmt: skip


@pytest.fixture
def conn(clean_stack):
    with psycopg.connect(clean_stack.database_url, row_factory=dict_row) as connection:
        event_window.forget(connection)
        yield connection


def store(conn, reports, cluster_of=None, into_cluster=None):
    """Insert the reports as articles and assign them in one transaction; their ids."""
    return store_and_requeued(conn, reports, cluster_of, into_cluster)[0]


def store_and_requeued(conn, reports, cluster_of=None, into_cluster=None):
    """`store`, and the articles whose documents the assignment queued for indexing."""
    ids = []
    with conn.transaction():
        for n, (title, lead, groups, hours, language) in enumerate(reports):
            row = conn.execute(
                "INSERT INTO articles (canonical_url, url, source, title, text, groups,"
                " published_at, language) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (f"https://o{n}.example/{title}", f"https://o{n}.example/{title}",
                 f"o{n}.example", title, lead, groups, T0 + timedelta(hours=hours), language),
            ).fetchone()  # fmt: skip
            ids.append(row["id"])
        if cluster_of:
            cluster = conn.execute(
                "INSERT INTO clusters (original_article_id) VALUES (%s) RETURNING id", (ids[0],)
            ).fetchone()
            conn.execute(
                "UPDATE articles SET cluster_id = %s WHERE id = ANY(%s)",
                (cluster["id"], [ids[i] for i in cluster_of]),
            )
        if into_cluster:
            conn.execute(
                "UPDATE articles SET cluster_id = %s WHERE id = ANY(%s)", (into_cluster, ids)
            )
        rows = conn.execute(
            "SELECT id, cluster_id, title, text, groups, published_at, language FROM articles"
            " WHERE id = ANY(%s)",
            (ids,),
        ).fetchall()
        reports_ = [
            events.report_of(
                r["id"], r["cluster_id"], encode(lead_text(r["title"], r["text"])).tobytes(),
                r["title"], r["text"], r["groups"], r["published_at"], r["language"],
            )
            for r in rows
        ]  # fmt: skip
        requeued = events.assign(conn, reports_)
    event_window.committed(conn)
    return ids, requeued


def event_of(conn, article_ids):
    rows = conn.execute(
        "SELECT id, event_id FROM articles WHERE id = ANY(%s) ORDER BY id", (article_ids,)
    ).fetchall()
    return [r["event_id"] for r in rows]


def test_reports_of_one_event_share_an_event_row_with_its_languages_and_size(conn):
    ids = store(conn, REPORTS)
    bank_en, bank_ru, tanker = event_of(conn, ids)
    assert bank_en == bank_ru == ids[0] and tanker == ids[2]
    row = conn.execute("SELECT * FROM events WHERE id = %s", (bank_en,)).fetchone()
    assert (row["size"], row["languages"], row["groups"]) == (
        2,
        ["en", "ru"],
        ["isis-k", "taliban"],
    )


def test_a_copy_cluster_stays_inside_one_event(conn):
    # The tanker report is (wrongly, for the test) in the bank report's copy cluster.
    ids = store(conn, REPORTS, cluster_of=[0, 2])
    assert len(set(event_of(conn, [ids[0], ids[2]]))) == 1


def test_recomputing_a_window_gives_the_same_events_twice(conn):
    ids = store(conn, REPORTS)
    before = event_of(conn, ids)
    with conn.transaction():
        events.recompute(conn, T0 - timedelta(days=1), T0 + timedelta(days=1))
    event_window.committed(conn)
    first = event_of(conn, ids)
    with conn.transaction():
        changed = events.recompute(conn, T0 - timedelta(days=1), T0 + timedelta(days=1))
    event_window.committed(conn)
    assert first == before == event_of(conn, ids)
    assert changed == []
    assert conn.execute("SELECT count(*) AS n FROM events WHERE size > 0").fetchone()["n"] == 2


def test_a_bridging_report_merges_two_events_and_the_merge_is_recorded(conn):
    ids = store(conn, REPORTS[:1])
    # A second event of the same incident, opened elsewhere (another process's window).
    with conn.transaction():
        conn.execute(
            "INSERT INTO events (id, first_report_at, last_report_at, size, groups, numbers,"
            " vector_sum, reliable) VALUES (999999, %s, %s, 1, %s, %s, %s, true)",
            (T0, T0, ["isis-k", "taliban"], [14, 31],
             encode(lead_text(REPORTS[1][0], REPORTS[1][1])).tobytes()),
        )  # fmt: skip
    store(conn, REPORTS[1:2])
    merge = conn.execute("SELECT from_event, into_event FROM event_merges").fetchone()
    assert {merge["from_event"], merge["into_event"]} == {999999, ids[0]}
    merged = conn.execute(
        "SELECT merged_into FROM events WHERE id = %s", (merge["from_event"],)
    ).fetchone()
    assert merged["merged_into"] == merge["into_event"]


def test_a_growing_event_requeues_its_documents_only_when_its_size_passes_a_power_of_two(conn):
    report = REPORTS[0]
    sizes_and_requeued = []
    for n in range(5):  # the same report from five outlets, one batch each
        title, lead, groups, hours, language = report
        (article,), requeued = store_and_requeued(
            conn, [(f"{title} ({n})", lead, groups, hours + n, language)]
        )
        sizes_and_requeued.append(len(requeued))
    # 1: itself; 2: both; 3: itself; 4: all four; 5: itself (never n² re-indexing).
    assert sizes_and_requeued == [1, 2, 1, 4, 1]


def test_an_event_gaining_a_language_requeues_all_its_documents(conn):
    title, lead, groups, hours, language = REPORTS[0]
    store(conn, [(f"{title} ({n})", lead, groups, hours, language) for n in range(4)])
    _, requeued = store_and_requeued(conn, [REPORTS[1]])  # the fifth report, in Russian
    assert len(requeued) == 5


def test_a_copy_bridging_two_clusters_of_two_events_merges_the_events(conn):
    (first,) = store(conn, [REPORTS[0]], cluster_of=[0])
    (second,) = store(conn, [REPORTS[2]], cluster_of=[0])
    assert event_of(conn, [first, second]) == [first, second]
    cluster = conn.execute("SELECT cluster_id FROM articles WHERE id = %s", (first,)).fetchone()
    # Clustering the next copy matched both stored articles, and merged their clusters.
    conn.execute(
        "UPDATE articles SET cluster_id = %s WHERE id = %s", (cluster["cluster_id"], second)
    )
    conn.commit()
    title, lead, groups, _, language = REPORTS[0]
    copy = (f"{title} (update)", lead, groups, 5, language)
    (bridge,) = store(conn, [copy], into_cluster=cluster["cluster_id"])
    assert event_of(conn, [first, second, bridge]) == [first, first, first]
    merge = conn.execute("SELECT from_event, into_event, article_id FROM event_merges").fetchone()
    assert merge == {"from_event": second, "into_event": first, "article_id": bridge}
    size = conn.execute("SELECT size FROM events WHERE id = %s", (first,)).fetchone()["size"]
    assert size == 3


UNIT = np.eye(DIMENSIONS, dtype=np.float32)


def _stored_event(conn, event_id, vector):
    """An event of one stored report; the report's article id."""
    with conn.transaction():
        conn.execute(
            "INSERT INTO events (id, first_report_at, last_report_at, size, groups, vector_sum,"
            " reliable) VALUES (%s, %s, %s, 1, %s, %s, true)",
            (event_id, T0, T0, ["isis-k"], vector.tobytes()),
        )
        return _article(conn, f"Stored report {event_id}", T0, event_id=event_id)


def _assign_batch(conn, vectors):
    """Articles with these vectors, an hour apart, assigned in one batch; their ids."""
    with conn.transaction():
        ids = [
            _article(conn, f"Report {n}", T0 + timedelta(hours=n + 1)) for n in range(len(vectors))
        ]
        events.assign(conn, [
            events.report_of(article_id, None, vector.astype(np.float32).tobytes(),
                             f"Report {n}", "Lead.", ["isis-k"], T0 + timedelta(hours=n + 1), "en")
            for n, (article_id, vector) in enumerate(zip(ids, vectors, strict=True))
        ])  # fmt: skip
    event_window.committed(conn)
    return ids


def test_a_report_that_merges_a_stored_event_into_one_opened_in_its_batch_is_stored(conn):
    """The first report opens an event; the second joins it and merges a stored event into
    it: the new event is written before the merge that names it."""
    stored = _stored_event(conn, 999999, UNIT[0])
    opening, bridging = _assign_batch(conn, [UNIT[1], 0.6 * UNIT[0] + 0.8 * UNIT[1]])
    assert event_of(conn, [stored, opening, bridging]) == [opening] * 3
    merged = conn.execute("SELECT merged_into FROM events WHERE id = 999999").fetchone()
    assert merged["merged_into"] == opening


def test_an_event_opened_and_merged_away_in_one_batch_leaves_merges_pointing_at_the_last(conn):
    first = _stored_event(conn, 999999, UNIT[0])
    last = _stored_event(conn, 999998, UNIT[2])
    # Opens B; joins B, merging 999999 into it; joins 999998, merging B into it.
    b_centroid = (1.6 * UNIT[0] + 1.8 * UNIT[1]) / np.linalg.norm([1.6, 1.8])
    batch = _assign_batch(
        conn, [UNIT[1], 0.6 * UNIT[0] + 0.8 * UNIT[1], 0.8 * UNIT[2] + 0.6 * b_centroid]
    )
    assert event_of(conn, [first, last, *batch]) == [999998] * 5
    merged = conn.execute("SELECT merged_into FROM events WHERE id = 999999").fetchone()
    assert merged["merged_into"] == 999998
    merges = conn.execute("SELECT from_event, into_event FROM event_merges ORDER BY id").fetchall()
    assert [(m["from_event"], m["into_event"]) for m in merges] == [
        (999999, batch[0]),
        (batch[0], 999998),
    ]


def _article(conn, title, published_at, event_id=None):
    return conn.execute(
        "INSERT INTO articles (canonical_url, url, source, title, text, groups, published_at,"
        " language, event_id) VALUES (%s, %s, 'o.example', %s, 'Lead.', %s, %s, 'en', %s)"
        " RETURNING id",
        (f"https://o.example/{title}", f"https://o.example/{title}", title, ["isis-k"],
         published_at, event_id),
    ).fetchone()["id"]  # fmt: skip
