"""When to poll a feed next: adaptive to its activity, backing off by failure class.

A feed that brought new items is polled sooner (interval halves), a quiet one later
(interval grows by half), bounded to [MIN_INTERVAL, MAX_INTERVAL]. Failures back off
exponentially from a per-class base; a server's Retry-After wins when it asks for more.
Jitter spreads feeds that were added together so they do not poll in lockstep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

MIN_INTERVAL_S = 10 * 60
MAX_INTERVAL_S = 24 * 3600
DEFAULT_INTERVAL_S = 30 * 60
JITTER = 0.1

# First back-off per failure class: permanent-looking failures wait longer.
FAILURE_BASE_S = {
    "dns": 3600,
    "timeout": 15 * 60,
    "connection": 15 * 60,
    "blocked": 24 * 3600,
    "too_large": 6 * 3600,
    "redirects": 6 * 3600,
    "http_4xx": 6 * 3600,
    "http_5xx": 30 * 60,
    "rate_limited": 30 * 60,
    "parse_error": 3600,
    "unsupported": 6 * 3600,
    "invalid_url": 24 * 3600,
}


@dataclass(frozen=True)
class NextPoll:
    interval_s: int
    next_poll_at: datetime


def _jittered(seconds: float, rng: random.Random) -> float:
    return seconds * (1 + rng.uniform(-JITTER, JITTER))


def after_success(
    interval_s: int, new_items: int, now: datetime, rng: random.Random | None = None
) -> NextPoll:
    rng = rng or random.Random()
    interval = interval_s / 2 if new_items > 0 else interval_s * 1.5
    interval = int(min(MAX_INTERVAL_S, max(MIN_INTERVAL_S, interval)))
    return NextPoll(interval, now + timedelta(seconds=_jittered(interval, rng)))


def after_failure(
    interval_s: int,
    error_class: str,
    consecutive_failures: int,
    now: datetime,
    retry_after: datetime | None = None,
    rng: random.Random | None = None,
) -> NextPoll:
    """`consecutive_failures` counts this failure too (1 on the first)."""
    rng = rng or random.Random()
    base = FAILURE_BASE_S.get(error_class, DEFAULT_INTERVAL_S)
    delay = min(MAX_INTERVAL_S, base * 2 ** max(0, consecutive_failures - 1))
    when = now + timedelta(seconds=_jittered(delay, rng))
    if retry_after is not None and retry_after > when:
        when = min(retry_after, now + timedelta(seconds=MAX_INTERVAL_S * 7))
    return NextPoll(interval_s, when)
