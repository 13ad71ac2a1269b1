"""Elasticsearch documents built from PostgreSQL rows (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

SNIPPET_CHARS = 300


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def article_document(row: dict[str, Any]) -> dict:
    """One article's document; `row` holds the articles columns plus feed_ids and cluster_size."""
    text = row.get("text") or ""
    mentions = row.get("mentions") or []
    return {
        "article_id": row["id"],
        "url": row["url"],
        "canonical_url": row["canonical_url"],
        "syndicated_from": row.get("syndicated_from"),
        "source": row["source"],
        "site_name": row.get("site_name"),
        "feed_ids": sorted(row.get("feed_ids") or []),
        "title": row.get("title"),
        "text": text,
        "snippet": text[:SNIPPET_CHARS],
        "description": row.get("description"),
        "authors": list(row.get("authors") or []),
        "language": row.get("language"),
        "language_confidence": row.get("language_confidence"),
        "published_at": _iso(row.get("published_at")),
        "published_at_source": row.get("published_at_source"),
        "first_seen_at": _iso(row.get("first_seen_at")),
        "indexed_at": datetime.now(UTC).isoformat(),
        "status": row.get("status"),
        "cluster_id": row.get("cluster_id"),
        "cluster_size": row.get("cluster_size") or 1,
        # Events (store/events.py): the incident this report belongs to.
        "event_id": row.get("event_id"),
        "event_size": row.get("event_size") or 1,
        "event_languages": list(row.get("event_languages") or []),
        "is_original": bool(row.get("is_original", True)),
        "duplicate_of": row.get("duplicate_of"),
        "dedup_evidence": row.get("dedup_evidence"),
        "groups": list(row.get("groups") or []),
        "groups_with_ancestors": list(row.get("groups_with_ancestors") or []),
        "mention_count": len(mentions),
        "watchlist_version": row.get("watchlist_version"),
        "mentions": mentions,
    }
