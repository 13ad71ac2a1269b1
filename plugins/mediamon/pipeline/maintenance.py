"""Maintenance over stored articles: re-tag after a watchlist edit (reprocess and reindex
windows are added by the Airflow issue)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from psycopg.types.json import Jsonb

from mediamon.search.indexer import enqueue
from mediamon.settings import Settings
from mediamon.store.db import connect
from mediamon.tagging.versions import tagger_for

RETAG_BATCH = 500


def retag_articles(
    settings: Settings, watchlist: Path, since: date | None = None
) -> tuple[int, int]:
    """Re-tag articles from PostgreSQL; returns (articles whose tags changed, watchlist version)."""
    database_url = settings.require_database()
    tagger = tagger_for(database_url, watchlist)
    changed = 0
    last_id = 0
    while True:
        with connect(database_url) as conn, conn.transaction():
            rows = conn.execute(
                "SELECT id, title, text, groups, mentions FROM articles WHERE id > %s"
                " AND (%s::date IS NULL OR first_seen_at >= %s::date) ORDER BY id LIMIT %s",
                (last_id, since, since, RETAG_BATCH),
            ).fetchall()
            if not rows:
                return changed, tagger.version or 0
            updated = []
            for row in rows:
                tags = tagger.tag(row["title"], row["text"])
                mentions = [m.as_dict() for m in tags.mentions]
                conn.execute(
                    "UPDATE articles SET groups = %s, groups_with_ancestors = %s, mentions = %s,"
                    " watchlist_version = %s, updated_at = now() WHERE id = %s",
                    (
                        tags.groups,
                        tags.groups_with_ancestors,
                        Jsonb(mentions),
                        tagger.version,
                        row["id"],
                    ),
                )
                if tags.groups != list(row["groups"]) or mentions != row["mentions"]:
                    updated.append(row["id"])
            enqueue(conn, updated)
            changed += len(updated)
            last_id = rows[-1]["id"]
