"""All alerts SQL: the watermark of events considered, the events waiting, decisions, and
the deliveries outbox (migration 0010).

Deciding runs under ALERTS_LOCK, so two runs never read and move the watermark at once;
the unique key (subscription, event_id, milestone) makes a decision taken twice insert
nothing twice. Sending claims one due delivery at a time with FOR UPDATE SKIP LOCKED and
keeps the row locked until its outcome commits: two senders never send one delivery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from mediamon.alerts.decide import PriorAlerts
from mediamon.store.db import Connection, int_array, one_row
from mediamon.vocabulary import AlertKind, AlertMode, AlertStatus

# Advisory transaction lock: one process decides alerts at a time ("mm" 0004; events 0003).
ALERTS_LOCK = 0x6D6D_0004


def lock(conn: Connection) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (ALERTS_LOCK,))


# --- which events to consider ---


def watermark(conn: Connection) -> int:
    return one_row(conn.execute("SELECT event_revision FROM alert_state"))["event_revision"]


def save_watermark(conn: Connection, revision: int) -> None:
    conn.execute(
        "UPDATE alert_state SET event_revision = greatest(event_revision, %s), updated_at = now()",
        (revision,),
    )


@dataclass(frozen=True)
class EventRow:
    id: int
    size: int
    languages: list[str]
    outlets: list[str]
    groups: list[str]
    title: str | None
    first_report_at: datetime
    last_report_at: datetime
    indexed: bool  # every report's document is indexed (or dead-lettered: it never will be)


def changed_events(conn: Connection, after_revision: int) -> tuple[list[EventRow], int]:
    """Open events written since `after_revision`, and those still waiting; the highest
    revision seen (the next watermark)."""
    conn.execute(
        "DELETE FROM alert_waiting w WHERE NOT EXISTS (SELECT 1 FROM events e"
        " WHERE e.id = w.event_id AND e.merged_into IS NULL AND e.size > 0)"
    )
    top = one_row(
        conn.execute(
            "SELECT coalesce(max(revision), %s) AS r FROM events WHERE revision > %s",
            (after_revision, after_revision),
        )
    )["r"]
    rows = conn.execute(
        """
        SELECT e.id, e.size, e.languages, e.outlets, e.groups, e.title, e.first_report_at,
               e.last_report_at,
               NOT EXISTS (SELECT 1 FROM articles a JOIN index_outbox o ON o.article_id = a.id
                           WHERE a.event_id = e.id AND NOT o.dead_letter) AS indexed
        FROM events e
        WHERE ((e.revision > %(after)s AND e.revision <= %(top)s)
               OR e.id IN (SELECT event_id FROM alert_waiting))
          AND e.merged_into IS NULL AND e.size > 0
        ORDER BY e.first_report_at, e.id
        """,
        {"after": after_revision, "top": top},
    ).fetchall()
    return [EventRow(**row) for row in rows], top


def wait(conn: Connection, event_id: int, reason: str) -> None:
    conn.execute(
        "INSERT INTO alert_waiting (event_id, reason) VALUES (%s, %s)"
        " ON CONFLICT (event_id) DO UPDATE SET reason = excluded.reason",
        (event_id, reason),
    )


def stop_waiting(conn: Connection, event_id: int) -> None:
    conn.execute("DELETE FROM alert_waiting WHERE event_id = %s", (event_id,))


def waiting_count(conn: Connection) -> int:
    return one_row(conn.execute("SELECT count(*) AS n FROM alert_waiting"))["n"]


# --- what an alert says of an event ---


def first_report(conn: Connection, event_id: int) -> dict[str, Any]:
    """The event's earliest report (its title is the event's title)."""
    return one_row(
        conn.execute(
            "SELECT id AS article_id, url, source, title, published_at, language FROM articles"
            " WHERE event_id = %s ORDER BY published_at NULLS LAST, id LIMIT 1",
            (event_id,),
        )
    )


def group_snippets(conn: Connection, event_id: int) -> dict[str, tuple[str, str]]:
    """For each group the event's reports name: (snippet, article URL) of its earliest
    mention, in the text rather than the headline when both name it. Mentions keep the
    tagger's snippet around the alias it matched (tagging/matcher.Mention)."""
    rows = conn.execute(
        """
        SELECT DISTINCT ON (m->>'group') m->>'group' AS group_id, m->>'snippet' AS snippet,
               a.url
        FROM articles a, jsonb_array_elements(a.mentions) AS m
        WHERE a.event_id = %s
        ORDER BY m->>'group', a.published_at NULLS LAST, a.id, (m->>'field') <> 'text',
                 (m->>'offset')::int
        """,
        (event_id,),
    ).fetchall()
    return {row["group_id"]: (row["snippet"], row["url"]) for row in rows}


