"""The one HTTP client for feeds, pages and robots.txt.

Every request is bounded: connect/read timeouts, a total wall-clock deadline, a cap on
the decompressed body, a redirect limit, and the network guard on every connection.
Failures come back as a `FetchResult` with an error class, never as an exception.
"""

from __future__ import annotations

import email.utils
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import cast
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from mediamon.fetch.body import ACCEPT_ENCODING, BodyTooLarge, DeadlineExceeded, read_bounded
from mediamon.fetch.guard import BlockedAddress, NetworkGuard
from mediamon.fetch.pools import KEPT_ORIGINS, OriginPools, core_url
from mediamon.fetch.urls import MAX_URL_LENGTH
from mediamon.settings import FetchSettings
from mediamon.vocabulary import ErrorClass

REDIRECT_CODES = {301, 302, 303, 307, 308}


@dataclass
class FetchResult:
    url: str  # requested
    final_url: str
    status_code: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error_class: str | None = None
    error: str | None = None
    retry_after: datetime | None = None
    redirects: list[str] = field(default_factory=list)
    skipped_body: bool = False  # content type refused before reading the body

    @property
    def ok(self) -> bool:
        return self.error_class is None and self.status_code is not None and self.status_code < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def parse_retry_after(value: str | None, now: datetime | None = None) -> datetime | None:
    """Retry-After as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=min(int(value), 7 * 24 * 3600))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when, now)


class HostLimiter:
    """At most N requests in flight per host, and a minimum delay between their starts."""

    def __init__(self, per_host: int, min_delay_s: float) -> None:
        self._per_host = max(1, per_host)
        self._min_delay_s = min_delay_s
        self._lock = threading.Lock()
        self._semaphores: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    def acquire(self, host: str, cancelled: threading.Event) -> threading.Semaphore | None:
        """The host's slot, once free; None when `cancelled` is set while waiting for it."""
        with self._lock:
            semaphore = self._semaphores.setdefault(host, threading.Semaphore(self._per_host))
        while not semaphore.acquire(timeout=0.1):
            if cancelled.is_set():
                return None
        if self._min_delay_s > 0:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, now))
                self._next_start[host] = start + self._min_delay_s
            time.sleep(max(0.0, start - now))
        return semaphore


