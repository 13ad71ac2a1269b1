"""One alerts run: decide what is new, close deliveries, send those that are due.

1. **Decide** (one transaction under ALERTS_LOCK): the open events whose revision moved
   since the watermark, and those still waiting. An event is decided only once all its
   reports are indexed (alerts link to searchable documents); until then it waits. Each
   subscription's decision (decide.py, then its query in Elasticsearch) is recorded with
   what the alert will say, at most once per (subscription, event, milestone): deciding.py.
2. **Close**: an immediate subscription's decisions become one delivery each; a digest's
   become one delivery holding all of them, at most once every `every_minutes`.
3. **Send**: claim one due delivery (FOR UPDATE SKIP LOCKED, held while sending), send,
   record sent / retry at next_attempt_at with back-off / failed after MAX_ATTEMPTS or a
   permanent refusal. Each delivery is tried at most once per run; one failing target
   only costs its own timeout.

A crash after a receiver accepted a message and before `sent` committed sends it again on
the next run: the message carries the same delivery key (Idempotency-Key header, e-mail
Message-ID), so a receiver can drop the repeat. Everything else is exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from mediamon.alerts import deciding, message, webhook
from mediamon.alerts import email as email_delivery
from mediamon.alerts.subscriptions import Subscription, load_subscriptions
from mediamon.alerts.webhook import Outcome
from mediamon.fetch.guard import NetworkGuard
from mediamon.settings import Settings, secret
from mediamon.store import alerts as store
from mediamon.store.db import Connection, connect
from mediamon.tagging.watchlist import Watchlist, load_watchlist
from mediamon.vocabulary import AlertMode

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 60.0  # 1, 2, 4, ... minutes
BACKOFF_CAP_S = 3600.0


def backoff_seconds(attempts: int) -> float:
    """The wait after the `attempts`-th failed attempt."""
    return min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))


@dataclass
class AlertRunSummary:
    configured: bool = True  # False: no alerts file, nothing was done
    subscriptions: int = 0
    decided: int = 0  # alerts decided (recorded) in this run
    waiting: int = 0  # events held back: reports not yet indexed, or no answer to a query
    deliveries: int = 0  # deliveries created in this run
    sent: int = 0
    retrying: int = 0  # failed this time; tried again later
    failed: int = 0  # failed for good
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"decided {self.decided}, sent {self.sent}, retrying {self.retrying},"
            f" failed {self.failed} ({self.waiting} event(s) waiting for indexing)"
        )

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"} | {
            "errors": self.errors[:5]
        }


@dataclass(frozen=True)
class AlertConfig:
    settings: Settings
    subscriptions: tuple[Subscription, ...]
    watchlist: Watchlist


def load_config(settings: Settings) -> AlertConfig | None:
    """The subscriptions of settings.alerts_file checked against the watchlist; None when
    no alerts file is configured. SubscriptionError / WatchlistError when invalid."""
    if settings.alerts_file is None:
        return None
    watchlist = load_watchlist(settings.watchlist_path)
    return AlertConfig(settings, load_subscriptions(settings.alerts_file, watchlist), watchlist)


def send_alerts(config: AlertConfig | None, decide_only: bool = False) -> AlertRunSummary:
    """One run (see the module's docstring); what the CLI and the Airflow task call.
    Delivery failures are recorded, never raised; a database down raises."""
    summary = AlertRunSummary()
    if config is None:
        summary.configured = False
        return summary
    summary.subscriptions = len(config.subscriptions)
    database_url = config.settings.require_database()
    if config.settings.smtp_url:  # a malformed URL is a ConfigError now, not at each e-mail
        email_delivery.parse_smtp_url(config.settings.smtp_url)
    with connect(database_url) as conn:
        with conn.transaction():
            store.lock(conn)
            deciding.decide_events(conn, config, summary)
            _close(conn, config, summary)
            summary.waiting = store.waiting_count(conn)
        if not decide_only:
            _send_due(conn, config, summary)
    return summary


# --- 2. closing deliveries ---


def _close(conn: Connection, config: AlertConfig, summary: AlertRunSummary) -> None:
    for subscription in config.subscriptions:
        rows = store.undelivered(conn, subscription.name)
        if not rows:
            continue
        if subscription.mode is AlertMode.DIGEST:
            every = subscription.every_minutes or 60
            if not store.digest_due(conn, subscription.name, every):
                continue
            batches = [rows]
        else:
            batches = [[row] for row in rows]
        for batch in batches:
            alerts = [row["summary"] for row in batch]
            payload = {"mode": subscription.mode.value, "alerts": alerts}
            store.create_delivery(
                conn, subscription.name, subscription.channel, subscription.describe_target(),
                subscription.mode, payload, [row["id"] for row in batch],
            )  # fmt: skip
            summary.deliveries += 1


# --- 3. sending ---


def _send_due(conn: Connection, config: AlertConfig, summary: AlertRunSummary) -> None:
    settings = config.settings
    guard = NetworkGuard(settings.allow_private_networks, settings.allowed_addresses)
    by_name = {s.name: s for s in config.subscriptions}
    tried: list[int] = []
    while True:
        with conn.transaction():
            row = store.claim_due(conn, tried)
            if row is None:
                return
            tried.append(row["id"])
            delivery = message.Delivery(
                row["id"], row["created_at"], row["subscription"], row["payload"]
            )
            outcome = _deliver(delivery, by_name.get(row["subscription"]), settings, guard)
            _record(conn, row, outcome, summary)


def _deliver(
    delivery: message.Delivery,
    subscription: Subscription | None,
    settings: Settings,
    guard: NetworkGuard,
) -> Outcome:
    if subscription is None:
        return Outcome(
            False,
            f"subscription {delivery.subscription!r} is no longer in the alerts file",
            permanent=True,
        )
    if subscription.webhook is not None:
        url = _webhook_url(subscription, settings)
        if url is None:
            return Outcome(
                False,
                f"the webhook URL is not set: ${subscription.webhook.url_env} (environment)"
                " or its entry in the mediamon_webhooks connection",
            )
        return webhook.post(
            url, message.webhook_body(delivery), message.webhook_headers(delivery), guard
        )
    assert subscription.email is not None  # validated: exactly one target
    if not settings.smtp_url:
        return Outcome(
            False, "no SMTP server: set MEDIAMON_SMTP_URL or the mediamon_smtp connection"
        )
    server = email_delivery.parse_smtp_url(settings.smtp_url)
    sender = subscription.email.sender or settings.alerts_sender
    mail = message.email_message(delivery, sender, subscription.email.to)
    return email_delivery.send(server, mail)


def _webhook_url(subscription: Subscription, settings: Settings) -> str | None:
    target = subscription.webhook
    assert target is not None
    if target.url:
        return target.url
    assert target.url_env is not None
    return dict(settings.webhook_urls).get(target.url_env) or secret(target.url_env)


def _record(
    conn: Connection, row: dict[str, Any], outcome: Outcome, summary: AlertRunSummary
) -> None:
    delivery_id, name, attempts = row["id"], row["subscription"], row["attempts"] + 1
    if outcome.ok:
        store.mark_sent(conn, delivery_id)
        summary.sent += 1
        logger.info("alert delivery %d (%s) sent to %s", delivery_id, name, row["target"])
        return
    error = outcome.error or "failed"
    if outcome.permanent or attempts >= MAX_ATTEMPTS:
        store.mark_failed(conn, delivery_id, error)
        summary.failed += 1
        why = "refused for good" if outcome.permanent else f"after {attempts} attempts"
        line = f"alert delivery {delivery_id} ({name}) failed {why}: {error}"
    else:
        delay = backoff_seconds(attempts)
        store.mark_retry(conn, delivery_id, error, delay, outcome.retry_after)
        summary.retrying += 1
        line = (
            f"alert delivery {delivery_id} ({name}) attempt {attempts} failed, retried"
            f" in {delay:.0f} s or later: {error}"
        )
    logger.warning("%s", line)
    summary.errors.append(line)
