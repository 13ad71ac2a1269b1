"""When to poll a feed next: adaptive to its activity, backing off by failure class.

A poll that found n new items after an interval I says that the feed publishes about every
I / n: the next interval is that (at most half of I, and at most MAX_SPEEDUP times shorter
at once, since a feed's first poll counts its whole backlog as new). A quiet poll lengthens
the interval by half. Intervals stay within [the floor, MAX_INTERVAL_S]; the floor is
MEDIAMON_POLL_FLOOR_SECONDS (60 by default), so a feed with new items every few minutes
is polled every minute or two. Failures back off exponentially from a per-class base; a
server's Retry-After wins when it asks for more. Jitter spreads feeds that were added
together so they do not poll in lockstep.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from mediamon.settings import poll_floor_seconds

MAX_INTERVAL_S = 24 * 3600
DEFAULT_INTERVAL_S = 30 * 60
JITTER = 0.1
# A feed with new items is polled at most this many times sooner at once: its first poll
# sees its whole backlog as new (30 entries after 30 minutes look like one a minute), and
# the second poll, 30 / 8 minutes later, tells.
MAX_SPEEDUP = 8
QUIET_GROWTH = 1.5

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
    interval_s: int,
    new_items: int,
    now: datetime,
    rng: random.Random | None = None,
    floor_s: int | None = None,
) -> NextPoll:
    """The next poll after one that found `new_items` new items; `floor_s` defaults to
    MEDIAMON_POLL_FLOOR_SECONDS."""
    rng = rng or random.Random()
    floor = poll_floor_seconds() if floor_s is None else floor_s
    if new_items > 0:
        interval = interval_s / min(MAX_SPEEDUP, max(2, new_items))
    else:
        interval = interval_s * QUIET_GROWTH
    interval = int(min(MAX_INTERVAL_S, max(floor, interval)))
    # Jitter spreads feeds out, but never below the floor (the floor is a politeness bound).
    delay = max(floor, _jittered(interval, rng))
    return NextPoll(interval, now + timedelta(seconds=delay))


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
