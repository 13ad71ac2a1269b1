"""Index articles into Elasticsearch from the PostgreSQL outbox.

PostgreSQL commits first; the outbox row says "this document must be (re)indexed".
Bulk requests of a few MB (never one request per document, never refresh=true), with
per-item outcomes: indexed rows leave the outbox, rejected ones keep their error and
are retried, and after MAX_ATTEMPTS a document rejected as invalid is dead-lettered.
When Elasticsearch is unreachable, refuses the whole request, or the index refuses every
write (a write block, a closed index), that is an outage, not a bad document: the outbox
waits for the next run with no attempt counted, and the report says why in one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import elastic_transport
from elasticsearch import Elasticsearch, helpers

from mediamon.search.documents import article_document
from mediamon.search.elastic import INDEX_OUTAGE_ERRORS, describe_error, item_outage

# Re-exported: the CLI (cli/app.py, cli/search.py) and search/searching.py import the client,
# its errors and the index set-up from here.
from mediamon.search.elastic import SearchUnavailable as SearchUnavailable
from mediamon.search.elastic import client as client
from mediamon.search.elastic import node_url as node_url
from mediamon.search.index_setup import ensure_index as ensure_index
from mediamon.store.db import connect, one_row
from mediamon.store.outbox import enqueue

MAX_ATTEMPTS = 3
BATCH_SIZE = 500
MAX_CHUNK_BYTES = 8 * 1024 * 1024

ARTICLE_ROWS_SQL = """
SELECT a.*, coalesce(c.size, 1) AS cluster_size,
       coalesce((SELECT array_agg(DISTINCT e.feed_id) FROM entries e WHERE e.article_id = a.id),
                '{}') AS feed_ids,
       ev.size AS event_size, ev.languages AS event_languages