class Fetcher:
    """Bounded GETs with the network guard; thread-safe, shared by feed and page fetches."""

    def __init__(
        self, settings: FetchSettings, guard: NetworkGuard, kept_origins: int = KEPT_ORIGINS
    ) -> None:
        self.settings = settings
        self.guard = guard
        self.limiter = HostLimiter(settings.per_host_concurrency, settings.per_host_delay_s)
        # Set by cancel(): requests not yet sent are not sent (a stopping run).
        self.cancelled = threading.Event()
        timeout = httpx.Timeout(
            connect=settings.connect_timeout_s,
            read=settings.read_timeout_s,
            write=settings.read_timeout_s,
            pool=settings.total_deadline_s,
        )
        self._extensions = {"timeout": timeout.as_dict()}
        self._headers = {
            "Accept": "*/*",
            "Accept-Encoding": ACCEPT_ENCODING,
            "User-Agent": settings.user_agent,
        }
        self._encoded_headers = _encoded(self._headers)  # a page fetch adds none
        # Requests go straight to connection pools, not through an httpx.Client: its cookie
        # jar (which we do not want) and redirect machinery (redirects are followed by hand,
        # below) cost a fifth of a request's CPU.
        self._pools = OriginPools(guard, max(1, settings.per_host_concurrency), kept_origins)

    def cancel(self) -> None:
        """Send nothing more: requests waiting for their host's slot come back cancelled."""
        self.cancelled.set()

    def close(self) -> None:
        self._pools.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        accept_types: tuple[str, ...] | None = None,
        max_bytes: int | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects by hand (each hop guarded and counted).

        `accept_types`: content-type prefixes worth downloading; anything else is
        returned with `skipped_body=True` before its body is read.
        """
        result = FetchResult(url=url, final_url=url)
        deadline = time.monotonic() + self.settings.total_deadline_s
        cap = max_bytes or self.settings.max_body_bytes
        current = url
        seen = {url}
        for _hop in range(self.settings.max_redirects + 1):
            try:
                parts = urlsplit(current)
            except ValueError as exc:  # "http://[::1/", say
                _fail(result, ErrorClass.INVALID_URL, f"{exc}: {current[:200]}")
                return result
            scheme = parts.scheme.lower()
            if scheme not in ("http", "https"):
                _fail(result, ErrorClass.BLOCKED, f"refused {scheme or 'relative'}: URL")
                return result
            host = (parts.hostname or "").lower()
            semaphore = self.limiter.acquire(host, self.cancelled)
            if semaphore is None or self.cancelled.is_set():
                if semaphore is not None:
                    semaphore.release()
                _fail(result, ErrorClass.CANCELLED, "not sent: the run is stopping")
                return result
            try:
                outcome = self._one_request(current, headers, accept_types, cap, deadline, result)
            finally:
                semaphore.release()
            if outcome is None:
                return result
            if current != url:
                result.redirects.append(current)
            current = outcome
            if len(current) > MAX_URL_LENGTH:  # refused, never cut: a cut URL names another page
                _fail(
                    result,
                    ErrorClass.INVALID_URL,
                    f"redirect target is {len(current):,} characters, over the"
                    f" {MAX_URL_LENGTH:,} accepted: {current[:100]}...",
                )
                return result
            if current in seen:
                _fail(result, ErrorClass.REDIRECTS, f"redirect loop at {current[:200]}")
                return result
            seen.add(current)
        _fail(result, ErrorClass.REDIRECTS, f"more than {self.settings.max_redirects} redirects")
        return result

    def _one_request(
        self,
        url: str,
        headers: dict[str, str] | None,
        accept_types: tuple[str, ...] | None,
        cap: int,
        deadline: float,
        result: FetchResult,
    ) -> str | None:
        """One hop; returns the next URL for a redirect, None when `result` is final."""
        result.final_url = url
        try:
            # httpx's URL: validated, the host IDNA-encoded, the path percent-encoded.
            target = httpx.URL(url)
            request = httpcore.Request(
                b"GET",
                core_url(target),
                headers=[
                    (b"Host", target.netloc),  # httpx would add it
                    *(_encoded({**self._headers, **headers}) if headers else self._encoded_headers),
                ],
                extensions=self._extensions,
            )
            with self._pools.lease(target) as pool:
                response = pool.handle_request(request)
                return self._read_response(response, url, accept_types, cap, deadline, result)
        except BlockedAddress as exc:
            _fail(result, ErrorClass.BLOCKED, str(exc))
        except httpcore.TimeoutException as exc:
            _fail(result, ErrorClass.TIMEOUT, f"{type(exc).__name__} for {url[:200]}")
        except httpx.InvalidURL as exc:
            _fail(result, ErrorClass.INVALID_URL, str(exc))
        except (httpcore.NetworkError, httpcore.ProtocolError, ConnectionError, OSError) as exc:
            klass = ErrorClass.DNS if "DNS lookup failed" in str(exc) else ErrorClass.CONNECTION
            _fail(result, klass, f"{type(exc).__name__}: {str(exc)[:200]}")
        return None

    def _read_response(
        self,
        response: httpcore.Response,
        url: str,
        accept_types: tuple[str, ...] | None,
        cap: int,
        deadline: float,
        result: FetchResult,
    ) -> str | None:
        """The response into `result`; returns the next URL for a redirect, else None."""
        try:
            result.status_code = response.status
            result.headers = _header_dict(response.headers)
            location = result.headers.get("location")
            if response.status in REDIRECT_CODES and location is not None:
                return urljoin(url, location)
            if response.status in (429, 503):
                result.retry_after = parse_retry_after(result.headers.get("retry-after"))
            if response.status >= 400 or response.status == 304:
                _classify_status(result)
                return None
            if accept_types is not None and not result.content_type.startswith(accept_types):
                result.skipped_body = True
                return None
            declared = result.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                _fail(result, ErrorClass.TOO_LARGE, f"Content-Length {declared} > {cap}")
                return None
            # A sync pool's response streams are sync (httpcore types both kinds alike).
            chunks = cast("Iterable[bytes]", response.stream)
            result.body = read_bounded(
                chunks, result.headers.get("content-encoding", ""), cap, deadline
            )
        except BodyTooLarge:
            _fail(result, ErrorClass.TOO_LARGE, f"body larger than {cap} bytes (decoded)")
        except DeadlineExceeded:
            _fail(
                result,
                ErrorClass.TIMEOUT,
                f"no complete body within {self.settings.total_deadline_s:.0f} s",
            )
        except ValueError as exc:
            _fail(result, ErrorClass.UNSUPPORTED, str(exc))
        except zlib.error as exc:
            _fail(result, ErrorClass.UNSUPPORTED, f"corrupt compressed body: {exc}")
        except httpcore.TimeoutException:
            _fail(result, ErrorClass.TIMEOUT, f"read timed out for {url[:200]}")
        except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
            _fail(result, ErrorClass.CONNECTION, f"{type(exc).__name__} while reading body")
        finally:
            response.close()
        return None


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    """Request headers as httpcore takes them."""
    return [(name.encode("ascii"), value.encode()) for name, value in headers.items()]


def _header_dict(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """Response headers by lower-case name; a repeated header's values joined by commas."""
    headers: dict[str, str] = {}
    for name, value in raw:
        key, text = name.decode("latin-1").lower(), _header_text(value)
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers


def _header_text(value: bytes) -> str:
    # As httpx reads them: UTF-8 when it is (a Location with a non-ASCII path), else Latin-1.
    try:
        return value.decode()
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _fail(result: FetchResult, error_class: str, message: str) -> None:
    """Mark `result` failed (its body dropped)."""
    result.error_class = error_class
    result.error = message
    result.body = b""


def _classify_status(result: FetchResult) -> None:
    """Mark `result` failed by its HTTP status (a 304 is no failure)."""
    code = result.status_code or 0
    if code == 304:
        return
    if code == 429 or (code == 503 and result.retry_after is not None):
        _fail(result, ErrorClass.RATE_LIMITED, f"HTTP {code}, retry after {result.retry_after}")
    elif code >= 500:
        _fail(result, ErrorClass.HTTP_5XX, f"HTTP {code}")
    else:
        _fail(result, ErrorClass.HTTP_4XX, f"HTTP {code}")
