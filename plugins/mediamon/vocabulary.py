"""Every status and error class mediamon records, in one place.

String enums: their values are what PostgreSQL, XCom, `feeds status` and the reports hold,
so a member compares equal to the text stored before the enum existed.
"""

from __future__ import annotations

from enum import StrEnum


class EntryStatus(StrEnum):
    """Where a feed entry's page stands (entries.status)."""

    PENDING = "pending"  # to fetch, or to retry at next_attempt_at
    DONE = "done"  # stored, or the same document as a stored article
    SKIPPED = "skipped"  # on purpose: robots.txt, not HTML, a consent or paywall
    FAILED = "failed"  # gave up: a hard fetch error, extraction failed, attempts used up


class ExtractionStatus(StrEnum):
    """What extraction made of a page (Extracted.status)."""

    STORED = "stored"  # an article worth storing
    WALL = "wall"  # a consent wall or paywall instead of the article
    EMPTY = "empty"  # no article text found


class ErrorClass(StrEnum):
    """Why a fetch failed: each class has its own back-off and its own line in `feeds status`."""

    DNS = "dns"
    TIMEOUT = "timeout"
    CONNECTION = "connection"
    BLOCKED = "blocked"
    TOO_LARGE = "too_large"
    REDIRECTS = "redirects"
    HTTP_4XX = "http_4xx"
    HTTP_5XX = "http_5xx"
    RATE_LIMITED = "rate_limited"
    UNSUPPORTED = "unsupported"
    INVALID_URL = "invalid_url"
    CANCELLED = "cancelled"  # the run is stopping: the request was not sent


class PollStatus(StrEnum):
    """A feed's last poll (feeds.last_status); a failed fetch records its ErrorClass."""

    NEW = "new"  # never polled
    OK = "ok"
    NOT_MODIFIED = "not_modified"  # 304 to our conditional GET
    UNCHANGED = "unchanged"  # 200 with the body we already had
    PARSE_ERROR = "parse_error"  # not a feed we read (see last_error)
    STORE_ERROR = "store_error"  # PostgreSQL refused to record the outcome


# Poll outcomes that are not failures.
POLL_SUCCESSES = frozenset({PollStatus.OK, PollStatus.NOT_MODIFIED, PollStatus.UNCHANGED})


class RobotsVerdict(StrEnum):
    """What a host's robots.txt says of a page."""

    ALLOWED = "allowed"
    DISALLOWED = "disallowed"  # skipped for good
    UNAVAILABLE = "unavailable"  # robots.txt could not be read: try the page later


class AlertStatus(StrEnum):
    """Where an alert delivery stands (alert_deliveries.status)."""

    PENDING = "pending"  # to send, or to retry at next_attempt_at
    SENT = "sent"  # the receiver accepted it
    FAILED = "failed"  # gave up: attempts used up, or the receiver refused it for good


class AlertKind(StrEnum):
    """Why a subscription is told about an event (alert_decisions.kind)."""

    NEW = "new"  # the event matches the subscription for the first time
    UPDATE = "update"  # it grew past the subscription's next size milestone


class AlertMode(StrEnum):
    """When a subscription's alerts go out."""

    IMMEDIATE = "immediate"  # one delivery per alert
    DIGEST = "digest"  # the alerts of a period in one delivery, at most every N minutes
