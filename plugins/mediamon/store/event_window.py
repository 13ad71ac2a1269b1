"""This process's in-memory window of open events, per database, and its refresh.

Assignment (events.py) scores reports against an `EventWindow` held in memory per process
and database; PostgreSQL stays the system of record. `current` brings the window up to date
under EVENTS_LOCK (taken by events.py) by reading the events whose revision moved since the
last batch: events are written only under that lock, which is held until commit, so
revisions commit in order and none is missed. A window changed by a transaction not known
to have committed is read whole again. This module only reads the events table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from mediamon.events.assign import EventWindow
from mediamon.events.model import OpenEvent, Weights
from mediamon.store.db import Connection, one_row


@dataclass
class WindowCache:
    """One database's window and how far it has been read."""

    window: EventWindow
    revision: int = 0  # the highest revision applied
    loaded_from: datetime | None = None  # open events with a last report since then are loaded
    pending: bool = False  # changed by a transaction not known to have committed


_caches: dict[str, WindowCache] = {}


def _key(conn: Connection) -> str:
    info = conn.info
    return f"{info.host}:{info.port}/{info.dbname}"


def committed(conn: Connection) -> None:
    """The transaction that assigned events committed: the in-memory window is true."""
    cache = _caches.get(_key(conn))
    if cache is not None:
        cache.pending = False


def forget(conn: Connection) -> None:
    """Drop this process's window of the connection's database (it is read again)."""
    _caches.pop(_key(conn), None)


def current(conn: Connection, earliest: datetime, weights: Weights | None) -> WindowCache:
    """This process's window, brought up to date (read whole when unknown or in doubt)."""
    key = _key(conn)
    cache = _caches.get(key)
    start = earliest - (weights or Weights()).window
    if (
        cache is None
        or cache.pending
        or cache.loaded_from is None
        or start < cache.loaded_from
        or (weights is not None and cache.window.weights != weights)
    ):
        cache = WindowCache(EventWindow(weights))
        _caches[key] = cache
        rows = conn.execute(
            EVENT_COLUMNS + " WHERE merged_into IS NULL AND size > 0 AND last_report_at >= %s",
            (start,),
        ).fetchall()
        cache.loaded_from = start
        cache.revision = one_row(
            conn.execute("SELECT coalesce(max(revision), 0) AS r FROM events")
        )["r"]
    else:
        rows = conn.execute(
            EVENT_COLUMNS + " WHERE revision > %s ORDER BY revision", (cache.revision,)
        ).fetchall()
        if rows:
            cache.revision = max(row["revision"] for row in rows)
    for row in rows:
        if row["merged_into"] is not None or row["size"] == 0:
            cache.window.remove(row["id"])
        elif row["last_report_at"] >= cache.loaded_from:
            cache.window.put(open_event(row))
    # Keep memory to what can still be joined: a report more than a window older than the
    # newest is not expected (a backfill reads the window again, see `start` above).
    cache.window.expire(start)
    cache.loaded_from = max(cache.loaded_from, start) if cache.loaded_from else start
    return cache


EVENT_COLUMNS = (
    "SELECT id, first_report_at, last_report_at, size, groups, numbers, languages,"
    " vector_sum, reliable, merged_into, revision FROM events"
)


def open_event(row: dict) -> OpenEvent:
    event = OpenEvent(row["id"], row["first_report_at"], row["last_report_at"], row["size"])
    if row["vector_sum"] is not None:
        event.vector_sum = np.frombuffer(row["vector_sum"], dtype=np.float32).copy()
    event.reliable = row["reliable"]
    event.groups.update(row["groups"])
    event.numbers = set(row["numbers"])
    event.languages = set(row["languages"])
    return event
