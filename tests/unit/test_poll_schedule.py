"""The adaptive poll schedule: busy feeds down to the floor in a few polls, the floor from
MEDIAMON_POLL_FLOOR_SECONDS, quiet feeds backing off."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from mediamon.feeds.schedule import DEFAULT_INTERVAL_S, MAX_INTERVAL_S, after_success
from mediamon.settings import ConfigError, load

START = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
TICK_S = 60  # the poll DAG's period


def _poll_intervals(publish_every_s: int, hours: float = 2, backlog: int = 30) -> list[float]:
    """Seconds between the polls of a feed that publishes every `publish_every_s`, polled
    on the poll DAG's minute ticks once it is due (a new feed with `backlog` entries)."""
    rng = random.Random(7)
    interval, now, intervals = DEFAULT_INTERVAL_S, 0.0, []
    published_until = 0.0
    while now < hours * 3600:
        new_items = backlog if not intervals else int(now // publish_every_s - published_until)
        published_until = now // publish_every_s
        following = after_success(interval, new_items, START + timedelta(seconds=now), rng)
        interval = following.interval_s
        due = (following.next_poll_at - START).total_seconds()
        next_tick = (due // TICK_S + (due % TICK_S > 0)) * TICK_S
        intervals.append(next_tick - now)
        now = next_tick
    return intervals


@pytest.mark.parametrize("publish_every_s", [30, 60, 120, 180])
def test_a_feed_with_new_items_every_few_minutes_is_polled_every_one_to_two_minutes(
    publish_every_s,
):
    intervals = _poll_intervals(publish_every_s)
    # Within a quarter of an hour of its first poll, and from then on.
    settled_from = next(i for i, _ in enumerate(intervals) if sum(intervals[:i]) >= 15 * 60)
    assert max(intervals[settled_from:]) <= 120


def test_a_first_poll_backlog_does_not_send_a_feed_to_the_floor_at_once():
    # 30 entries found on a first poll say nothing of how often the feed publishes.
    following = after_success(DEFAULT_INTERVAL_S, 30, START, random.Random(1))
    assert following.interval_s == DEFAULT_INTERVAL_S // 8


def test_a_quiet_feed_is_polled_less_and_less_often_up_to_a_day():
    interval = 60
    for _ in range(40):
        interval = after_success(interval, 0, START, random.Random(1), floor_s=60).interval_s
    assert interval == MAX_INTERVAL_S


def test_the_floor_comes_from_MEDIAMON_POLL_FLOOR_SECONDS(monkeypatch):
    monkeypatch.setenv("MEDIAMON_POLL_FLOOR_SECONDS", "90")
    assert after_success(120, 10, START, random.Random(1)).interval_s == 90


def test_the_floor_is_one_minute_by_default(monkeypatch):
    monkeypatch.delenv("MEDIAMON_POLL_FLOOR_SECONDS", raising=False)
    assert after_success(120, 10, START, random.Random(1)).interval_s == 60


def test_jitter_never_brings_a_poll_below_the_floor():
    for seed in range(200):
        following = after_success(60, 5, START, random.Random(seed), floor_s=60)
        assert following.next_poll_at - START >= timedelta(seconds=60)


def test_the_poll_dag_runs_every_minute_by_default():
    assert load({}).poll_every_minutes == 1
    assert load({}).poll_floor_s == 60


@pytest.mark.parametrize("name", ["MEDIAMON_POLL_FLOOR_SECONDS", "MEDIAMON_POLL_EVERY_MINUTES"])
def test_a_poll_period_below_one_is_one_clear_error(name):
    with pytest.raises(ConfigError, match=f"{name} must be at least 1, got 0"):
        load({name: "0"})