# --- decisions ---


def prior_alerts(conn: Connection, subscription: str, event_id: int) -> PriorAlerts | None:
    """What the subscription was told of the event, or of events merged into it (a merge
    must not make an event alerted once look new). None: nothing yet."""
    rows = conn.execute(
        """
        WITH RECURSIVE merged(id) AS (
            SELECT %(event)s::bigint
            UNION SELECT e.id FROM events e JOIN merged m ON e.merged_into = m.id
        )
        SELECT event_id, milestone, event_size FROM alert_decisions
        WHERE subscription = %(name)s AND event_id IN (SELECT id FROM merged)
        """,
        {"event": event_id, "name": subscription},
    ).fetchall()
    if not rows:
        return None
    own = [r for r in rows if r["event_id"] == event_id]
    if own:
        chosen = own
    else:  # the largest event merged into this one: its milestones hold
        biggest = max(
            (r for r in rows if r["milestone"] == 0),
            key=lambda r: r["event_size"],
            default=rows[0],
        )
        chosen = [r for r in rows if r["event_id"] == biggest["event_id"]]
    base = next((r["event_size"] for r in chosen if r["milestone"] == 0), chosen[0]["event_size"])
    return PriorAlerts(
        base_size=base,
        milestone=max(r["milestone"] for r in chosen),
        last_size=max(r["event_size"] for r in chosen),
    )


def record_decision(
    conn: Connection,
    subscription: str,
    event_id: int,
    milestone: int,
    kind: AlertKind,
    event_size: int,
    summary: dict[str, Any],
) -> int | None:
    """The new decision's id; None when it was taken before."""
    row = conn.execute(
        "INSERT INTO alert_decisions (subscription, event_id, milestone, kind, event_size,"
        " summary) VALUES (%s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (subscription, event_id, milestone) DO NOTHING RETURNING id",
        (subscription, event_id, milestone, kind.value, event_size, Jsonb(summary)),
    ).fetchone()
    return row["id"] if row else None


def undelivered(conn: Connection, subscription: str) -> list[dict[str, Any]]:
    """The subscription's decisions that no delivery carries yet, oldest first."""
    return conn.execute(
        "SELECT id, summary, decided_at FROM alert_decisions"
        " WHERE subscription = %s AND delivery_id IS NULL ORDER BY decided_at, id",
        (subscription,),
    ).fetchall()


def digest_due(conn: Connection, subscription: str, every_minutes: int) -> bool:
    """No digest of the subscription in the last `every_minutes` (by the server's clock)."""
    row = conn.execute(
        "SELECT NOT EXISTS (SELECT 1 FROM alert_deliveries WHERE subscription = %s AND mode = %s"
        " AND created_at > now() - make_interval(mins => %s)) AS due",
        (subscription, AlertMode.DIGEST.value, every_minutes),
    ).fetchone()
    return bool(row and row["due"])


