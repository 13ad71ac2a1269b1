"""Publication dates: parsing, plausibility, and the choice between sources."""

from __future__ import annotations

import email.utils
from datetime import UTC, date, datetime, time, timedelta

EARLIEST_PLAUSIBLE = datetime(1990, 1, 1, tzinfo=UTC)
# Clock skew between outlets and us: a date a few minutes ahead is still believable.
FUTURE_TOLERANCE = timedelta(hours=1)


def parse_datetime(value: str) -> datetime | None:
    """ISO 8601 (date or date-time) or RFC 2822; naive values are taken as UTC."""
    value = value.strip()
    if not value:
        return None
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            day = date.fromisoformat(value[:10])
            parsed = datetime(day.year, day.month, day.day)
        except ValueError:
            try:
                parsed = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def plausible(when: datetime, now: datetime | None = None) -> bool:
    """After 1990 and not in the future (aware datetimes only)."""
    now = now or datetime.now(UTC)
    return EARLIEST_PLAUSIBLE <= when <= now + FUTURE_TOLERANCE


def choose_published_at(
    page_value: str | None,
    feed_value: datetime | None,
    first_seen: datetime,
    now: datetime | None = None,
) -> tuple[datetime, str]:
    """The publication date and its provenance: page metadata, then feed entry, then first seen."""
    page_date = parse_datetime(page_value) if page_value else None
    feed_date = feed_value if feed_value is not None and plausible(feed_value, now) else None
    if page_date is not None and plausible(page_date, now):
        # A page that states only the day: the feed's time on that same day is more precise.
        day_only = page_date.timetz().replace(tzinfo=None) == time()
        if day_only and feed_date is not None and feed_date.date() == page_date.date():
            return feed_date, "feed"
        return page_date, "page"
    if feed_date is not None:
        return feed_date, "feed"
    return first_seen, "first_seen"
