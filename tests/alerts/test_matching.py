"""Which events a subscription hears of, and when again (alerts/decide.py, pure)."""

from __future__ import annotations

import pytest

from mediamon.alerts.decide import EventFacts, PriorAlerts, decide, milestone
from mediamon.alerts.subscriptions import parse_subscriptions
from mediamon.tagging.watchlist import load_watchlist
from mediamon.vocabulary import AlertKind
from support import NEWSROOM_WATCHLIST


@pytest.fixture(scope="module")
def watchlist():
    return load_watchlist(NEWSROOM_WATCHLIST)


def subscription(watchlist, **fields):
    raw = {"name": "s", "webhook": {"url_env": "W"}, **fields}
    (parsed,) = parse_subscriptions({"subscriptions": [raw]}, watchlist)
    return parsed


def event(size=1, languages=("en",), groups=("isis-k",)):
    return EventFacts(id=1, size=size, languages=tuple(languages), groups=tuple(groups))


def test_an_event_naming_an_affiliate_matches_only_with_affiliates(watchlist):
    isis_k = event(groups=("isis-k", "taliban"))
    with_affiliates = subscription(watchlist, groups=["isis"], affiliates=True)
    assert decide(isis_k, with_affiliates, None).matched_groups == ("isis-k",)
    assert decide(isis_k, subscription(watchlist, groups=["isis"]), None) is None


def test_an_event_naming_the_group_itself_matches_without_affiliates(watchlist):
    found = decide(event(groups=("isis-k",)), subscription(watchlist, groups=["isis-k"]), None)
    assert found is not None and found.kind is AlertKind.NEW and found.milestone == 0


def test_an_event_in_no_listed_language_does_not_match(watchlist):
    russian_only = subscription(watchlist, groups=["isis-k"], languages=["ru"])
    assert decide(event(languages=("en",)), russian_only, None) is None
    assert decide(event(languages=("en", "ru")), russian_only, None) is not None


def test_an_event_below_the_minimum_size_does_not_match_until_it_grows(watchlist):
    three = subscription(watchlist, groups=["isis-k"], min_size=3)
    assert decide(event(size=2), three, None) is None
    assert decide(event(size=3), three, None).kind is AlertKind.NEW


def test_an_event_alerted_once_is_not_alerted_again_without_updates(watchlist):
    plain = subscription(watchlist, groups=["isis-k"])
    assert decide(event(size=50), plain, PriorAlerts(2, 0, 2)) is None


def test_an_update_comes_each_time_the_event_doubles_when_asked(watchlist):
    doubling = subscription(watchlist, groups=["isis-k"], updates={"size_factor": 2})
    assert decide(event(size=3), doubling, PriorAlerts(2, 0, 2)) is None
    update = decide(event(size=4), doubling, PriorAlerts(2, 0, 2))
    assert (update.kind, update.milestone) == (AlertKind.UPDATE, 1)
    assert decide(event(size=7), doubling, PriorAlerts(2, 1, 4)) is None
    assert decide(event(size=8), doubling, PriorAlerts(2, 1, 4)).milestone == 2


def test_a_jump_past_several_milestones_is_one_update_at_the_highest(watchlist):
    assert milestone(size=17, base_size=2, factor=2) == 3
    assert milestone(size=3, base_size=2, factor=1.5) == 1
