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

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import elastic_transport
from elasticsearch import ApiError, Elasticsearch, helpers

from mediamon.search.documents import article_document
from mediamon.settings import ConfigError
from mediamon.store.db import connect, one_row
from mediamon.store.outbox import enqueue

TEMPLATE_PATH = Path(__file__).resolve().parents[1] / "elasticsearch" / "articles-template.json"
MAX_ATTEMPTS = 3
BATCH_SIZE = 500
MAX_CHUNK_BYTES = 8 * 1024 * 1024
# Per-document errors that describe the index, not the document: every document meets
# them until someone lifts them, so none of them counts toward dead-lettering.
INDEX_OUTAGE_ERRORS = frozenset({"cluster_block_exception", "index_closed_exception"})
# Elasticsearch reasons can be long (stack-like "caused by" chains); messages stay one line.
_MAX_REASON_CHARS = 400
_BLOCKED_BY = re.compile(r"blocked by: \[(?P<block>.*)\]")
_INDEX_IN_REASON = re.compile(r"index \[(?P<index>[^\]]+)\]")

ARTICLE_ROWS_SQL = """
SELECT a.*, coalesce(c.size, 1) AS cluster_size,
       coalesce((SELECT array_agg(DISTINCT e.feed_id) FROM entries e WHERE e.article_id = a.id),
                '{}') AS feed_ids,
       ev.size AS event_size, ev.languages AS event_languages
FROM articles a LEFT JOIN clusters c ON c.id = a.cluster_id
LEFT JOIN events ev ON ev.id = a.event_id
WHERE a.id = ANY(%s)
"""
# Not answering (connection, timeout, TLS) and answering with an error are separate classes.
ES_ERRORS = (elastic_transport.TransportError, ApiError)


class SearchUnavailable(RuntimeError):
    """Elasticsearch did not answer or refused (one line: what, where, what to do)."""


@dataclass
class IndexReport:
    indexed: int = 0
    failed: int = 0  # documents Elasticsearch did not index (refused, rejected, or held back)
    dead_lettered: int = 0
    unavailable: str | None = None  # one line: what failed and what to do
    errors: list[str] = field(default_factory=list)


def client(url: str) -> Elasticsearch:
    """A client for `url`; a malformed URL is a ConfigError naming it (without credentials)."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    problem = None if scheme in ("http", "https") else "it must start with http:// or https://"
    if problem is None:
        try:
            return Elasticsearch(url, request_timeout=30, max_retries=1, retry_on_timeout=False)
        except ValueError:
            problem = "it needs a scheme, a host and a port"
    raise ConfigError(
        f"malformed Elasticsearch URL {without_credentials(url)!r}: {problem}"
        " (e.g. http://127.0.0.1:9200); correct MEDIAMON_ELASTICSEARCH_URL"
    )


def without_credentials(url: str) -> str:
    """`url` for display: any user:password@ part removed."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://)?[^/@]*@", r"\1", url)


def node_url(es: Elasticsearch) -> str:
    """The node's address as messages show it (the client keeps credentials apart)."""
    nodes = es.transport.node_pool.all()
    return nodes[0].base_url if nodes else "(no node configured)"


