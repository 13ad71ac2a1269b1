"""The one HTTP client for feeds, pages and robots.txt.

Every request is bounded: connect/read timeouts, a total wall-clock deadline, a cap on
the decompressed body (decoded here, chunk by chunk, so a gzip bomb stops at the cap),
a redirect limit, and the network guard on every connection. Failures come back as a
`FetchResult` with an error class, never as an exception.
"""

from __future__ import annotations

import email.utils
import threading
import time
import zlib
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from mediamon.fetch.guard import BlockedAddress, NetworkGuard
from mediamon.fetch.urls import MAX_URL_LENGTH
from mediamon.settings import FetchSettings
from mediamon.vocabulary import ErrorClass

REDIRECT_CODES = {301, 302, 303, 307, 308}
# Origins whose idle keep-alive connections are kept open (the least recently used beyond
# this are closed: a poll over 10,000 feeds must not hold 10,000 sockets).
KEPT_ORIGINS = 64
# We decode bodies ourselves to bound them, so we offer only what we can decode.
ACCEPT_ENCODING = "gzip, deflate"


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


class _GuardedBackend(httpcore.SyncBackend):
    """Opens sockets only to addresses the guard permits (checked per connection)."""

    def __init__(self, guard: NetworkGuard) -> None:
        self._guard = guard

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last_error: Exception | None = None
        for address in self._guard.resolve(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


class _OriginPools:
    """A small connection pool per origin (scheme, host, port), as many connections as the
    host may have requests in flight.

    Not one pool for all hosts: on every request and every response httpcore checks each of
    a pool's connections against all the others, which cost a third of a page fetch's CPU
    with the 16 connections of 8 hosts (and grows with the square of the pool). httpcore's
    pools directly, not through httpx's transport: its response wrapping (an exception-mapping
    context per body chunk, a second header model) cost a tenth of a page fetch's CPU
    (`python -m bench.fetching`).
    """

    def __init__(self, guard: NetworkGuard, per_origin: int, kept: int = KEPT_ORIGINS) -> None:
        self._guard = guard
        self._per_origin = per_origin
        self._kept = kept
        self._ssl_context = httpx.create_ssl_context()  # loading the CA bundle costs ~30 ms
        self._lock = threading.Lock()
        self._pools: OrderedDict[tuple[bytes, bytes, int | None], httpcore.ConnectionPool] = (
            OrderedDict()
        )
        self._in_use: Counter[tuple[bytes, bytes, int | None]] = Counter()

    def _new_pool(self) -> httpcore.ConnectionPool:
        return httpcore.ConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=self._per_origin,
            max_keepalive_connections=self._per_origin,
            keepalive_expiry=5.0,
            network_backend=_GuardedBackend(self._guard),
        )

    @contextmanager
    def lease(self, url: httpx.URL) -> Iterator[httpcore.ConnectionPool]:
        origin = (url.raw_scheme, url.raw_host, url.port)  # raw: no IDNA decoding
        with self._lock:
            pool = self._pools.pop(origin, None) or self._new_pool()
            self._pools[origin] = pool  # the most recently used last
            self._in_use[origin] += 1
        try:
            yield pool
        finally:
            with self._lock:
                self._in_use[origin] -= 1
                if not self._in_use[origin]:
                    del self._in_use[origin]
                surplus = len(self._pools) - self._kept
                idle = [o for o in self._pools if o not in self._in_use][: max(0, surplus)]
                closing = [self._pools.pop(o) for o in idle]
            for stale in closing:
                stale.close()

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            pool.close()


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


class _BodyTooLarge(Exception):
    pass


class _DeadlineExceeded(Exception):
    pass


def _decoder(content_encoding: str):
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return zlib.decompressobj()
    raise ValueError(f"unsupported content-encoding {encoding!r}")