FROM articles a LEFT JOIN clusters c ON c.id = a.cluster_id
LEFT JOIN events ev ON ev.id = a.event_id
WHERE a.id = ANY(%s)
"""


@dataclass
class IndexReport:
    indexed: int = 0
    failed: int = 0  # documents Elasticsearch did not index (refused, rejected, or held back)
    dead_lettered: int = 0
    unavailable: str | None = None  # one line: what failed and what to do
    errors: list[str] = field(default_factory=list)


def _item_error(item: dict) -> tuple[int, str]:
    status = int(item.get("status", 0))
    error = item.get("error")
    if isinstance(error, dict):
        message = f"{error.get('type')}: {error.get('reason')}"
    else:
        message = str(error)
    return status, message[:500]


@dataclass
class BulkOutcome:
    done: list[int] = field(default_factory=list)
    retry: list[tuple[int, str]] = field(default_factory=list)  # transient (429, 5xx)
    rejected: list[tuple[int, str]] = field(default_factory=list)  # the document is invalid
    waiting: list[int] = field(default_factory=list)  # held back by an outage, no attempt counted
    outage: str | None = None  # one line when Elasticsearch or the index refused everything


def bulk_index(es: Elasticsearch, index: str, articles: list[dict]) -> BulkOutcome:
    """One streaming bulk of `articles` rows into `index`, with every document's outcome.

    Documents never sent (Elasticsearch stopped answering part way) are in no list.
    """
    outcome = BulkOutcome()
    actions = (
        {"_op_type": "index", "_index": index, "_id": str(a["id"]), "_source": article_document(a)}
        for a in articles
    )
    results = helpers.streaming_bulk(
        es,
        actions,
        chunk_size=BATCH_SIZE,
        max_chunk_bytes=MAX_CHUNK_BYTES,
        raise_on_error=False,
        raise_on_exception=False,
        max_retries=0,
    )
    try:
        for ok, result in results:
            item = result.get("index", {})
            article_id = int(item.get("_id", 0))
            if ok:
                outcome.done.append(article_id)
                continue
            error = item.get("error")
            if isinstance(item.get("exception"), Exception):
                # The whole request was refused (security, overload): no document's fault.
                outcome.waiting.append(article_id)
                outcome.outage = outcome.outage or describe_error(
                    es, "the bulk request", item["exception"]
                )
                continue
            if isinstance(error, dict) and error.get("type") in INDEX_OUTAGE_ERRORS:
                outcome.waiting.append(article_id)
                outcome.outage = outcome.outage or item_outage(es, item)
                continue
            status, message = _item_error(item)
            # 4xx other than 429: the document itself is invalid; retrying won't help forever.
            bucket = outcome.rejected if 400 <= status < 500 and status != 429 else outcome.retry
            bucket.append((article_id, message))
    except elastic_transport.TransportError as exc:
        outcome.outage = describe_error(es, "the bulk request", exc)
    return outcome


def drain_outbox(
    database_url: str, es: Elasticsearch, alias: str, limit: int | None = None
) -> IndexReport:
    """Index what the outbox holds (up to `limit` documents); stops at an outage."""
    report = IndexReport()
    while limit is None or report.indexed + report.failed < limit:
        with connect(database_url) as conn, conn.transaction():
            rows = conn.execute(
                "SELECT article_id FROM index_outbox WHERE NOT dead_letter"
                " ORDER BY attempts, enqueued_at, article_id LIMIT %s FOR UPDATE SKIP LOCKED",
                (BATCH_SIZE,),
            ).fetchall()
            if not rows:
                return report
            ids = [row["article_id"] for row in rows]
            articles = conn.execute(ARTICLE_ROWS_SQL, (ids,)).fetchall()
            outcome = bulk_index(es, alias, articles)
            gone = set(ids) - {a["id"] for a in articles}  # deleted articles: nothing to index
            conn.execute(
                "DELETE FROM index_outbox WHERE article_id = ANY(%s)",
                (outcome.done + sorted(gone),),
            )
            failures = [(a, m, False) for a, m in outcome.retry] + [
                (a, m, True) for a, m in outcome.rejected
            ]
            for article_id, message, rejected in failures:
                conn.execute(
                    "UPDATE index_outbox SET attempts = attempts + 1, last_error = %s,"
                    " dead_letter = (%s AND attempts + 1 >= %s) WHERE article_id = %s",
                    (message, rejected, MAX_ATTEMPTS, article_id),
                )
            if outcome.waiting:  # the reason, for whoever looks at the outbox; no attempt counted
                conn.execute(
                    "UPDATE index_outbox SET last_error = %s WHERE article_id = ANY(%s)",
                    (outcome.outage, outcome.waiting),
                )
            report.indexed += len(outcome.done)
            report.failed += len(failures) + len(outcome.waiting)
            report.errors += [m for _, m, _ in failures][:5]
            if failures:  # of this run's failures, those now dead-lettered
                report.dead_lettered += one_row(
                    conn.execute(
                        "SELECT count(*) AS n FROM index_outbox WHERE dead_letter AND article_id = ANY(%s)",
                        ([article_id for article_id, _, rejected in failures if rejected],),
                    )
                )["n"]
            if outcome.outage:
                report.unavailable = outcome.outage
                return report  # the rest waits for the next run
            if not outcome.done:
                return report  # only failures left: retried on the next run, not in a tight loop
    return report


def index_articles(
    database_url: str, es: Elasticsearch, index: str, article_ids: list[int]
) -> IndexReport:
    """Index the given articles straight into `index` (re-index windows, new index versions).

    Documents not indexed go to the outbox, so the normal drain retries and records them;
    at an outage the rest of the list goes there too.
    """
    report = IndexReport()
    for start in range(0, len(article_ids), BATCH_SIZE):
        chunk = article_ids[start : start + BATCH_SIZE]
        with connect(database_url) as conn:
            articles = conn.execute(ARTICLE_ROWS_SQL, (chunk,)).fetchall()
        outcome = bulk_index(es, index, articles)
        report.indexed += len(outcome.done)
        failures = outcome.retry + outcome.rejected
        report.failed += len(failures) + len(outcome.waiting)
        report.errors += [m for _, m in failures][:5]
        left = [a for a, _ in failures]
        if outcome.outage:
            report.unavailable = outcome.outage
            done = set(outcome.done)
            left = [a for a in article_ids[start:] if a not in done]
        if left:
            with connect(database_url) as conn, conn.transaction():
                enqueue(conn, left)
        if outcome.outage:
            return report
    return report
