"""Events SQL writes and reads: assignment in the storing transaction (under EVENTS_LOCK),
recomputation of a window, listing.

The open events live in PostgreSQL (the system of record); assignment scores against this
process's in-memory copy of them, which event_window.py keeps up to date and owns.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from mediamon.events.assign import EventWindow
from mediamon.events.evidence import Evidence, evidence_of
from mediamon.events.model import ArticleSignals, Weights
from mediamon.store import event_window
from mediamon.store.db import Connection, int_array, one_row

# Advisory transaction lock: one process assigns events at a time ("mm" 0003; dedup is 0002).
EVENTS_LOCK = 0x6D6D_0003


@dataclass(frozen=True)
class Report:
    """A stored article as assignment needs it."""

    article_id: int
    cluster_id: int | None
    vector: np.ndarray | None
    evidence: Evidence


@dataclass
class _Outcome:
    changed: set[int] = field(default_factory=set)
    merges: list[tuple[int, int, int | None]] = field(default_factory=list)


def lock(conn: Connection) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (EVENTS_LOCK,))


def report_of(
    article_id: int,
    cluster_id: int | None,
    vector: bytes | None,
    title: str | None,
    text: str,
    groups: list[str],
    published_at: datetime,
    language: str | None,
) -> Report:
    array = np.frombuffer(vector, dtype=np.float32) if vector else None
    evidence = evidence_of(title, text, groups, published_at, language or "und")
    return Report(article_id, cluster_id, array, evidence)


def assign(conn: Connection, reports: list[Report], weights: Weights | None = None) -> list[int]:
    """Put each report in an event (inside the caller's transaction, after clustering);
    returns the ids of articles whose event fields changed (for the outbox)."""
    if not reports:
        return []
    lock(conn)
    earliest = min(r.evidence.published_at for r in reports)
    cache = event_window.current(conn, earliest, weights)
    _save_embeddings(conn, reports)
    outcome = _Outcome()
    cluster_events = _join_cluster_events(
        cache.window, _cluster_events(conn, cache.window, reports), reports, outcome
    )
    cache.pending = True
    decided: dict[int, int] = {}
    vectors = {r.article_id: r.vector for r in reports if r.vector is not None}
    with cache.window.batch(vectors):
        for report in sorted(reports, key=lambda r: (r.evidence.published_at, r.article_id)):
            known = cluster_events.get(report.cluster_id) if report.cluster_id else None
            signals = ArticleSignals(report.article_id, report.vector, report.evidence, known)
            # A new event takes its first article's id: recomputing gives the same ids.
            decision = cache.window.assign(signals, functools.partial(int, report.article_id))
            decided[report.article_id] = decision.event_id
            if report.cluster_id is not None:
                cluster_events[report.cluster_id] = decision.event_id
            outcome.merges += [(m, decision.event_id, report.article_id) for m in decision.merged]
    # An earlier decision of this batch may name an event merged away later in it.
    merged = _merged_into(outcome.merges)
    for article_id, event_id in decided.items():
        decided[article_id] = _last_event(event_id, merged)
    _write(conn, cache, decided, outcome)
    return sorted(outcome.changed)


def _save_embeddings(conn: Connection, reports: list[Report]) -> None:
    conn.execute(
        "INSERT INTO article_embeddings (article_id, vector)"
        " SELECT * FROM unnest(%s::bigint[], %s::bytea[])"
        " ON CONFLICT (article_id) DO UPDATE SET vector = excluded.vector",
        (
            [r.article_id for r in reports],
            [r.vector.astype(np.float32).tobytes() if r.vector is not None else None
             for r in reports],
        ),
    )  # fmt: skip


def _cluster_events(
    conn: Connection, window: EventWindow, reports: list[Report]
) -> dict[int, list[int]]:
    """The events each of the reports' copy clusters already lies in, oldest first (loaded
    into the window even when older than it). More than one when clustering has just merged
    two clusters: a copy bridging two stored copies that did not match each other."""
    clusters = sorted({r.cluster_id for r in reports if r.cluster_id is not None})
    if not clusters:
        return {}
    rows = conn.execute(
        "SELECT cluster_id, array_agg(DISTINCT event_id ORDER BY event_id) AS event_ids"
        " FROM articles WHERE cluster_id = ANY(%s::bigint[]) AND event_id IS NOT NULL"
        " GROUP BY cluster_id",
        (int_array(clusters),),
    ).fetchall()
    found = {row["cluster_id"]: list(row["event_ids"]) for row in rows}
    missing = sorted({e for ids in found.values() for e in ids} - set(window.events))
    if missing:
        for row in conn.execute(
            event_window.EVENT_COLUMNS + " WHERE id = ANY(%s::bigint[])", (int_array(missing),)
        ).fetchall():
            window.put(event_window.open_event(row))
    return found


def _join_cluster_events(
    window: EventWindow, found: dict[int, list[int]], reports: list[Report], outcome: _Outcome
) -> dict[int, int]:
    """The one event of each cluster: a cluster never spans two events, so the events of
    clusters that clustering merged are merged into the oldest (recorded as a merge by the
    batch's first report of that cluster)."""
    bridging: dict[int, int] = {}
    for report in sorted(reports, key=lambda r: (r.evidence.published_at, r.article_id)):
        if report.cluster_id is not None:
            bridging.setdefault(report.cluster_id, report.article_id)
    cluster_events: dict[int, int] = {}
    for cluster_id, (oldest, *others) in found.items():
        cluster_events[cluster_id] = oldest
        event = window.events.get(oldest)
        if event is None:  # not loadable: the report is scored as any other
            continue
        absorbed = [other for other in others if other in window.events]
        for other in absorbed:
            event.absorb(window.events[other])
            window.remove(other)
            outcome.merges.append((other, oldest, bridging[cluster_id]))
        if absorbed:
            window.put(event)
    return cluster_events


def _merged_into(merges: Sequence[tuple[int, int, int | None]]) -> dict[int, int]:
    """Each event merged in the batch, and the event it was merged into."""
    return {source: target for source, target, _ in merges}


def _last_event(event_id: int, merged: dict[int, int]) -> int:
    """Where a chain of the batch's merges starting at `event_id` ends (no cycle: a merged
    event leaves the window)."""
    while event_id in merged:
        event_id = merged[event_id]
    return event_id


def _write(
    conn: Connection, cache: event_window.WindowCache, decided: dict[int, int], outcome: _Outcome
) -> None:
    window = cache.window
    touched = sorted(set(decided.values()))
    live = [window.events[e] for e in touched if e in window.events]
    # New events first: a merge below may name one opened in this batch as its target.
    conn.execute(
        "INSERT INTO events (id, first_report_at, last_report_at)"
        " SELECT * FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[])"
        " ON CONFLICT (id) DO NOTHING",
        (
            [e.id for e in live],
            [e.first_report_at for e in live],
            [e.last_report_at for e in live],
        ),
    )
    merged = _merged_into(outcome.merges)
    for source, target, article_id in outcome.merges:
        # Recorded as decided; pointed at where the chain ends (an event opened and merged
        # away within this batch is never written).
        conn.execute(
            "UPDATE events SET merged_into = %s, revision = nextval('event_revisions'),"
            " updated_at = now() WHERE id = %s",
            (_last_event(source, merged), source),
        )
        conn.execute(
            "INSERT INTO event_merges (from_event, into_event, article_id) VALUES (%s, %s, %s)",
            (source, target, article_id),
        )
        moved = conn.execute(
            "UPDATE articles SET event_id = %s WHERE event_id = %s RETURNING id",
            (_last_event(source, merged), source),
        ).fetchall()
        outcome.changed.update(row["id"] for row in moved)
    for event in live:
        conn.execute(
            "UPDATE events SET vector_sum = %s, reliable = %s, numbers = %s,"
            " merged_into = NULL WHERE id = %s",
            (
                event.vector_sum.astype(np.float32).tobytes(),
                event.reliable,
                sorted(event.numbers),
                event.id,
            ),
        )
    conn.execute(
        "UPDATE articles a SET event_id = d.event_id"
        " FROM unnest(%s::bigint[], %s::bigint[]) AS d(id, event_id) WHERE a.id = d.id",
        (list(decided), list(decided.values())),
    )
    outcome.changed.update(decided)
    outcome.changed.update(_refresh(conn, touched))
    revision = one_row(conn.execute("SELECT max(revision) AS r FROM events"))["r"]
    cache.revision = max(cache.revision, revision or 0)


def _refresh(conn: Connection, event_ids: Iterable[int]) -> list[int]:
    """Recompute events' size, languages, outlets, groups, dates and title from their
    articles; returns the members whose documents must show it: those of events that gained a
    language or whose size passed a power of two.

    Not on every change of size: an event of n reports would have its documents indexed
    again for each new report, n²/2 in all (a 2,900-report event cut `mediamon ingest` from
    99 to 30 articles/s, bench.freshness). A document's `event_size` is the size when it was
    last indexed, so within half of the true one; the newest report carries the exact size
    (the maximum over an event's documents), and PostgreSQL (`mediamon events`) has it."""
    rows = conn.execute(
        """
        WITH agg AS (
            SELECT a.event_id, count(*) AS size,
                   array_agg(DISTINCT coalesce(a.language, 'und') ORDER BY coalesce(a.language, 'und')) AS languages,
                   array_agg(DISTINCT a.source ORDER BY a.source) AS outlets,
                   min(a.published_at) AS first_report_at, max(a.published_at) AS last_report_at,
                   (array_agg(a.title ORDER BY a.published_at, a.id))[1] AS title,
                   (SELECT coalesce(array_agg(DISTINCT g ORDER BY g), '{}') FROM articles b,
                           unnest(b.groups) AS g WHERE b.event_id = a.event_id) AS groups
            FROM articles a WHERE a.event_id = ANY(%(ids)s::bigint[]) GROUP BY a.event_id
        ), old AS (
            SELECT id, size, languages FROM events WHERE id = ANY(%(ids)s::bigint[])
        ), upd AS (
            UPDATE events e SET size = agg.size, languages = agg.languages,
                   outlets = agg.outlets, groups = agg.groups, title = agg.title,
                   first_report_at = agg.first_report_at, last_report_at = agg.last_report_at,
                   revision = nextval('event_revisions'), updated_at = now()
            FROM agg WHERE e.id = agg.event_id
            RETURNING e.id, e.size, e.languages
        )
        SELECT a.id FROM articles a JOIN upd ON a.event_id = upd.id
        JOIN old ON old.id = upd.id
        WHERE old.languages IS DISTINCT FROM upd.languages
           OR floor(log(2, greatest(coalesce(old.size, 0), 1)))
              <> floor(log(2, greatest(upd.size, 1)))
        """,  # noqa: E501
        {"ids": int_array(event_ids)},
    ).fetchall()
    return [row["id"] for row in rows]


# --- recomputing a window (reprocess) ---


def recompute(
    conn: Connection, start: datetime | None, end: datetime | None, weights: Weights | None = None
) -> list[int]:
    """Assign the window's articles to events again, from their stored embeddings, as
    ingestion would have in publication order; returns the articles whose event fields
    changed. Idempotent: event ids are the ids of their first articles.

    The events of the window's articles are retired first (size 0; they come back under
    the same id when their first article opens them again), with every article they held.
    """
    lock(conn)
    rows = conn.execute(
        """
        WITH span AS (
            SELECT DISTINCT event_id FROM articles
            WHERE event_id IS NOT NULL
              AND (%(start)s::timestamptz IS NULL OR published_at >= %(start)s)
              AND (%(end)s::timestamptz IS NULL OR published_at < %(end)s)
        )
        SELECT a.id, a.cluster_id, a.title, a.text, a.groups, a.published_at, a.language,
               a.event_id, m.vector
        FROM articles a LEFT JOIN article_embeddings m ON m.article_id = a.id
        WHERE a.event_id IN (SELECT event_id FROM span)
           OR ((%(start)s::timestamptz IS NULL OR a.published_at >= %(start)s)
               AND (%(end)s::timestamptz IS NULL OR a.published_at < %(end)s))
        ORDER BY a.published_at, a.id
        """,
        {"start": start, "end": end},
    ).fetchall()
    if not rows:
        return []
    before = {row["id"]: row["event_id"] for row in rows}
    old_events = sorted({e for e in before.values() if e is not None})
    conn.execute(
        "UPDATE articles SET event_id = NULL WHERE id = ANY(%s::bigint[])",
        (int_array(before),),
    )
    conn.execute(
        "UPDATE events SET size = 0, merged_into = NULL, revision = nextval('event_revisions'),"
        " updated_at = now() WHERE id = ANY(%s::bigint[])",
        (int_array(old_events),),
    )
    conn.execute(
        "DELETE FROM event_merges WHERE from_event = ANY(%(ids)s::bigint[])"
        " OR into_event = ANY(%(ids)s::bigint[])",
        {"ids": int_array(old_events)},
    )
    event_window.forget(conn)  # the window is read again, without the retired events
    reports = [
        report_of(
            row["id"], row["cluster_id"], row["vector"], row["title"], row["text"],
            list(row["groups"]), row["published_at"], row["language"],
        )
        for row in rows
    ]  # fmt: skip
    changed = set(assign(conn, reports, weights))
    after = dict(
        (row["id"], row["event_id"])
        for row in conn.execute(
            "SELECT id, event_id FROM articles WHERE id = ANY(%s::bigint[])", (int_array(before),)
        ).fetchall()
    )
    committed_changes = {i for i in before if before[i] != after.get(i)}
    # Only documents whose event fields moved need indexing again.
    return sorted(committed_changes | (changed - set(before)))


# --- reading ---


@dataclass(frozen=True)
class EventSummary:
    id: int
    first_report_at: datetime
    last_report_at: datetime
    size: int
    languages: list[str]
    outlets: list[str]
    groups: list[str]
    title: str | None


def recent(
    conn: Connection, since: datetime, groups: Sequence[str] = (), limit: int = 50
) -> list[EventSummary]:
    """Open events with a report since `since`, largest first; with `groups`, only events
    with a report naming one of them or an affiliate (as `mediamon search --group`)."""
    rows = conn.execute(
        "SELECT id, first_report_at, last_report_at, size, languages, outlets, groups, title"
        " FROM events e WHERE merged_into IS NULL AND size > 0 AND last_report_at >= %(since)s"
        " AND (cardinality(%(groups)s::text[]) = 0 OR EXISTS (SELECT 1 FROM articles a"
        "      WHERE a.event_id = e.id AND a.groups_with_ancestors && %(groups)s::text[]))"
        " ORDER BY size DESC, first_report_at DESC LIMIT %(limit)s",
        {"since": since, "groups": list(groups), "limit": limit},
    ).fetchall()
    return [EventSummary(**row) for row in rows]


def window_length(weights: Weights | None = None) -> timedelta:
    return (weights or Weights()).window
