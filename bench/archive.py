"""A padded archive for the benchmarks: a database of its own with N synthetic articles,
their signatures and LSH buckets, generated server-side.

Synthetic buckets are random (unrelated stories). In this database only, the LSH table
drops its foreign key and is unlogged while it is filled: one million articles make 64
million bucket rows, and per-row key checks and WAL would cost minutes for nothing a
benchmark needs. Lookups use the same indexes as production.
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


def pad_archive(url: str, total: int, bands: int) -> None:
    """Add synthetic articles until the archive holds `total` of them."""
    with db.connect(url) as conn, conn.transaction():
        have = synthetic_count(conn)
        if have >= total:
            return
        start_id = conn.execute("SELECT coalesce(max(id), 0) AS m FROM articles").fetchone()["m"]
        conn.execute("ALTER TABLE lsh_buckets SET UNLOGGED")
        conn.execute(
            "ALTER TABLE lsh_buckets DROP CONSTRAINT IF EXISTS lsh_buckets_article_id_fkey"
        )
        conn.execute("ALTER TABLE lsh_buckets DROP CONSTRAINT lsh_buckets_pkey")
        conn.execute("DROP INDEX lsh_buckets_article")
        conn.execute(
            "INSERT INTO articles (canonical_url, url, source, text)"
            " SELECT 'https://synthetic.example/' || i, 'https://synthetic.example/' || i, %s, ''"
            " FROM generate_series(%s::bigint, %s::bigint) AS i",
            (SYNTHETIC_SOURCE, have + 1, total),
        )
        conn.execute(
            "INSERT INTO article_signatures (article_id, shingles, shingle_count)"
            " SELECT id, int8send(hashint8extended(id, 1)) || int8send(hashint8extended(id, 2)), 4"
            " FROM articles WHERE id > %s",
            (start_id,),
        )
        conn.execute(
            "INSERT INTO lsh_buckets (band, bucket, article_id)"
            " SELECT b, hashint8extended(a.id * 1000 + b, 0), a.id"
            " FROM articles a CROSS JOIN generate_series(0, %s::int) AS b WHERE a.id > %s",
            (bands - 1, start_id),
        )
        conn.execute("SET LOCAL maintenance_work_mem = '1GB'")
        conn.execute("ALTER TABLE lsh_buckets ADD PRIMARY KEY (band, bucket, article_id)")
        conn.execute("CREATE INDEX lsh_buckets_article ON lsh_buckets (article_id)")
    with db.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE articles")
        conn.execute("VACUUM ANALYZE lsh_buckets")
        conn.execute("VACUUM ANALYZE article_signatures")


def clear_real_articles(url: str) -> None:
    """Remove everything but the synthetic archive (between benchmark runs)."""
    with db.connect(url) as conn, conn.transaction():
        conn.execute(
            "DELETE FROM lsh_buckets WHERE article_id IN (SELECT id FROM articles WHERE source <> %s)",
            (SYNTHETIC_SOURCE,),
        )
        conn.execute("DELETE FROM articles WHERE source <> %s", (SYNTHETIC_SOURCE,))
        conn.execute("DELETE FROM clusters")
        conn.execute("DELETE FROM feeds")
        conn.execute("DELETE FROM hosts")
        conn.execute("DELETE FROM outlet_lines")
        conn.execute("DELETE FROM index_outbox")
