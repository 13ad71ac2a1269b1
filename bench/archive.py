"""A padded archive for the benchmarks: a database of its own with N synthetic articles,
their signatures and LSH buckets, generated server-side.

Synthetic buckets are random (unrelated stories). While the buckets are generated, the LSH
table has no keys and writes no WAL (one million articles make 64 million rows); then it
gets production's keys, indexes and logging back, so the benchmark's own inserts cost what
they cost in production, and a server restart cannot empty it (PostgreSQL empties
unlogged tables after an unclean stop: an archive that silently lost its buckets would
make every lookup look free).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import psycopg

from mediamon.store import db

SYNTHETIC_SOURCE = "synthetic.example"


def bench_database_url(database_url: str, suffix: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") + suffix
    return name, urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def create_database(database_url: str, suffix: str, keep: bool = False) -> str:
    """A fresh (or, with `keep`, the existing) benchmark database; returns its URL."""
    name, url = bench_database_url(database_url, suffix)
    with psycopg.connect(database_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and not keep:
            admin.execute(f'DROP DATABASE "{name}"')
        if not exists or not keep:
            admin.execute(f'CREATE DATABASE "{name}"')
    db.upgrade(url)
    return url


def drop_database(database_url: str, suffix: str) -> None:
    name, _url = bench_database_url(database_url, suffix)
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def synthetic_count(conn) -> int:
    return conn.execute(
        "SELECT count(*) AS n FROM articles WHERE source = %s", (SYNTHETIC_SOURCE,)
    ).fetchone()["n"]


def _buckets_complete(conn, bands: int) -> bool:
    """Whether the first and last synthetic articles still have all their buckets."""
    ends = conn.execute(
        "SELECT min(id) AS first, max(id) AS last FROM articles WHERE source = %s",
        (SYNTHETIC_SOURCE,),
    ).fetchone()
    if ends["first"] is None:
        return True
    found = conn.execute(
        "SELECT count(*) AS n FROM lsh_buckets WHERE article_id IN (%s, %s)",
        (ends["first"], ends["last"]),
    ).fetchone()["n"]
    return found == 2 * bands


def _rebuild_buckets(conn, bands: int) -> None:
    conn.execute("TRUNCATE lsh_buckets")
    conn.execute("ALTER TABLE lsh_buckets SET UNLOGGED")
    conn.execute("ALTER TABLE lsh_buckets DROP CONSTRAINT IF EXISTS lsh_buckets_pkey")
    conn.execute("DROP INDEX IF EXISTS lsh_buckets_article")
    conn.execute(
        "INSERT INTO lsh_buckets (band, bucket, article_id)"
        " SELECT b, hashint8extended(a.id * 1000 + b, 0), a.id"
        " FROM articles a CROSS JOIN generate_series(0, %s::int) AS b WHERE a.source = %s",
        (bands - 1, SYNTHETIC_SOURCE),
    )
    conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
    conn.execute("ALTER TABLE lsh_buckets ADD PRIMARY KEY (band, bucket, article_id)")
    conn.execute("CREATE INDEX lsh_buckets_article ON lsh_buckets (article_id)")
    conn.execute("ALTER TABLE lsh_buckets SET LOGGED")


def pad_archive(url: str, total: int, bands: int) -> None:
    """Add synthetic articles until the archive holds `total` of them, with all buckets."""
    with db.connect(url) as conn, conn.transaction():
        have = synthetic_count(conn)
        if have < total:
            start_id = conn.execute("SELECT coalesce(max(id), 0) AS m FROM articles").fetchone()[
                "m"
            ]
            conn.execute(
                "INSERT INTO articles (canonical_url, url, source, text)"
                " SELECT 'https://synthetic.example/' || i, 'https://synthetic.example/' || i,"
                " %s, '' FROM generate_series(%s::bigint, %s::bigint) AS i",
                (SYNTHETIC_SOURCE, have + 1, total),
            )
            conn.execute(
                "INSERT INTO article_signatures (article_id, shingles, shingle_count)"
                " SELECT id, int8send(hashint8extended(id, 1)) || int8send(hashint8extended(id, 2)), 4"
                " FROM articles WHERE id > %s",
                (start_id,),
            )
        rebuild = have < total or not _buckets_complete(conn, bands)
        if rebuild:
            _rebuild_buckets(conn, bands)
    if rebuild:
        with db.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE articles")
            conn.execute("VACUUM ANALYZE lsh_buckets")
            conn.execute("VACUUM ANALYZE article_signatures")


def clear_real_articles(url: str) -> None:
    """Remove everything but the synthetic archive (between benchmark runs)."""
    with db.connect(url) as conn, conn.transaction():
        # Their LSH buckets go with them (a trigger on articles).
        conn.execute("DELETE FROM articles WHERE source <> %s", (SYNTHETIC_SOURCE,))
        conn.execute("DELETE FROM clusters")
        conn.execute("DELETE FROM feeds")
        conn.execute("DELETE FROM hosts")
        conn.execute("DELETE FROM outlet_lines")
        conn.execute("DELETE FROM index_outbox")
