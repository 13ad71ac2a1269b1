"""What an alert says: its text, the webhook's JSON body and the e-mail (pure).

Slack, Mattermost and Microsoft Teams incoming webhooks all show a top-level `"text"`;
their Markdown dialects differ (Slack's `*bold*` and `<url|label>` are not Mattermost's),
so the text uses none of it: plain lines, bare URLs (each client links them). The same
facts, structured, go under `"mediamon"` for receivers that are programs.

Every message carries its delivery key (the `Idempotency-Key` header, the e-mail's
Message-ID): sent twice after a crash between sending and recording, it is the same key.
"""

from __future__ import annotations

import email.policy
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

MAX_SUBJECT = 160
_SHOWN_OUTLETS = 5


@dataclass(frozen=True)
class Delivery:
    """One delivery as the sender holds it: its id, when it was made, what it carries."""

    id: int
    created_at: datetime
    subscription: str
    payload: dict[str, Any]

    @property
    def key(self) -> str:
        """Stable for the delivery's life (the same on every retry), unique across databases
        in practice: its creation time and id."""
        return f"mediamon-{self.created_at:%Y%m%dT%H%M%S%f}-{self.id}"

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return list(self.payload.get("alerts") or [])


def _plain(text: str | None) -> str:
    """One line, without the angle brackets Slack reads as links or mentions."""
    return " ".join((text or "").split()).replace("<", "‹").replace(">", "›")


def _snippet(text: str) -> str:
    """A stored snippet is cut at a character count on both sides of the name: shown from
    the first whole word to the last, between ellipses."""
    words = _plain(text).split(" ")
    if len(words) > 8:
        words = ["…", *words[1:-1], "…"]
    return " ".join(words)


def _when(value: str | None) -> str:
    if not value:
        return "unknown time"
    return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M UTC")


def _outlets(outlets: list[str]) -> str:
    shown = ", ".join(outlets[:_SHOWN_OUTLETS])
    more = len(outlets) - _SHOWN_OUTLETS
    return f"{shown} and {more} more" if more > 0 else shown


def _group_names(alert: dict[str, Any]) -> str:
    return ", ".join(f"{g['name']} ({g['id']})" if g["name"] != g["id"] else g["id"]
                     for g in alert["groups"])  # fmt: skip


def headline(alert: dict[str, Any]) -> str:
    """`New event: <title>` or `Update, now N reports: <title>`."""
    title = _plain(alert.get("title")) or f"event {alert['event_id']}"
    if alert["kind"] == "update":
        return f"Update, now {alert['size']} reports: {title}"
    return f"New event: {title}"


def alert_text(alert: dict[str, Any]) -> str:
    """The lines about one event."""
    first = alert["first_report"]
    lines = [headline(alert), f"Groups: {_group_names(alert)}"]
    if alert["kind"] == "update":
        lines.append(
            f"Grew from {alert['previous_size']} to {alert['size']} reports since the last alert"
        )
    lines.append(
        f"First report: {_when(first.get('published_at'))}, {first['source']}"
        f" ({first.get('language') or 'und'}): {first['url']}"
    )
    lines.append(
        f"So far: {alert['size']} report{'s' if alert['size'] != 1 else ''},"
        f" {len(alert['outlets'])} outlet{'s' if len(alert['outlets']) != 1 else ''}"
        f" ({_outlets(alert['outlets'])}), languages {', '.join(alert['languages'])}"
    )
    for group in alert["groups"]:
        if group.get("snippet"):
            lines.append(f'{group["id"]}: "{_snippet(group["snippet"])}"')
    query = alert.get("query")
    if query:
        found = f': "{_plain(query["snippet"])}"' if query.get("snippet") else ""
        lines.append(f"Query {_plain(query['query'])!r} matched{found}")
    if alert.get("kibana_url"):
        lines.append(f"Kibana: {alert['kibana_url']}")
    return "\n".join(lines)


def text(delivery: Delivery) -> str:
    """The whole message: one alert, or a digest of several."""
    alerts = delivery.alerts
    if delivery.payload.get("mode") == "digest":
        head = (
            f"mediamon digest for {delivery.subscription}: {len(alerts)}"
            f" event{'s' if len(alerts) != 1 else ''}"
        )
        return "\n\n".join([head, *(alert_text(a) for a in alerts)])
    return f"mediamon alert for {delivery.subscription}\n" + alert_text(alerts[0])


def subject(delivery: Delivery) -> str:
    alerts = delivery.alerts
    if delivery.payload.get("mode") == "digest":
        about = f"digest of {len(alerts)} event{'s' if len(alerts) != 1 else ''}"
    else:
        about = headline(alerts[0])
    line = f"[mediamon] {delivery.subscription}: {about}"
    return line if len(line) <= MAX_SUBJECT else line[: MAX_SUBJECT - 1].rstrip() + "…"


def webhook_body(delivery: Delivery) -> dict[str, Any]:
    """The JSON body for Slack, Mattermost and Teams (`text`) and for programs (`mediamon`)."""
    return {
        "text": text(delivery),
        "mediamon": {
            "delivery_id": delivery.id,
            "delivery_key": delivery.key,
            "subscription": delivery.subscription,
            "mode": delivery.payload.get("mode"),
            "alerts": delivery.alerts,
        },
    }


def webhook_headers(delivery: Delivery) -> dict[str, str]:
    return {"Idempotency-Key": delivery.key, "X-Mediamon-Delivery": str(delivery.id)}


# Headers up to RFC 5322's 998 characters stay on one line: Python folds a long Subject right
# after "Subject:", which some readers show with a leading space.
_EMAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)


def email_message(delivery: Delivery, sender: str, to: tuple[str, ...]) -> EmailMessage:
    message = EmailMessage(policy=_EMAIL_POLICY)
    message["Subject"] = subject(delivery)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = format_datetime(delivery.created_at)
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "mediamon"
    message["Message-ID"] = f"<{delivery.key}@{domain}>"
    message["X-Mediamon-Delivery"] = str(delivery.id)
    message.set_content(text(delivery) + "\n")
    return message
