"""Deliver an alert by e-mail through the SMTP server of MEDIAMON_SMTP_URL (or the
Airflow connection `mediamon_smtp`).

`smtp://user:password@host:587?starttls=true` (STARTTLS), `smtps://...:465` (TLS from the
start) or `smtp://host:25` (no login). The password is never part of a message: errors go
through `webhook.redact` with it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from mediamon.alerts.webhook import Outcome, redact
from mediamon.settings import ConfigError

TIMEOUT_S = 20.0


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool = False  # smtps: TLS from the first byte
    starttls: bool = False
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def describe(self) -> str:
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpServer:
    """An SmtpServer from `smtp[s]://[user[:password]@]host[:port][?starttls=true]`."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        # Not quoted: it may hold a password.
        raise ConfigError(
            "MEDIAMON_SMTP_URL must look like smtp://user:password@host:587?starttls=true"
            " or smtps://user:password@host:465"
        )
    tls = parts.scheme == "smtps"
    options = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    return SmtpServer(
        host=parts.hostname,
        port=port or (465 if tls else 25),
        tls=tls,
        starttls=options.get("starttls") in ("1", "true", "yes", "on"),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def send(server: SmtpServer, message: EmailMessage, timeout_s: float = TIMEOUT_S) -> Outcome:
    """Send `message`; never raises for the server or the network. A 5xx refusal of the
    message or its recipients is permanent; anything else may be tried again."""
    secrets = [server.password]
    try:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = (
            smtplib.SMTP_SSL(server.host, server.port, timeout=timeout_s, context=context)
            if server.tls
            else smtplib.SMTP(server.host, server.port, timeout=timeout_s)
        )
        with smtp:
            if server.starttls:
                smtp.starttls(context=context)
            if server.user:
                smtp.login(server.user, server.password or "")
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        permanent = all(code >= 500 for code in codes)
        refused = ", ".join(f"{to} ({code})" for to, (code, _) in exc.recipients.items())
        return Outcome(False, redact(f"{server.describe()} refused {refused}", secrets), permanent)
    except smtplib.SMTPAuthenticationError as exc:
        return Outcome(
            False,
            redact(
                f"{server.describe()} refused the login of {server.user!r}: {exc.smtp_code}"
                " (check the password in MEDIAMON_SMTP_URL or the mediamon_smtp connection)",
                secrets,
            ),
        )
    except smtplib.SMTPResponseException as exc:
        reason = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return Outcome(
            False,
            redact(f"{server.describe()} answered {exc.smtp_code} {reason}", secrets),
            permanent=exc.smtp_code >= 500 and isinstance(exc, smtplib.SMTPDataError),
        )
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(
            False, redact(f"{type(exc).__name__} from {server.describe()}: {exc}", secrets)
        )
    return Outcome(True)
