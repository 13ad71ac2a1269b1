"""Does an event concern a subscription, and is this a new alert or an update? (pure)

A subscription hears of an event once (`new`), when the event names one of its tracked
groups, has a report in one of its languages (if it lists any) and at least `min_size`
reports. With `updates: {size_factor: F}` it hears again each time the event reaches the
next milestone: base x F^k reports, where base is the size it was first alerted at (F = 2:
each time the event doubles). Its `query`, if any, is Elasticsearch's to answer (send.py);
nothing here touches a service.
"""

from __future__ import annotations

from dataclasses import dataclass

from mediamon.alerts.subscriptions import Subscription
from mediamon.vocabulary import AlertKind


@dataclass(frozen=True)
class EventFacts:
    """What matching reads of an event (store/alerts.py reads it from `events`)."""

    id: int
    size: int
    languages: tuple[str, ...]
    groups: tuple[str, ...]  # the groups its reports name (not their ancestors)


@dataclass(frozen=True)
class PriorAlerts:
    """What the subscription was already told about the event."""

    base_size: int  # the event's size at the new-event alert
    milestone: int  # the highest milestone alerted (0: only the new-event alert)
    last_size: int  # the event's size at the latest alert


@dataclass(frozen=True)
class Decision:
    kind: AlertKind
    milestone: int
    matched_groups: tuple[str, ...]


def matched_groups(event: EventFacts, subscription: Subscription) -> tuple[str, ...]:
    """The event's groups the subscription tracks, in the event's order."""
    return tuple(g for g in event.groups if g in subscription.tracked)


def matches(event: EventFacts, subscription: Subscription) -> bool:
    """Everything but the query: a tracked group, a listed language, the minimum size."""
    if event.size < subscription.min_size or not matched_groups(event, subscription):
        return False
    return subscription.languages is None or bool(
        subscription.languages.intersection(event.languages)
    )


def milestone(size: int, base_size: int, factor: float) -> int:
    """The highest k with size >= base_size x factor^k (0 when it has not grown by `factor`)."""
    level, threshold = 0, base_size * factor
    while size >= threshold:
        level += 1
        threshold *= factor
    return level


def decide(
    event: EventFacts, subscription: Subscription, prior: PriorAlerts | None
) -> Decision | None:
    """The alert this event calls for (before the query is asked), or None."""
    if not matches(event, subscription):
        return None
    groups = matched_groups(event, subscription)
    if prior is None:
        return Decision(AlertKind.NEW, 0, groups)
    if subscription.size_factor is None:
        return None
    reached = milestone(event.size, prior.base_size, subscription.size_factor)
    if reached <= prior.milestone:
        return None
    return Decision(AlertKind.UPDATE, reached, groups)
