"""Raw pages as raw_pages keeps them: the decoded HTML, compressed by mediamon.

zstd at level 1 (rows stored before migration 0005 hold gzip). Compressed before it
reaches PostgreSQL, whose own TOAST compression is pglz on servers built without lz4.
"""

from __future__ import annotations

import gzip

import zstandard

CODEC = "zstd"


def pack(html: str) -> bytes:
    return zstandard.compress(html.encode(), 1)


def unpack(data: bytes, codec: str) -> str:
    if codec == "zstd":
        return zstandard.decompress(data).decode()
    if codec == "gzip":
        return gzip.decompress(data).decode()
    raise ValueError(f"unknown raw page codec: {codec!r}")
