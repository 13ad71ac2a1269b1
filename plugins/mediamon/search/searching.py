"""Searching the articles index for `mediamon search`: sends query.py's request bodies and
reads the answers into hits. Refusals are one line each: a query Elasticsearch cannot parse
is a QueryError (the user's to fix), anything else a SearchUnavailable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import elastic_transport
from elasticsearch import ApiError, Elasticsearch

from mediamon.search import query as queries
from mediamon.search.elastic import SearchUnavailable, describe_error, node_url
from mediamon.search.query import SearchFilters

# Error types Elasticsearch answers a query string it cannot parse with (HTTP 400).
_QUERY_ERRORS = frozenset({"query_shard_exception", "parse_exception"})
_MAX_REASON_CHARS = 300


class QueryError(ValueError):
    """Elasticsearch could not parse the query string: its reason, in one short line."""


@dataclass(frozen=True)
class ArticleHit:
    """One matching article, as the index holds it (without its text)."""

    article_id: int
    url: str
    source: str
    site_name: str | None
    title: str | None
    language: str | None
    published_at: str | None
    first_seen_at: str | None
    groups: list[str]
    syndicated_from: str | None
    is_original: bool
    cluster_id: int | None
    cluster_size: int
    event_id: int | None
    event_size: int
    event_languages: list[str]
    highlights: list[str]  # HTML fragments of the text, matches in <em>

    @classmethod
    def from_hit(cls, hit: dict[str, Any]) -> ArticleHit:
        source = hit.get("_source") or {}
        return cls(
            article_id=int(source.get("article_id") or hit["_id"]),
            url=source.get("url") or "",
            source=source.get("source") or "",
            site_name=source.get("site_name"),
            title=source.get("title"),
            language=source.get("language"),
            published_at=source.get("published_at"),
            first_seen_at=source.get("first_seen_at"),
            groups=list(source.get("groups") or []),
            syndicated_from=source.get("syndicated_from"),
            is_original=bool(source.get("is_original", True)),
            cluster_id=source.get("cluster_id"),
            cluster_size=int(source.get("cluster_size") or 1),
            event_id=source.get("event_id"),
            event_size=int(source.get("event_size") or 1),
            event_languages=list(source.get("event_languages") or []),
            highlights=list((hit.get("highlight") or {}).get("text") or []),
        )


@dataclass(frozen=True)
class EventHit:
    """One matching event: its newest matching article and its first report."""

    event_id: int
    event_size: int
    event_languages: list[str]
    latest: ArticleHit
    first_report: ArticleHit


@dataclass(frozen=True)
class ArticleResults:
    hits: list[ArticleHit]
    total: int  # matching articles


@dataclass(frozen=True)
class EventResults:
    hits: list[EventHit]
    total: int  # matching events (exact up to 3,000, approximate above)
    outside_events: int  # matching articles that belong to no event (not in `hits`)


def search_articles(
    es: Elasticsearch, index: str, filters: SearchFilters, limit: int
) -> ArticleResults:
    """Up to `limit` matching articles, newest first."""
    answer = _search(es, index, queries.articles_request(filters, limit))
    hits = answer["hits"]
    return ArticleResults(
        hits=[ArticleHit.from_hit(hit) for hit in hits["hits"]],
        total=int(hits["total"]["value"]),
    )


def search_events(
    es: Elasticsearch, index: str, filters: SearchFilters, limit: int
) -> EventResults:
    """Up to `limit` matching events, by their newest matching article, newest first."""
    answer = _search(es, index, queries.events_request(filters, limit))
    latest = [ArticleHit.from_hit(hit) for hit in answer["hits"]["hits"]]
    event_ids = [hit.event_id for hit in latest if hit.event_id is not None]
    first: dict[int, ArticleHit] = {}
    if event_ids:
        reports = _search(es, index, queries.first_reports_request(event_ids))
        for hit in reports["hits"]["hits"]:
            report = ArticleHit.from_hit(hit)
            if report.event_id is not None:
                first[report.event_id] = report
    outside = _count(es, index, queries.outside_events_query(filters))
    return EventResults(
        hits=[
            EventHit(
                event_id=hit.event_id,
                event_size=hit.event_size,
                event_languages=hit.event_languages,
                latest=hit,
                first_report=first.get(hit.event_id, hit),
            )
            for hit in latest
            if hit.event_id is not None
        ],
        total=int(answer["aggregations"]["events"]["value"]),
        outside_events=outside,
    )


def _search(es: Elasticsearch, index: str, body: dict[str, Any]) -> dict[str, Any]:
    try:
        return es.search(index=index, body=body).body
    except ApiError as exc:
        raise _refusal(es, index, exc) from exc
    except elastic_transport.TransportError as exc:
        raise SearchUnavailable(describe_error(es, "the search", exc)) from exc


def _count(es: Elasticsearch, index: str, query: dict[str, Any]) -> int:
    try:
        return int(es.count(index=index, query=query)["count"])
    except ApiError as exc:
        raise _refusal(es, index, exc) from exc
    except elastic_transport.TransportError as exc:
        raise SearchUnavailable(describe_error(es, "the search", exc)) from exc


def _refusal(es: Elasticsearch, index: str, exc: ApiError) -> Exception:
    """The error to raise for an Elasticsearch refusal of a search."""
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    if isinstance(error, dict):
        root = _root_cause(error)
        if exc.status_code == 400 and root.get("type") in _QUERY_ERRORS:
            return QueryError(query_reason(error))
        if exc.status_code == 404 and root.get("type") == "index_not_found_exception":
            return SearchUnavailable(
                f"Elasticsearch at {node_url(es)} has no index or alias '{index}': nothing"
                " has been indexed there (run `mediamon ingest`, or correct MEDIAMON_INDEX)"
            )
    return SearchUnavailable(describe_error(es, "the search", exc))


def _root_cause(error: dict[str, Any]) -> dict[str, Any]:
    causes = error.get("root_cause") or []
    return causes[0] if causes and isinstance(causes[0], dict) else error


def query_reason(error: dict[str, Any]) -> str:
    """Elasticsearch's reason for refusing a query, short: the root cause ("Failed to parse
    query [...]") and the parser's first line ("Encountered ... at line 1, column 10.")."""
    reason = _first_line(_root_cause(error).get("reason"))
    detail = _first_line(_deepest_cause(error).get("reason"))
    if detail and detail not in reason:
        reason = f"{reason}: {detail}" if reason else detail
    if len(reason) > _MAX_REASON_CHARS:
        reason = reason[:_MAX_REASON_CHARS].rsplit(" ", 1)[0] + " ..."
    return reason


def _deepest_cause(error: dict[str, Any]) -> dict[str, Any]:
    """The last `caused_by` of the first failed shard's reason (else of the error itself)."""
    shards = error.get("failed_shards") or []
    shard_reason = shards[0].get("reason") if shards and isinstance(shards[0], dict) else None
    cause = shard_reason if isinstance(shard_reason, dict) else error
    while isinstance(cause.get("caused_by"), dict):
        cause = cause["caused_by"]
    return cause


def _first_line(text: object) -> str:
    lines = str(text or "").strip().splitlines()
    return " ".join(lines[0].split()) if lines else ""
