"""Deciding, the first step of an alerts run (send.py): which changed events each
subscription is alerted to, and what each alert will say.

Reads the open events whose revision moved since the watermark and those still waiting; an
event is decided only once all its reports are indexed. Each subscription's decision
(decide.py, then its query in Elasticsearch) is recorded with the alert's content, at most
once per (subscription, event, milestone); store/alerts.py holds the SQL.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import TYPE_CHECKING, Any

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch

from mediamon.alerts.decide import Decision, EventFacts, PriorAlerts, decide
from mediamon.alerts.subscriptions import Subscription
from mediamon.search.kibana import event_discover_url
from mediamon.settings import Settings
from mediamon.store import alerts as store
from mediamon.store.db import Connection
from mediamon.tagging.watchlist import Watchlist

if TYPE_CHECKING:  # send.py calls this module: its types only, no import cycle at run time
    from mediamon.alerts.send import AlertConfig, AlertRunSummary

logger = logging.getLogger(__name__)

_ES_TIMEOUT_S = 20


class _Searcher:
    """Elasticsearch for subscriptions with a query, opened (and refreshed) on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._es: Elasticsearch | None = None

    def find(self, event_id: int, query: str) -> tuple[bool, str | None]:
        """Whether one of the event's documents matches `query`, and a highlighted fragment."""
        if self._es is None:
            from mediamon.search.indexer import client

            es = client(self.settings.require_elasticsearch())
            # Indexed documents are searchable after a refresh (refresh_interval 5 s): without
            # it, an event indexed a moment ago would not match and would be passed over.
            es.options(request_timeout=_ES_TIMEOUT_S).indices.refresh(index=self.settings.index)
            self._es = es
        answer = self._es.options(request_timeout=_ES_TIMEOUT_S).search(
            index=self.settings.index,
            size=1,
            query={
                "bool": {
                    "filter": [{"term": {"event_id": event_id}}],
                    "must": [
                        {
                            "query_string": {
                                "query": query,
                                "fields": ["title", "text", "description"],
                            }
                        }
                    ],
                }
            },
            highlight={
                "fields": {"text": {}, "title": {}},
                "pre_tags": [""],
                "post_tags": [""],
                "fragment_size": 200,
                "number_of_fragments": 1,
            },
            sort=[{"published_at": {"order": "asc"}}],
            source_includes=["article_id"],
        )
        hits = answer["hits"]["hits"]
        if not hits:
            return False, None
        fragments = hits[0].get("highlight", {})
        fragment = (fragments.get("text") or fragments.get("title") or [None])[0]
        return True, fragment


def decide_events(conn: Connection, config: AlertConfig, summary: AlertRunSummary) -> None:
    """Decide every changed or waiting event for each subscription (step 1 of a run)."""
    searcher = _Searcher(config.settings)
    events, top = store.changed_events(conn, store.watermark(conn))
    for event in events:
        if not event.indexed:
            store.wait(conn, event.id, "reports not yet indexed")
            continue
        facts = EventFacts(event.id, event.size, tuple(event.languages), tuple(event.groups))
        described: dict[str, Any] | None = None
        unanswered: str | None = None
        for subscription in config.subscriptions:
            prior = store.prior_alerts(conn, subscription.name, event.id)
            decision = decide(facts, subscription, prior)
            if decision is None:
                continue
            query_part = None
            if subscription.query:
                try:
                    found, fragment = searcher.find(event.id, subscription.query)
                except (ApiError, TransportError) as exc:
                    unanswered = _query_problem(subscription, exc)
                    logger.warning("%s", unanswered)
                    summary.errors.append(unanswered)
                    continue
                if not found:
                    continue
                query_part = {"query": subscription.query, "snippet": fragment}
            described = described or _describe(conn, config, event)
            alert = _alert(described, decision, prior, query_part, config.watchlist)
            decided = store.record_decision(
                conn, subscription.name, event.id, decision.milestone, decision.kind,
                event.size, alert,
            )  # fmt: skip
            if decided is not None:
                summary.decided += 1
        if unanswered:
            store.wait(conn, event.id, unanswered)
        else:
            store.stop_waiting(conn, event.id)
    store.save_watermark(conn, top)


def _query_problem(subscription: Subscription, exc: Exception) -> str:
    if isinstance(exc, ApiError) and exc.status_code == 400:
        return (
            f"subscription {subscription.name!r}: Elasticsearch refused its query"
            f" ({str(exc.message)[:200]}); its events wait until the query is corrected"
        )
    return (
        f"subscription {subscription.name!r}: Elasticsearch did not answer its query"
        f" ({type(exc).__name__}); its events wait for the next run"
    )


def _iso(value: Any) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _describe(conn: Connection, config: AlertConfig, event: store.EventRow) -> dict[str, Any]:
    """What any subscription's alert says of the event."""
    first = store.first_report(conn, event.id)
    snippets = store.group_snippets(conn, event.id)
    return {
        "event_id": event.id,
        "title": event.title,
        "size": event.size,
        "languages": list(event.languages),
        "outlets": list(event.outlets),
        "first_report_at": _iso(event.first_report_at),
        "last_report_at": _iso(event.last_report_at),
        "first_report": {**first, "published_at": _iso(first["published_at"])},
        "snippets": snippets,
        "kibana_url": event_discover_url(
            config.settings.kibana_url, event.id, event.first_report_at
        ),
    }


def _alert(
    described: dict[str, Any],
    decision: Decision,
    prior: PriorAlerts | None,
    query_part: dict[str, Any] | None,
    watchlist: Watchlist,
) -> dict[str, Any]:
    """One subscription's alert about the event: what the message will say."""
    groups = []
    for group_id in decision.matched_groups:
        snippet, url = described["snippets"].get(group_id, (None, None))
        group = watchlist.by_id.get(group_id)
        name = group.name if group else group_id
        groups.append({"id": group_id, "name": name, "snippet": snippet, "url": url})
    alert = {k: v for k, v in described.items() if k != "snippets"}
    return alert | {
        "kind": decision.kind.value,
        "milestone": decision.milestone,
        "previous_size": prior.last_size if prior else None,
        "groups": groups,
        "query": query_part,
    }