def _one_line(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _MAX_REASON_CHARS:
        return text
    return text[:_MAX_REASON_CHARS].rsplit(" ", 1)[0] + " ..."


def _innermost(exc: BaseException) -> BaseException:
    """The root of elastic-transport's nested errors (e.g. the OSError behind a refusal)."""
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        nested = getattr(exc, "errors", ()) or ()
        following = nested[-1] if nested else exc.__cause__
        if not isinstance(following, BaseException):
            break
        exc = following
    return exc


def _transport_reason(exc: BaseException) -> str:
    root = _innermost(exc)
    if isinstance(root, OSError) and root.strerror:
        return root.strerror
    return _one_line(str(root) or type(root).__name__)


def _api_cause(exc: ApiError) -> tuple[str | None, str]:
    """(error type, reason) from an Elasticsearch error answer."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            causes = error.get("root_cause") or [error]
            cause = causes[0] if isinstance(causes[0], dict) else error
            return cause.get("type"), _one_line(str(cause.get("reason") or error.get("reason")))
        if error:
            return None, _one_line(str(error))
    text = body if isinstance(body, str) and body.strip() not in ("", "None") else exc.message
    return None, _one_line(str(text))


def _api_advice(status: int, kind: str | None) -> str:
    if status == 401:
        return "check the user and password in MEDIAMON_ELASTICSEARCH_URL"
    if status == 403 and kind == "security_exception":
        return "give the user in MEDIAMON_ELASTICSEARCH_URL the index privileges mediamon needs"
    if status == 429 or status >= 500:
        return "Elasticsearch is overloaded or unhealthy; check its log and `GET _cluster/health`"
    return "check the Elasticsearch log"


def describe_error(es: Elasticsearch, action: str, exc: Exception) -> str:
    """One line: which Elasticsearch, what it refused or why it did not answer, what to do."""
    url = node_url(es)
    if isinstance(exc, elastic_transport.ConnectionTimeout):
        return (
            f"Elasticsearch at {url} did not answer {action} in time"
            f" ({_transport_reason(exc)}); check its load and log"
        )
    if isinstance(exc, elastic_transport.TransportError):
        return (
            f"Elasticsearch at {url} does not answer {action} ({_transport_reason(exc)});"
            " start it (`mediamon stack up`) or correct MEDIAMON_ELASTICSEARCH_URL"
        )
    if isinstance(exc, ApiError):
        kind, reason = _api_cause(exc)
        status = exc.status_code
        label = f"{kind}, HTTP {status}" if kind else f"HTTP {status}"
        return (
            f"Elasticsearch at {url} refused {action}: {reason} ({label});"
            f" {_api_advice(status, kind)}"
        )
    return f"Elasticsearch at {url} failed {action}: {_one_line(str(exc) or type(exc).__name__)}"


def _curl(method: str, url: str, body: dict | None = None) -> str:
    data = f" -H 'Content-Type: application/json' -d '{json.dumps(body)}'" if body else ""
    return f"`curl -X {method} '{url}'{data}`"


def _block_problem(url: str, index: str | None, reason: str) -> tuple[str, str]:
    """(what is blocked, how to lift it) for a cluster_block_exception's reason."""
    match = _BLOCKED_BY.search(reason)
    block = match.group("block") if match else reason
    target = f"index '{index}'" if index else "the index"
    settings_url = f"{url}/{index}/_settings" if index else f"{url}/_all/_settings"
    if "read-only-allow-delete" in block:
        setting = "index.blocks.read_only_allow_delete"
        return (
            f"{target} is read-only because the node's disk passed its flood-stage watermark",
            "free disk space on the node (Elasticsearch then lifts the block itself) or lift it"
            f" with {_curl('PUT', settings_url, {setting: None})}",
        )
    for words, setting, state in (
        ("index write", "index.blocks.write", "write-blocked"),
        ("index read-only", "index.blocks.read_only", "read-only"),
    ):
        if words in block:
            return (
                f"{target} is {state}",
                f"lift it with {_curl('PUT', settings_url, {setting: None})}",
            )
    if "cluster read-only" in block:
        return (
            "the cluster is read-only",
            "lift it with `PUT _cluster/settings` setting cluster.blocks.read_only"
            " (and cluster.blocks.read_only_allow_delete) to null",
        )
    description = block.split("/", 2)[-1] if block.count("/") >= 2 else block
    return (
        f"{target} is blocked ({_one_line(description)})",
        "lift the block, see the Elasticsearch log",
    )


def _item_outage(es: Elasticsearch, item: dict) -> str:
    """One line for a per-document error that is the index's (see INDEX_OUTAGE_ERRORS)."""
    url = node_url(es)
    error = item.get("error") or {}
    kind = error.get("type")
    reason = str(error.get("reason") or "")
    found = _INDEX_IN_REASON.search(reason)
    index = error.get("index") or (found.group("index") if found else item.get("_index"))
    if kind == "index_closed_exception":
        problem, advice = (
            f"index '{index}' is closed",
            f"open it with {_curl('POST', f'{url}/{index}/_open')}",
        )
    else:
        problem, advice = _block_problem(url, index, reason)
    return f"Elasticsearch at {url} refused the bulk request: {problem} ({kind}); {advice}"


def load_template(alias: str) -> dict:
    template = json.loads(TEMPLATE_PATH.read_text())
    template["index_patterns"] = [f"{alias}-*"]
    return template


def ensure_index(es: Elasticsearch, alias: str) -> str:
    """Apply the template and make sure `alias` points at a write index; returns that index."""
    try:
        template = load_template(alias)
        es.indices.put_index_template(name=alias, **template)
        if es.indices.exists_alias(name=alias):
            indices = es.indices.get_alias(name=alias)
            write_index = next(
                (
                    index
                    for index, body in indices.items()
                    if body["aliases"][alias].get("is_write_index", len(indices) == 1)
                ),
                next(iter(indices)),
            )
            _add_new_fields(es, write_index, template)
            return write_index
        if es.indices.exists(index=alias):
            return alias  # a plain index of that name (set up by hand): use it as it is
        index = f"{alias}-v1"
        es.indices.create(index=index, aliases={alias: {"is_write_index": True}})
        return index
    except ES_ERRORS as exc:
        raise SearchUnavailable(
            describe_error(es, f"the set-up of index alias '{alias}'", exc)
        ) from exc


def _add_new_fields(es: Elasticsearch, index: str, template: dict[str, Any]) -> None:
    """Give an existing index the fields a newer template adds (the mapping is strict: a
    document with a field its index lacks would be rejected). Changing an existing field's
    type is refused by Elasticsearch: that needs `reindex` into a new index version."""
    properties = template["template"]["mappings"]["properties"]
    es.indices.put_mapping(index=index, properties=properties)


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
                outcome.outage = outcome.outage or _item_outage(es, item)
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


def ensure_target_index(es: Elasticsearch, alias: str, index: str) -> None:
    """Create `index` (a new version behind `alias`) with the template applied, if missing."""
    if not index.startswith(f"{alias}-"):
        raise ConfigError(
            f"target index {index!r} must be named {alias}-<version> to get the template"
        )
    try:
        if not es.indices.exists(index=index):
            es.indices.create(index=index)
    except ES_ERRORS as exc:
        raise SearchUnavailable(describe_error(es, f"creating index '{index}'", exc)) from exc


def swap_alias(es: Elasticsearch, alias: str, index: str) -> None:
    """Point `alias` at `index` alone, atomically."""
    actions: list[dict[str, Any]] = [
        {"add": {"index": index, "alias": alias, "is_write_index": True}}
    ]
    try:
        if es.indices.exists_alias(name=alias):
            for old in es.indices.get_alias(name=alias):
                if old != index:
                    actions.insert(0, {"remove": {"index": old, "alias": alias}})
        es.indices.update_aliases(actions=actions)
    except ES_ERRORS as exc:
        raise SearchUnavailable(
            describe_error(es, f"pointing alias '{alias}' at '{index}'", exc)
        ) from exc
