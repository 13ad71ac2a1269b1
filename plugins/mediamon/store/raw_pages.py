"""The raw_pages table: each article's decoded HTML, compressed by mediamon, so that
backfills re-extract without fetching.

zstd at level 1 (rows stored before migration 0005 hold gzip). Compressed before it
reaches PostgreSQL, whose own TOAST compression is pglz on servers built without lz4.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import zstandard

if TYPE_CHECKING:  # extraction workers pack pages and must not load psycopg
    from mediamon.store.db import Connection

CODEC = "zstd"


@dataclass(frozen=True)
class StoredPage:
    article_id: int
    url: str
    status_code: int | None
    content_type: str | None
    encoding: str | None
    html_packed: bytes  # pack()ed


def pack(html: str) -> bytes:
    return zstandard.compress(html.encode(), 1)


def unpack(data: bytes, codec: str) -> str:
    if codec == "zstd":
        return zstandard.decompress(data).decode()
    if codec == "gzip":
        return gzip.decompress(data).decode()
    raise ValueError(f"unknown raw page codec: {codec!r}")


def insert(conn: Connection, pages: Sequence[StoredPage]) -> None:
    conn.cursor().executemany(
        "INSERT INTO raw_pages"
        " (article_id, url, status_code, content_type, encoding, html_packed, codec)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s)",
        [
            (p.article_id, p.url, p.status_code, p.content_type, p.encoding, p.html_packed, CODEC)
            for p in pages
        ],
    )


def of_article(conn: Connection, article_id: int) -> tuple[str, str] | None:
    """(decoded HTML, URL it was fetched from) of a stored article, if kept."""
    row = conn.execute(
        "SELECT html_packed, codec, url FROM raw_pages WHERE article_id = %s", (article_id,)
    ).fetchone()
    return None if row is None else (unpack(row["html_packed"], row["codec"]), row["url"])
