"""The hosts table: a host's deferral (Retry-After) and its cached robots.txt.

A host is `host:port` (fetch.urls.host_key): the unit of politeness.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mediamon.store.db import Connection


def defer(conn: Connection, host: str, until: datetime) -> None:
    """Fetch nothing from `host` before `until`. A deferral is only ever lengthened: a
    shorter one (a later 503's Retry-After, say) never cuts short what a 429 asked for."""
    conn.execute(
        "INSERT INTO hosts (host, deferred_until) VALUES (%s, %s) ON CONFLICT (host)"
        " DO UPDATE SET deferred_until = greatest(hosts.deferred_until, EXCLUDED.deferred_until)",
        (host, until),
    )


def deferred(conn: Connection, hosts: list[str]) -> dict[str, datetime]:
    """The hosts among `hosts` that asked us to wait, and until when."""
    return {
        row["host"]: row["deferred_until"]
        for row in conn.execute(
            "SELECT host, deferred_until FROM hosts WHERE host = ANY(%s) AND deferred_until > now()",
            (hosts,),
        )
    }


def cached_robots(
    conn: Connection, host: str, fresh_for: timedelta, retry_unavailable_after: timedelta
) -> tuple[str, str] | None:
    """(status, body) of the host's robots.txt when read recently enough, else None."""
    row = conn.execute(
        "SELECT robots_status, robots_txt,"
        " robots_fetched_at > now() - CASE WHEN robots_status = 'unavailable' THEN %s ELSE %s END"
        "   AS fresh FROM hosts WHERE host = %s",
        (retry_unavailable_after, fresh_for, host),
    ).fetchone()
    if row is not None and row["robots_status"] is not None and row["fresh"]:
        return row["robots_status"], row["robots_txt"] or ""
    return None


def save_robots(conn: Connection, host: str, status: str, body: str) -> None:
    conn.execute(
        "INSERT INTO hosts (host, robots_status, robots_txt, robots_fetched_at)"
        " VALUES (%s, %s, %s, now()) ON CONFLICT (host) DO UPDATE SET"
        " robots_status = EXCLUDED.robots_status, robots_txt = EXCLUDED.robots_txt,"
        " robots_fetched_at = now()",
        (host, status, body if status == "ok" else None),
    )
