"""Reading stored articles out: JSON Lines export and re-queueing for the indexer."""

from __future__ import annotations

import json
from datetime import date
from typing import TextIO

from mediamon.store import outbox
from mediamon.store.db import connect

EXPORT_SQL = """
SELECT a.id, a.url, a.canonical_url, a.source, a.syndicated_from, a.title, a.description,
       a.authors, a.site_name, a.published_at, a.published_at_source, a.first_seen_at,
       a.language, a.language_confidence, a.text, a.cluster_id, a.is_original, a.duplicate_of, a.dedup_evidence,
       a.groups, a.groups_with_ancestors, a.mentions, a.watchlist_version,
       coalesce(c.size, 1) AS cluster_size, a.event_id,
       coalesce((SELECT array_agg(e.link ORDER BY e.id) FROM entries e WHERE e.article_id = a.id),
                '{}') AS listed_as
FROM articles a LEFT JOIN clusters c ON c.id = a.cluster_id
WHERE %(since)s::date IS NULL OR a.published_at >= %(since)s::date
ORDER BY a.id
"""


def _jsonable(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def export_articles(database_url: str, stream: TextIO, since: date | None = None) -> int:
    count = 0
    with connect(database_url) as conn, conn.cursor(name="export") as cursor:
        cursor.itersize = 500
        cursor.execute(EXPORT_SQL, {"since": since})
        for row in cursor:
            stream.write(json.dumps(_jsonable(row), ensure_ascii=False) + "\n")
            count += 1
    return count


def requeue(database_url: str, since: date | None = None) -> int:
    """Queue every article (published on or after `since`) for re-indexing."""
    with connect(database_url) as conn, conn.transaction():
        return outbox.requeue(conn, since)
