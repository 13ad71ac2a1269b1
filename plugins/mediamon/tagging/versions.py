"""Watchlist versions in PostgreSQL: the same content is one version, an edit is the next."""

from __future__ import annotations

from pathlib import Path

from psycopg.types.json import Jsonb

from mediamon.store.db import connect
from mediamon.tagging.matcher import Tagger
from mediamon.tagging.watchlist import Watchlist, load_watchlist


def register(database_url: str, watchlist: Watchlist, source: str | None = None) -> int:
    with connect(database_url) as conn, conn.transaction():
        row = conn.execute(
            "INSERT INTO watchlists (sha256, source, content) VALUES (%s, %s, %s)"
            " ON CONFLICT (sha256) DO NOTHING RETURNING version",
            (watchlist.sha256, source, Jsonb(watchlist.as_dict())),
        ).fetchone()
        if row is None:
            row = conn.execute(
                "SELECT version FROM watchlists WHERE sha256 = %s", (watchlist.sha256,)
            ).fetchone()
        return row["version"]


def tagger_for(database_url: str, path: Path) -> Tagger:
    """Load the watchlist at `path`, record its version, and build its tagger."""
    watchlist = load_watchlist(path)
    return Tagger(watchlist, register(database_url, watchlist, str(path)))