def create_delivery(
    conn: Connection,
    subscription: str,
    channel: str,
    target: str,
    mode: AlertMode,
    payload: dict[str, Any],
    decision_ids: list[int],
) -> int:
    """A pending delivery carrying the decisions (in the caller's transaction)."""
    delivery_id = one_row(
        conn.execute(
            "INSERT INTO alert_deliveries (subscription, channel, target, mode, payload)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (subscription, channel, target, mode.value, Jsonb(payload)),
        )
    )["id"]
    conn.execute(
        "UPDATE alert_decisions SET delivery_id = %s WHERE id = ANY(%s::bigint[])",
        (delivery_id, int_array(decision_ids)),
    )
    return delivery_id


# --- sending ---


def claim_due(conn: Connection, skip: list[int]) -> dict[str, Any] | None:
    """One pending delivery due now and not in `skip` (tried already in this run), locked
    until the caller's transaction ends; None when there is none free."""
    return conn.execute(
        "SELECT id, subscription, channel, target, mode, attempts, payload, created_at"
        " FROM alert_deliveries WHERE status = %s AND next_attempt_at <= now()"
        " AND NOT (id = ANY(%s::bigint[]))"
        " ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED",
        (AlertStatus.PENDING.value, int_array(skip)),
    ).fetchone()


def mark_sent(conn: Connection, delivery_id: int) -> None:
    conn.execute(
        "UPDATE alert_deliveries SET status = %s, attempts = attempts + 1, sent_at = now(),"
        " updated_at = now() WHERE id = %s",
        (AlertStatus.SENT.value, delivery_id),
    )


def mark_retry(
    conn: Connection, delivery_id: int, error: str, delay_s: float, not_before: datetime | None
) -> None:
    conn.execute(
        "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = %s,"
        " next_attempt_at = greatest(now() + make_interval(secs => %s), %s::timestamptz),"
        " updated_at = now() WHERE id = %s",
        (error, delay_s, not_before, delivery_id),
    )


def mark_failed(conn: Connection, delivery_id: int, error: str) -> None:
    conn.execute(
        "UPDATE alert_deliveries SET status = %s, attempts = attempts + 1, last_error = %s,"
        " updated_at = now() WHERE id = %s",
        (AlertStatus.FAILED.value, error, delivery_id),
    )


def requeue(conn: Connection, ids: Sequence[int], every_failed: bool) -> dict[int, str | None]:
    """Failed deliveries (`ids`, or every one) back to pending, due now with a fresh set of
    attempts; their last error stays until the next attempt. Returns each id asked for, or
    requeued, with the status it had (None: no such delivery)."""
    requeued = conn.execute(
        "UPDATE alert_deliveries SET status = %(pending)s, attempts = 0,"
        " next_attempt_at = now(), updated_at = now()"
        " WHERE status = %(failed)s AND (%(every)s OR id = ANY(%(ids)s::bigint[])) RETURNING id",
        {
            "pending": AlertStatus.PENDING.value,
            "failed": AlertStatus.FAILED.value,
            "every": every_failed,
            "ids": int_array(ids),
        },
    ).fetchall()
    outcome: dict[int, str | None] = {row["id"]: AlertStatus.FAILED.value for row in requeued}
    others = [i for i in ids if i not in outcome]
    if others:
        found = conn.execute(
            "SELECT id, status FROM alert_deliveries WHERE id = ANY(%s::bigint[])",
            (int_array(others),),
        ).fetchall()
        statuses = {row["id"]: row["status"] for row in found}
        outcome.update({i: statuses.get(i) for i in others})
    return outcome


def deliveries(
    conn: Connection, status: AlertStatus | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Recent deliveries, newest first."""
    return conn.execute(
        "SELECT d.id, d.subscription, d.channel, d.target, d.mode, d.status, d.attempts,"
        " d.next_attempt_at, d.last_error, d.created_at, d.sent_at,"
        " jsonb_array_length(d.payload->'alerts') AS alerts"
        " FROM alert_deliveries d WHERE %(status)s::text IS NULL OR d.status = %(status)s"
        " ORDER BY d.created_at DESC, d.id DESC LIMIT %(limit)s",
        {"status": status.value if status else None, "limit": limit},
    ).fetchall()
