"""The index outbox: articles whose Elasticsearch document must be (re)written.

Filled in the transaction that changes an article, drained by search/indexer.py, so a
document is never lost when Elasticsearch is down.
"""

from __future__ import annotations

from datetime import date

from mediamon.store.db import Connection


def enqueue(conn: Connection, article_ids: list[int]) -> None:
    if not article_ids:
        return
    conn.execute(
        "INSERT INTO index_outbox (article_id) SELECT unnest(%s::bigint[])"
        " ON CONFLICT (article_id) DO UPDATE SET enqueued_at = now(), dead_letter = false,"
        " attempts = 0, last_error = NULL",
        (article_ids,),
    )


def requeue(conn: Connection, since: date | None = None) -> int:
    """Queue every article (published on or after `since`) for re-indexing."""
    return conn.execute(
        "INSERT INTO index_outbox (article_id)"
        " SELECT id FROM articles WHERE %(since)s::date IS NULL OR published_at >= %(since)s::date"
        " ON CONFLICT (article_id) DO UPDATE SET enqueued_at = now(), attempts = 0,"
        " last_error = NULL, dead_letter = false",
        {"since": since},
    ).rowcount
