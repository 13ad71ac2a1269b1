"""The Fetcher's connections: a network backend that opens only sockets the network guard
permits, and a small httpcore connection pool per origin."""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import httpcore
import httpx
from httpcore import SOCKET_OPTION, NetworkStream

from mediamon.fetch.guard import NetworkGuard

# Origins whose idle keep-alive connections are kept open (the least recently used beyond
# this are closed: a poll over 10,000 feeds must not hold 10,000 sockets).
KEPT_ORIGINS = 64

Origin = tuple[bytes, bytes, int | None]  # scheme, host, port


def core_url(target: httpx.URL) -> httpcore.URL:
    """httpx's parsed URL (validated, IDNA host, percent-encoded path) as httpcore takes it."""
    return httpcore.URL(
        scheme=target.raw_scheme, host=target.raw_host, port=target.port, target=target.raw_path
    )


class GuardedBackend(httpcore.SyncBackend):
    """Opens sockets only to addresses the guard permits (checked per connection)."""

    def __init__(self, guard: NetworkGuard) -> None:
        self._guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> NetworkStream:
        last_error: Exception | None = None
        for address in self._guard.resolve(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error


class OriginPools:
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
        self._pools: OrderedDict[Origin, httpcore.ConnectionPool] = OrderedDict()
        self._in_use: Counter[Origin] = Counter()

    def _new_pool(self) -> httpcore.ConnectionPool:
        return httpcore.ConnectionPool(
            ssl_context=self._ssl_context,
            max_connections=self._per_origin,
            max_keepalive_connections=self._per_origin,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(self._guard),
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
