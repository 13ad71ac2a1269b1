"""Connections and schema migrations (versioned SQL files under sql/)."""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import psycopg.conninfo
from psycopg.rows import DictRow, dict_row

# Every connection mediamon opens returns rows as dicts (column name -> value).
Connection = psycopg.Connection[DictRow]

# Package data: the migrations travel with the installed package.
MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "sql"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# One number for every mediamon process: serialises concurrent `db upgrade` runs.
_MIGRATION_LOCK = 0x6D6D_0001


class DatabaseUnavailable(RuntimeError):
    """PostgreSQL did not accept a connection (one line for the user)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path


def int_array(values: Iterable[int]) -> str:
    """An integer array as PostgreSQL's text literal, for a `%s::bigint[]` parameter.

    psycopg adapts a list element by element in Python (a regular expression each); this
    string costs one `join`, which matters for the thousands of LSH buckets of a batch.
    """
    return "{" + ",".join(map(str, values)) + "}"


def one_row(cursor: psycopg.Cursor[DictRow]) -> DictRow:
    """The row of a query that always returns one (an aggregate without GROUP BY)."""
    row = cursor.fetchone()
    if row is None:
        raise LookupError("the query returned no row")
    return row


def _check_url(database_url: str) -> None:
    """Refuse a URL libpq cannot use, before any connection attempt (no password shown)."""
    try:
        parts = psycopg.conninfo.conninfo_to_dict(database_url)
    except psycopg.ProgrammingError as exc:  # libpq may quote the URL: hide its password
        problem = re.sub(r"//[^/@\s\"]*@", "//***@", first_line(exc))
    else:
        port = str(parts.get("port") or "5432")
        if all(p.strip().isdigit() for p in port.split(",")):
            return
        problem = f"port {port!r} is not a number"
    raise DatabaseUnavailable(
        f"malformed PostgreSQL URL ({problem}); expected"
        " postgresql://USER:PASSWORD@HOST:PORT/DATABASE in MEDIAMON_DATABASE_URL"
    )


def connect(database_url: str, **kwargs: Any) -> Connection:
    _check_url(database_url)
    try:
        return psycopg.connect(database_url, row_factory=dict_row, connect_timeout=5, **kwargs)
    except psycopg.OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot connect to PostgreSQL ({first_line(exc)}); run `mediamon stack up` or"
            " check MEDIAMON_DATABASE_URL"
        ) from exc


# What PostgreSQL says of one value it cannot hold (not of the server or the connection):
# the caller retries row by row, so that only the row holding it is refused.
VALUE_REFUSED = (psycopg.errors.DataError, psycopg.errors.ProgramLimitExceeded)


def first_line(exc: BaseException) -> str:
    """The first line of a PostgreSQL error, as a message can quote it."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0][:300] if lines else type(exc).__name__


def describe_failure(exc: psycopg.OperationalError) -> str:
    """One line for a server-side failure in the middle of a run, and what to do."""
    if isinstance(exc, psycopg.errors.QueryCanceled):
        advice = "a statement exceeded statement_timeout; raise it or run again"
    elif isinstance(exc, psycopg.errors.DiskFull | psycopg.errors.InsufficientResources):
        advice = "the server is out of disk or memory; free space, then run again"
    else:
        advice = "the server went away; start it (`mediamon stack up`) and run again"
    return (
        f"PostgreSQL failed mid-run ({first_line(exc)}): {advice}. What was stored before"
        " is kept and, when the server still answered, indexed; the rest waits for the"
        " next run"
    )


@contextmanager
def transaction(database_url: str) -> Iterator[Connection]:
    """A connection whose work commits on success and rolls back on error."""
    with connect(database_url) as conn, conn.transaction():
        yield conn


def migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append(Migration(int(match.group(1)), path.stem, path))
    return found


def applied_versions(conn: Connection) -> set[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version integer PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    return {row["version"] for row in conn.execute("SELECT version FROM schema_migrations")}


def upgrade(database_url: str) -> list[str]:
    """Apply every migration not yet applied, each in its own transaction; returns their names."""
    applied_now = []
    with connect(database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            done = applied_versions(conn)
            for migration in migrations():
                if migration.version in done:
                    continue
                with conn.transaction():
                    conn.execute(migration.path.read_text())
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
                applied_now.append(migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied_now


class ConnectionPool:
    """At most `size` connections, opened when first needed and shared by threads: one
    ingest holds a known number of PostgreSQL connections whatever its thread count."""

    def __init__(self, database_url: str, size: int) -> None:
        self.database_url = database_url
        self._idle: queue.LifoQueue[Connection] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for the block's duration (waits while all `size` are in use)."""
        with self._slots:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = None
            if conn is None or conn.closed or conn.broken:
                conn = connect(self.database_url)
                with self._lock:
                    self._all.append(conn)
            try:
                yield conn
            finally:
                self._idle.put(conn)

    def close(self) -> None:
        with self._lock:
            connections, self._all = self._all, []
        for conn in connections:
            conn.close()