def _read_bounded(
    chunks: Iterable[bytes], content_encoding: str, cap: int, deadline: float
) -> bytes:
    """Decode and collect the body, stopping at `cap` decoded bytes or at the deadline."""
    decoder = _decoder(content_encoding)
    out = bytearray()
    for raw in chunks:
        if time.monotonic() > deadline:
            raise _DeadlineExceeded
        if decoder is None:
            out += raw
        else:
            data = raw
            while data:
                # max_length bounds what one call may inflate: a bomb cannot balloon memory.
                out += decoder.decompress(data, cap + 1 - len(out))
                if len(out) > cap:
                    raise _BodyTooLarge
                data = decoder.unconsumed_tail
        if len(out) > cap:
            raise _BodyTooLarge
    if decoder is not None:
        out += decoder.flush()
    if len(out) > cap:
        raise _BodyTooLarge
    return bytes(out)


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
        self._pools = _OriginPools(guard, max(1, settings.per_host_concurrency), kept_origins)

    def cancel(self) -> None:
        """Send nothing more: requests waiting for their host's slot come back cancelled."""
        self.cancelled.set()

    def close(self) -> None:
        self._pools.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc_info) -> None:
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

    def _one_request(self, url, headers, accept_types, cap, deadline, result) -> str | None:
        """One hop; returns the next URL for a redirect, None when `result` is final."""
        result.final_url = url
        try:
            # httpx's URL: validated, the host IDNA-encoded, the path percent-encoded.
            target = httpx.URL(url)
            request = httpcore.Request(
                b"GET",
                httpcore.URL(
                    scheme=target.raw_scheme,
                    host=target.raw_host,
                    port=target.port,
                    target=target.raw_path,
                ),
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
            return _fail(result, ErrorClass.BLOCKED, str(exc))
        except httpcore.TimeoutException as exc:
            return _fail(result, ErrorClass.TIMEOUT, f"{type(exc).__name__} for {url[:200]}")
        except httpx.InvalidURL as exc:
            return _fail(result, ErrorClass.INVALID_URL, str(exc))
        except (httpcore.NetworkError, httpcore.ProtocolError, ConnectionError, OSError) as exc:
            klass = ErrorClass.DNS if "DNS lookup failed" in str(exc) else ErrorClass.CONNECTION
            return _fail(result, klass, f"{type(exc).__name__}: {str(exc)[:200]}")

    def _read_response(
        self, response: httpcore.Response, url, accept_types, cap, deadline, result
    ) -> str | None:
        try:
            result.status_code = response.status
            result.headers = _header_dict(response.headers)
            location = result.headers.get("location")
            if response.status in REDIRECT_CODES and location is not None:
                return urljoin(url, location)
            if response.status in (429, 503):
                result.retry_after = parse_retry_after(result.headers.get("retry-after"))
            if response.status >= 400 or response.status == 304:
                return _classify_status(result)
            if accept_types is not None and not result.content_type.startswith(accept_types):
                result.skipped_body = True
                return None
            declared = result.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                return _fail(result, ErrorClass.TOO_LARGE, f"Content-Length {declared} > {cap}")
            result.body = _read_bounded(
                response.stream, result.headers.get("content-encoding", ""), cap, deadline
            )
            return None
        except _BodyTooLarge:
            return _fail(result, ErrorClass.TOO_LARGE, f"body larger than {cap} bytes (decoded)")
        except _DeadlineExceeded:
            return _fail(
                result,
                ErrorClass.TIMEOUT,
                f"no complete body within {self.settings.total_deadline_s:.0f} s",
            )
        except ValueError as exc:
            return _fail(result, ErrorClass.UNSUPPORTED, str(exc))
        except zlib.error as exc:
            return _fail(result, ErrorClass.UNSUPPORTED, f"corrupt compressed body: {exc}")
        except httpcore.TimeoutException:
            return _fail(result, ErrorClass.TIMEOUT, f"read timed out for {url[:200]}")
        except (httpcore.NetworkError, httpcore.ProtocolError, OSError) as exc:
            return _fail(result, ErrorClass.CONNECTION, f"{type(exc).__name__} while reading body")
        finally:
            response.close()


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
    """Mark `result` failed; returns None, the "final answer" signal of _one_request."""
    result.error_class = error_class
    result.error = message
    result.body = b""
    return None


def _classify_status(result: FetchResult) -> None:
    code = result.status_code or 0
    if code == 304:
        return None
    if code == 429 or (code == 503 and result.retry_after is not None):
        return _fail(
            result, ErrorClass.RATE_LIMITED, f"HTTP {code}, retry after {result.retry_after}"
        )
    if code >= 500:
        return _fail(result, ErrorClass.HTTP_5XX, f"HTTP {code}")
    return _fail(result, ErrorClass.HTTP_4XX, f"HTTP {code}")
