"""A hostile web on 127.0.0.1: feeds and pages that misbehave in every way the suite tests.

Every response is bounded in bytes and time, and every request is recorded (path and
host), so a test can assert that something was *not* fetched. Several servers run at
once: mediamon treats host:port as the unit of politeness, deferral and robots.txt, so
each server stands for another site.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import socket
import struct
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ARTICLE = (
    "Rescue crews in the river valley reached {n} villages cut off by floods on Monday, officials "
    "said, as the water kept rising and more rain was forecast for the week. "
)
MAX_DRIP_S = 12.0
MAX_STREAM_BYTES = 200 * 1024 * 1024


def article_page(
    title: str, paragraphs: int = 8, charset_meta: str = "utf-8", extra_head: str = ""
) -> str:
    body = "".join(
        f"<p>{html.escape(ARTICLE.format(n=i) * 2)} Paragraph {i}.</p>" for i in range(paragraphs)
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="{charset_meta}"><title>{html.escape(title)}</title>'
        f'<meta property="article:published_time" content="2019-11-19T10:00:00+00:00">{extra_head}</head>'
        f"<body><header><nav>Home | World</nav></header><article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer>(c) Example News</footer></body></html>"
    )


def _gzip_bomb() -> bytes:
    """1 GiB of zeros, gzip-compressed (about 1 MiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    chunk = bytes(1024 * 1024)
    parts = [compressor.compress(chunk) for _ in range(1024)]
    parts.append(compressor.flush())
    return b"".join(parts)


_BOMB: bytes | None = None
_BOMB_LOCK = threading.Lock()


def gzip_bomb() -> bytes:
    global _BOMB
    with _BOMB_LOCK:
        if _BOMB is None:
            _BOMB = _gzip_bomb()
        return _BOMB


def rss(items: list[tuple[str, str, str | None]], title: str = "Hostile feed") -> bytes:
    """RSS 2.0 with (guid, link, pubDate) items."""
    entries = "".join(
        f"<item><title>Item {html.escape(guid)}</title><link>{html.escape(link)}</link>"
        f'<guid isPermaLink="false">{html.escape(guid)}</guid>'
        + (f"<pubDate>{date}</pubDate>" if date else "")
        + "</item>"
        for guid, link, date in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>http://example.invalid/</link>{entries}</channel></rss>"
    ).encode()


class HostileSite:
    """One hostile server (one "site") in a background thread."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.robots: tuple[int, str] | None = None  # (status, body) for /robots.txt
        self.routes: dict[str, object] = {}
        self.answered_at: dict[str, datetime] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_GET(self):  # noqa: N802
                site.requests.append(self.path)
                path = urlsplit(self.path).path
                if path == "/robots.txt":
                    status, body = site.robots or (404, "")
                    return site.send(self, status, body.encode(), "text/plain")
                route = site.routes.get(path)
                if route is None:
                    return site.send(self, 404, b"not found", "text/plain")
                return route(self, parse_qs(urlsplit(self.path).query))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> HostileSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fetched(self, path: str) -> bool:
        return any(urlsplit(p).path == path for p in self.requests)

    # -- responses --------------------------------------------------------------------------
    @staticmethod
    def send(
        handler, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    def page(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = lambda h, q: self.send(h, status, data, content_type, headers)
        return self.url(path)

    def feed(self, path: str, items: list[tuple[str, str, str | None]]) -> str:
        return self.page(path, rss(items), "application/rss+xml")

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        self.routes[path] = lambda h, q: self.send(
            h, status, b"", "text/plain", {"Location": location}
        )
        return self.url(path)

    def gzip_bomb(self, path: str, content_type: str) -> str:
        def respond(handler, _query):
            self.send(handler, 200, gzip_bomb(), content_type, {"Content-Encoding": "gzip"})

        self.routes[path] = respond
        return self.url(path)

    def endless(self, path: str) -> str:
        """Up to 200 MB without Content-Length (the body ends when the connection closes)."""

        def respond(handler, _query):
            handler.protocol_version = "HTTP/1.0"
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Connection", "close")
            handler.end_headers()
            chunk = b"<p>" + b"x" * 65_000 + b"</p>"
            sent = 0
            try:
                while sent < MAX_STREAM_BYTES:
                    handler.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the client hung up at its cap: that is the point
            handler.close_connection = True

        self.routes[path] = respond
        return self.url(path)

    def drip(self, path: str, every_s: float = 2.0) -> str:
        """Headers at once, then one byte every `every_s` seconds (for MAX_DRIP_S at most)."""

        def respond(handler, _query):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", "100000")
            handler.end_headers()
            deadline = time.monotonic() + MAX_DRIP_S
            try:
                while time.monotonic() < deadline:
                    handler.wfile.write(b"x")
                    handler.wfile.flush()
                    time.sleep(every_s)
            except OSError:
                pass
            handler.close_connection = True

        self.routes[path] = respond
        return self.url(path)

    def late(self, path: str, body: str, delay_s: float) -> str:
        """A page answered after `delay_s` seconds; `answered_at[path]` says when (UTC)."""

        def respond(handler, _query):
            time.sleep(delay_s)
            self.answered_at[path] = datetime.now(UTC)
            self.send(handler, 200, body.encode(), "text/html; charset=utf-8")

        self.routes[path] = respond
        return self.url(path)

    def reset_mid_body(self, path: str) -> str:
        def respond(handler, _query):
            handler.send_response(200)
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", "50000")
            handler.end_headers()
            handler.wfile.write(b"<html><body><p>partial")
            handler.wfile.flush()
            # SO_LINGER 0: close with a TCP reset instead of a clean FIN.
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.connection.close()
            handler.close_connection = True

        self.routes[path] = respond
        return self.url(path)


class BlackHole:
    """A listening socket whose accept queue is full: new connections hang in SYN_SENT."""

    def __init__(self) -> None:
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.fillers = []
        # Fill the backlog so the kernel drops further SYNs (never accepted).
        for _ in range(4):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(self.listener.getsockname())
            self.fillers.append(filler)
        time.sleep(0.2)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.listener.getsockname()[1]}"

    def url(self, path: str) -> str:
        return f"http://{self.address}{path}"

    def close(self) -> None:
        for filler in self.fillers:
            filler.close()
        self.listener.close()


def http_date(delta: timedelta) -> str:
    return format_datetime(datetime.now(UTC) + delta, usegmt=True)


def gzip_page(text: str) -> bytes:
    return gzip.compress(text.encode())
