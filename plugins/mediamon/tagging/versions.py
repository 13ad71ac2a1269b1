"""Watchlist versions in PostgreSQL: the same content is one version, an edit is the next."""

from __future__ import annotations

from pathlib import Path

from psycopg.types.json import Jsonb

from mediamon.store.db import Connection, connect
from mediamon.tagging.cache import compiled_tagger
from mediamon.tagging.matcher import Tagger
from mediamon.tagging.watchlist import Watchlist


def register(database_url: str, watchlist: Watchlist, source: str | None = None) -> int:
    sha256 = watchlist.sha256
    with connect(database_url) as conn, conn.transaction():
        # Known content is only looked up: a 50,000-alias watchlist is megabytes of JSON.
        version = _version_of(conn, sha256)
        if version is not None:
            return version
        row = conn.execute(
            "INSERT INTO watchlists (sha256, source, content) VALUES (%s, %s, %s)"
            " ON CONFLICT (sha256) DO NOTHING RETURNING version",
            (sha256, source, Jsonb(watchlist.as_dict())),
        ).fetchone()
        if row is not None:
            return row["version"]
        # Another process registered the same content meanwhile (its row is committed now).
        version = _version_of(conn, sha256)
        assert version is not None
        return version


def _version_of(conn: Connection, sha256: str) -> int | None:
    row = conn.execute("SELECT version FROM watchlists WHERE sha256 = %s", (sha256,)).fetchone()
    return row["version"] if row is not None else None


def tagger_for(database_url: str, path: Path, cache_dir: Path | None = None) -> Tagger:
    """The tagger for the watchlist at `path` (compiled once per content), its version
    recorded in PostgreSQL."""
    tagger = compiled_tagger(path, cache_dir)
    tagger.version = register(database_url, tagger.watchlist, str(path))
    return tagger
