"""Deliver an alert to a webhook: one JSON POST through the fetcher's network guard.

The socket opens only where the guard permits (fetch/pools.GuardedBackend), so a webhook
at a loopback, private or link-local address is refused unless the setting the fetcher
honours (MEDIAMON_ALLOW_PRIVATE_NETWORKS, MEDIAMON_ALLOWED_ADDRESSES) allows it. No
redirect is followed: a webhook that moves is an error to fix, not a POST to repeat.

The URL is often the secret (Slack's carry their token in the path): no message says more
of it than its host, and every error text goes through `redact`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import httpcore
import httpx

from mediamon.fetch.client import parse_retry_after
from mediamon.fetch.guard import BlockedAddress, NetworkGuard
from mediamon.fetch.pools import GuardedBackend, core_url
from mediamon.settings import DEFAULT_USER_AGENT

TIMEOUT_S = 10.0
_MAX_ANSWER = 4096  # bytes of the receiver's answer kept, for the error
_MAX_ERROR = 300
# Statuses that say "try again later", not "this request is wrong".
_RETRY_STATUSES = {408, 425, 429}


@dataclass(frozen=True)
class Outcome:
    """A delivery attempt: accepted, or why not and whether trying again can help."""

    ok: bool
    error: str | None = None
    permanent: bool = False  # the receiver refused this message for good (a 4xx)
    retry_after: datetime | None = None


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret (and any URL path that holds one) replaced."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "[secret]")
    return " ".join(text.split())[:_MAX_ERROR]


def url_secrets(url: str) -> list[str]:
    """The parts of a webhook URL that may be a secret: the whole, its path and query,
    each path segment longer than a few characters, any password."""
    parts = urlsplit(url)
    pieces = [url, parts.path, parts.query, parts.password or "", parts.username or ""]
    pieces += [segment for segment in parts.path.split("/") if len(segment) >= 8]
    return [p for p in pieces if p and p != "/"]


def post(url: str, body: dict, headers: dict[str, str], guard: NetworkGuard,
         timeout_s: float = TIMEOUT_S) -> Outcome:  # fmt: skip
    """POST `body` as JSON to `url`; never raises for the network or the receiver."""
    secrets = url_secrets(url)
    host = urlsplit(url).hostname or "?"
    data = json.dumps(body, ensure_ascii=False).encode()
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL:
        return Outcome(False, "the webhook URL is not a valid URL", permanent=True)
    timeout = httpx.Timeout(timeout_s).as_dict()
    pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        max_connections=1,
        network_backend=GuardedBackend(guard),
    )
    try:
        with pool:
            response = pool.request(
                "POST",
                core_url(target),
                headers=[
                    (b"Host", target.netloc),
                    (b"Content-Type", b"application/json; charset=utf-8"),
                    (b"User-Agent", DEFAULT_USER_AGENT.encode()),
                    *((k.encode(), v.encode()) for k, v in headers.items()),
                ],
                content=data,
                extensions={"timeout": timeout},
            )
    except BlockedAddress as exc:
        allowed = "set MEDIAMON_ALLOWED_ADDRESSES or MEDIAMON_ALLOW_PRIVATE_NETWORKS to allow it"
        return Outcome(False, redact(f"refused by the network guard: {exc}; {allowed}", secrets))
    except httpcore.TimeoutException:
        return Outcome(False, f"no answer from {host} within {timeout_s:.0f} s")
    except (httpcore.NetworkError, httpcore.ProtocolError, ConnectionError, OSError) as exc:
        return Outcome(False, redact(f"{type(exc).__name__} from {host}: {exc}", secrets))
    if 200 <= response.status < 300:
        return Outcome(True)
    answer = response.content[:_MAX_ANSWER].decode("utf-8", "replace")
    headers_in = {k.decode().lower(): v.decode("latin-1") for k, v in response.headers}
    error = redact(f"HTTP {response.status} from {host}: {answer}".rstrip(": "), secrets)
    if 300 <= response.status < 400:
        return Outcome(False, redact(f"HTTP {response.status} from {host}: webhooks are not"
                                     " redirected; correct the URL", secrets))  # fmt: skip
    permanent = 400 <= response.status < 500 and response.status not in _RETRY_STATUSES
    return Outcome(
        False,
        error,
        permanent=permanent,
        retry_after=parse_retry_after(headers_in.get("retry-after")),
    )
