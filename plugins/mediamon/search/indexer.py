"""Index articles into Elasticsearch from the PostgreSQL outbox.

PostgreSQL commits first; the outbox row says "this document must be (re)indexed".
Bulk requests of a few MB (never one request per document, never refresh=true), with
per-item outcomes: indexed rows leave the outbox, rejected ones keep their error and
are retried, and after MAX_ATTEMPTS a document rejected as invalid is dead-lettered.
When Elasticsearch is unreachable the outbox simply waits for the next run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import elastic_transport

from elasticsearch import Elasticsearch, helpers
from mediamon.search.documents import article_document
from mediamon.settings import PROJECT_ROOT, ConfigError
from mediamon.store.db import connect

TEMPLATE_PATH = PROJECT_ROOT / "elasticsearch" / "articles-template.json"
MAX_ATTEMPTS = 3
BATCH_SIZE = 500
MAX_CHUNK_BYTES = 8 * 1024 * 1024

ARTICLE_ROWS_SQL = """
SELECT a.*, coalesce(c.size, 1) AS cluster_size,
       coalesce((SELECT array_agg(DISTINCT e.feed_id) FROM entries e WHERE e.article_id = a.id),
                '{}') AS feed_ids
FROM articles a LEFT JOIN clusters c ON c.id = a.cluster_id
WHERE a.id = ANY(%s)
"""


class SearchUnavailable(RuntimeError):
    """Elasticsearch did not answer (one line for the user)."""


@dataclass
class IndexReport:
    indexed: int = 0
    failed: int = 0
    dead_lettered: int = 0
    unavailable: str | None = None
    errors: list[str] = field(default_factory=list)


def client(url: str) -> Elasticsearch:
    return Elasticsearch(url, request_timeout=30, max_retries=1, retry_on_timeout=False)


def load_template(alias: str) -> dict:
    template = json.loads(TEMPLATE_PATH.read_text())
    template["index_patterns"] = [f"{alias}-*"]
    return template


def ensure_index(es: Elasticsearch, alias: str) -> str:
    """Apply the template and make sure `alias` points at a write index; returns that index."""
    try:
        es.indices.put_index_template(name=alias, **load_template(alias))
        if es.indices.exists_alias(name=alias):
            indices = es.indices.get_alias(name=alias)
            for index, body in indices.items():
                if body["aliases"][alias].get("is_write_index", len(indices) == 1):
                    return index
            return next(iter(indices))
        if es.indices.exists(index=alias):
            return alias  # a plain index of that name (set up by hand): use it as it is
        index = f"{alias}-v1"
        es.indices.create(index=index, aliases={alias: {"is_write_index": True}})
        return index
    except elastic_transport.TransportError as exc:
        raise SearchUnavailable(f"Elasticsearch unavailable: {_reason(exc)}") from exc


def _reason(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def enqueue(conn, article_ids: list[int]) -> None:
    if not article_ids:
        return
    conn.execute(
        "INSERT INTO index_outbox (article_id) SELECT unnest(%s::bigint[])"
        " ON CONFLICT (article_id) DO UPDATE SET enqueued_at = now(), dead_letter = false,"
        " attempts = 0, last_error = NULL",
        (article_ids,),
    )


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


def bulk_index(es: Elasticsearch, index: str, articles: list[dict]) -> BulkOutcome:
    """One streaming bulk of `articles` rows into `index`; raises TransportError when ES is down."""
    outcome = BulkOutcome()
    actions = (
        {"_op_type": "index", "_index": index, "_id": str(a["id"]), "_source": article_document(a)}
        for a in articles
    )
    for ok, result in helpers.streaming_bulk(
        es,
        actions,
        chunk_size=BATCH_SIZE,
        max_chunk_bytes=MAX_CHUNK_BYTES,
        raise_on_error=False,
        raise_on_exception=False,
        max_retries=0,
    ):
        item = result.get("index", {})
        article_id = int(item.get("_id", 0))
        if ok:
            outcome.done.append(article_id)
            continue
        status, message = _item_error(item)
        # 4xx other than 429: the document itself is invalid; retrying won't help forever.
        bucket = outcome.rejected if 400 <= status < 500 and status != 429 else outcome.retry
        bucket.append((article_id, message))
    return outcome


def drain_outbox(
    database_url: str, es: Elasticsearch, alias: str, limit: int | None = None
) -> IndexReport:
    """Index what the outbox holds (up to `limit` documents)."""
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
            try:
                outcome = bulk_index(es, alias, articles)
            except elastic_transport.TransportError as exc:
                report.unavailable = f"Elasticsearch unavailable: {_reason(exc)}"
                return report
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
            report.indexed += len(outcome.done)
            report.failed += len(failures)
            report.errors += [m for _, m, _ in failures][:5]
            if failures:  # of this run's failures, those now dead-lettered
                report.dead_lettered += conn.execute(
                    "SELECT count(*) AS n FROM index_outbox WHERE dead_letter AND article_id = ANY(%s)",
                    ([article_id for article_id, _, rejected in failures if rejected],),
                ).fetchone()["n"]
            if not outcome.done:
                return report  # only failures left: retried on the next run, not in a tight loop
    return report


def index_articles(
    database_url: str, es: Elasticsearch, index: str, article_ids: list[int]
) -> IndexReport:
    """Index the given articles straight into `index` (re-index windows, new index versions)."""
    report = IndexReport()
    for start in range(0, len(article_ids), BATCH_SIZE):
        chunk = article_ids[start : start + BATCH_SIZE]
        with connect(database_url) as conn:
            articles = conn.execute(ARTICLE_ROWS_SQL, (chunk,)).fetchall()
        try:
            outcome = bulk_index(es, index, articles)
        except elastic_transport.TransportError as exc:
            report.unavailable = f"Elasticsearch unavailable: {_reason(exc)}"
            return report
        report.indexed += len(outcome.done)
        failures = outcome.retry + outcome.rejected
        report.failed += len(failures)
        report.errors += [m for _, m in failures][:5]
        if failures:  # keep them in the outbox so the normal drain retries and records them
            with connect(database_url) as conn, conn.transaction():
                enqueue(conn, [a for a, _ in failures])
    return report


def ensure_target_index(es: Elasticsearch, alias: str, index: str) -> None:
    """Create `index` (a new version behind `alias`) with the template applied, if missing."""
    if not index.startswith(f"{alias}-"):
        raise ConfigError(
            f"target index {index!r} must be named {alias}-<version> to get the template"
        )
    if not es.indices.exists(index=index):
        es.indices.create(index=index)


def swap_alias(es: Elasticsearch, alias: str, index: str) -> None:
    """Point `alias` at `index` alone, atomically."""
    actions: list[dict] = [{"add": {"index": index, "alias": alias, "is_write_index": True}}]
    if es.indices.exists_alias(name=alias):
        for old in es.indices.get_alias(name=alias):
            if old != index:
                actions.insert(0, {"remove": {"index": old, "alias": alias}})
    es.indices.update_aliases(actions=actions)
