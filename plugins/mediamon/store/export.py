"""Reading stored articles out: JSON Lines export and re-queueing for the indexer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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
WHERE (%(start)s::timestamptz IS NULL OR coalesce(a.published_at, a.first_seen_at) >= %(start)s)
  AND (%(end)s::timestamptz IS NULL OR coalesce(a.published_at, a.first_seen_at) < %(end)s)
  AND (cardinality(%(groups)s::text[]) = 0 OR a.groups_with_ancestors && %(groups)s::text[])
  AND (NOT %(originals)s OR a.is_original)
ORDER BY a.id
"""


@dataclass(frozen=True)
class ExportFilters:
    """Which articles an export holds (none set: every article)."""

    since: date | None = None  # first day (UTC), inclusive
    until: date | None = None  # last day (UTC), inclusive
    # Tracked group ids: an article tagged with any of them or with one of their affiliates
    # (groups_with_ancestors holds each mentioned group and its parents), as search does.
    groups: tuple[str, ...] = ()
    # Each story's original only: is_original is false for every copy in a story cluster.
    originals: bool = False

    def parameters(self) -> dict[str, object]:
        """EXPORT_SQL's parameters. An article without a publication time counts by its
        first-seen time: leaving it out of every window would lose it silently."""
        return {
            "start": _midnight(self.since),
            "end": _midnight(self.until + timedelta(days=1)) if self.until else None,
            "groups": list(self.groups),
            "originals": self.originals,
        }


def _midnight(day: date | None) -> datetime | None:
    return datetime.combine(day, time(), UTC) if day else None


def _jsonable(row: dict) -> dict:
    out = {}
    for key, value in row.items():
        out[key] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def export_articles(database_url: str, stream: TextIO, filters: ExportFilters | None = None) -> int:
    """Write the articles `filters` select, one JSON object per line, by id; how many."""
    count = 0
    with connect(database_url) as conn, conn.cursor(name="export") as cursor:
        cursor.itersize = 500
        cursor.execute(EXPORT_SQL, (filters or ExportFilters()).parameters())
        for row in cursor:
            stream.write(json.dumps(_jsonable(row), ensure_ascii=False) + "\n")
            count += 1
    return count


def requeue(database_url: str, since: date | None = None) -> int:
    """Queue every article (published on or after `since`) for re-indexing."""
    with connect(database_url) as conn, conn.transaction():
        return outbox.requeue(conn, since)
