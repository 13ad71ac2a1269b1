"""Elasticsearch request bodies for `mediamon search` (pure: filters in, request body out).

The field names are the index template's (elasticsearch/articles-template.json), written by
search/documents.py. searching.py sends these bodies and reads the answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

# Elasticsearch's default index.max_result_window: up to this many hits come in one request
# (from 0, size <= the window), so no paging is needed and none is done.
MAX_LIMIT = 10_000
SEARCH_FIELDS = ["title", "text"]
# What a hit carries back; the full text stays in the index (`mediamon export` has it).
HIT_FIELDS = [
    "article_id",
    "url",
    "source",
    "site_name",
    "title",
    "language",
    "published_at",
    "first_seen_at",
    "groups",
    "syndicated_from",
    "is_original",
    "cluster_id",
    "cluster_size",
    "event_id",
    "event_size",
    "event_languages",
]
# Newest first; documents with the same time in a stable order (the article id breaks ties).
# published_at is always written (ingestion falls back to the first-seen time and records
# that in published_at_source); a document without it sorts last, by first-seen time.
NEWEST_FIRST: list[dict[str, Any]] = [
    {"published_at": {"order": "desc", "missing": "_last"}},
    {"first_seen_at": {"order": "desc"}},
    {"article_id": {"order": "desc"}},
]
OLDEST_FIRST: list[dict[str, Any]] = [
    {"published_at": {"order": "asc", "missing": "_last"}},
    {"first_seen_at": {"order": "asc"}},
    {"article_id": {"order": "asc"}},
]
# Snippets of the text around the matched words, as HTML fragments (the text is escaped,
# the matches are in <em>): a consumer can tell a match from text that holds "<em>".
HIGHLIGHT: dict[str, Any] = {
    "encoder": "html",
    "fields": {"text": {"fragment_size": 160, "number_of_fragments": 2}},
}


@dataclass(frozen=True)
class SearchFilters:
    """What the user asked for: a query string and the filters around it."""

    query: str = ""
    groups: tuple[str, ...] = ()  # tracked group ids; an article of any of them (affiliates too)
    languages: tuple[str, ...] = ()  # language codes; an article in any of them
    since: date | None = None  # first day (UTC), inclusive
    until: date | None = None  # last day (UTC), inclusive
    originals: bool = False  # one article per story: syndicated and near copies left out


def text_query(query: str) -> dict[str, Any]:
    """The user's query string over title and text; a blank one matches every article.

    default_operator AND: `bomb Kabul` means both words, as in a search box, not either.
    lenient: a term the user aims at a non-text field (`event_size:big`) matches nothing
    instead of failing the whole search; syntax errors are still reported.
    """
    if not query.strip():
        return {"match_all": {}}
    return {
        "query_string": {
            "query": query,
            "fields": SEARCH_FIELDS,
            "default_operator": "AND",
            "lenient": True,
        }
    }


def time_window(since: date | None, until: date | None) -> dict[str, Any] | None:
    """Articles published within [since, until], whole UTC days; None without bounds.

    The time is published_at. Ingestion always writes it (the first-seen time when a page
    and its feed give no date), but a document written without one (by an older version,
    or by hand) must still be found: for those, the first-seen time counts.
    """
    if since is None and until is None:
        return None
    bounds: dict[str, str] = {}
    if since is not None:
        bounds["gte"] = since.isoformat()
    if until is not None:
        bounds["lt"] = (until + timedelta(days=1)).isoformat()
    return {
        "bool": {
            "should": [
                {"range": {"published_at": dict(bounds)}},
                {
                    "bool": {
                        "must_not": {"exists": {"field": "published_at"}},
                        "filter": {"range": {"first_seen_at": dict(bounds)}},
                    }
                },
            ],
            "minimum_should_match": 1,
        }
    }


def filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    """The filters, as non-scoring clauses."""
    clauses: list[dict[str, Any]] = []
    if filters.groups:
        # groups_with_ancestors: the tagger writes each mentioned group and its parents, so
        # `isis` finds articles about ISIS-K or ISWAP too (as Kibana's per-group searches do).
        clauses.append({"terms": {"groups_with_ancestors": list(filters.groups)}})
    if filters.languages:
        clauses.append({"terms": {"language": list(filters.languages)}})
    window = time_window(filters.since, filters.until)
    if window is not None:
        clauses.append(window)
    if filters.originals:
        # is_original is the story cluster's role: false for every copy (syndicated with a
        # rel=canonical, exact or near) of an earlier article. A syndicated page whose
        # original was never stored is its story's only article here, and stays.
        clauses.append({"term": {"is_original": True}})
    return clauses


def articles_query(filters: SearchFilters) -> dict[str, Any]:
    return {"bool": {"must": [text_query(filters.query)], "filter": filter_clauses(filters)}}


def articles_request(filters: SearchFilters, limit: int) -> dict[str, Any]:
    """Matching articles, newest first, with highlighted snippets of their text."""
    return {
        "query": articles_query(filters),
        "sort": NEWEST_FIRST,
        "size": limit,
        "_source": HIT_FIELDS,
        "highlight": HIGHLIGHT,
        "track_total_hits": True,
    }


def events_request(filters: SearchFilters, limit: int) -> dict[str, Any]:
    """One hit per event (its newest matching article), events by that article, newest first.

    Field collapse on event_id keeps the top hit of each event. Documents without an
    event_id would all collapse into one group, so they are left out here and counted by
    `outside_events_query`.
    """
    query = articles_query(filters)
    query["bool"]["filter"].append({"exists": {"field": "event_id"}})
    return {
        "query": query,
        "collapse": {"field": "event_id"},
        "sort": NEWEST_FIRST,
        "size": limit,
        "_source": HIT_FIELDS,
        "highlight": HIGHLIGHT,
        "track_total_hits": True,
        # How many events match (approximate above 3,000: a HyperLogLog count).
        "aggs": {"events": {"cardinality": {"field": "event_id"}}},
    }


def outside_events_query(filters: SearchFilters) -> dict[str, Any]:
    """Matching articles that belong to no event (indexed before events were assigned)."""
    query = articles_query(filters)
    query["bool"]["must_not"] = [{"exists": {"field": "event_id"}}]
    return query


def first_reports_request(event_ids: list[int]) -> dict[str, Any]:
    """Each event's first report (its earliest article, whatever the filters matched)."""
    return {
        "query": {"terms": {"event_id": event_ids}},
        "collapse": {"field": "event_id"},
        "sort": OLDEST_FIRST,
        "size": len(event_ids),
        "_source": HIT_FIELDS,
    }
