"""The throughput benchmark's web: the 121 benchmark pages, each with two syndicated
variants (a wire copy with dateline and credit line, and an excerpt), listed in three RSS
feeds, served on loopback. Built deterministically from the article-extraction benchmark
(its directory is given: see bench.common.aeb_dir).

Pages are spread over HOSTS sites (127.0.0.10, .11, ...): mediamon is polite per host
(two requests at a time), so one host for every page would measure politeness, not the
pipeline."""

from __future__ import annotations

import html
import re
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.common import aeb_pages, aeb_truth

START = datetime(2019, 11, 19, 6, 0, tzinfo=UTC)
HOSTS = 8


def _paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n+", body) if p.strip()]


def _page(title: str, paragraphs: list[str], published: datetime, outlet: str) -> bytes:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta property="article:published_time" content="{published.isoformat()}"></head><body>'
        f"<header><nav>{outlet} | World | Business | Sport</nav></header>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        "<aside><h3>Trending</h3><ul><li>Markets rally</li><li>Storm warning</li></ul></aside>"
        f"<footer>(c) {outlet}</footer></body></html>"
    ).encode()


def build(dataset: Path) -> dict[str, tuple[bytes, str]]:
    """path -> (body, content type) for every page and feed, from the benchmark in `dataset`."""
    truth, pages = aeb_truth(dataset), aeb_pages(dataset)
    site: dict[str, tuple[bytes, str]] = {}
    feeds: dict[str, list[tuple[str, datetime]]] = {"originals": [], "wire": [], "excerpts": []}
    for n, page_id in enumerate(sorted(pages)):
        published = START + timedelta(minutes=7 * n)
        paragraphs = _paragraphs(truth[page_id]["articleBody"]) or ["(empty)"]
        title = paragraphs[0][:90]
        site[f"/originals/{page_id}.html"] = (pages[page_id], "text/html; charset=utf-8")
        wire = [
            f"WASHINGTON (AP) \u2014 {paragraphs[0]}",
            *paragraphs[1:],
            "Copyright 2019 The Associated Press. All rights reserved.",
        ]
        site[f"/wire/{page_id}.html"] = (
            _page(title, wire, published + timedelta(hours=1), "Wire Daily"),
            "text/html; charset=utf-8",
        )
        excerpt = [*paragraphs[:3], "Read the full story at the original publisher."]
        site[f"/excerpts/{page_id}.html"] = (
            _page(f"Digest: {title}", excerpt, published + timedelta(hours=2), "Digest Times"),
            "text/html; charset=utf-8",
        )
        for feed in feeds:
            feeds[feed].append((f"/{feed}/{page_id}.html", published))
    for feed, items in feeds.items():
        site[f"/feeds/{feed}.xml"] = (_rss(feed, items), "application/rss+xml")
    return site


def _host_of(path: str) -> int:
    """Which site serves a path (stable: a checksum of the path)."""
    return sum(path.encode()) % HOSTS


def _rss(name: str, items: list[tuple[str, datetime]]) -> bytes:
    entries = "".join(
        f"<item><title>{html.escape(path)}</title><link>{{host{_host_of(path)}}}{path}</link>"
        f"<guid>{{host{_host_of(path)}}}{path}</guid>"
        f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate></item>"
        for path, when in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>'
        f"<link>{{host0}}/{name}/</link>{entries}</channel></rss>"
    ).encode()


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a client hanging up is not news
        pass


class CorpusServer:
    """Serves the corpus on HOSTS loopback sites (feeds get the real addresses filled in)."""

    def __init__(self, site: dict[str, tuple[bytes, str]]) -> None:
        server_ref = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # noqa: A002
                pass

            def do_GET(self):  # noqa: N802
                path = self.path.split("?")[0]
                body, content_type = server_ref.site.get(path, (b"not found", "text/plain"))
                self.send_response(200 if path in server_ref.site else 404)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.servers = []
        for host in range(HOSTS):
            server = _QuietServer((f"127.0.0.{10 + host}", 0), Handler)
            server.daemon_threads = True
            self.servers.append(server)
        self.bases = [f"http://{s.server_address[0]}:{s.server_address[1]}" for s in self.servers]
        self.site = {}
        for path, (body, kind) in site.items():
            if path.endswith(".xml"):
                for host, base in enumerate(self.bases):
                    body = body.replace(f"{{host{host}}}".encode(), base.encode())
            self.site[path] = (body, kind)

    @property
    def addresses(self) -> list[str]:
        return [base.removeprefix("http://") for base in self.bases]

    def page_urls(self) -> list[str]:
        """The article pages' URLs, each on the site that serves it."""
        return [
            f"{self.bases[_host_of(path)]}{path}"
            for path in sorted(self.site)
            if path.endswith(".html")
        ]

    def feed_urls(self) -> list[str]:
        return [
            f"{self.bases[0]}{path}" for path in sorted(self.site) if path.startswith("/feeds/")
        ]

    def __enter__(self) -> CorpusServer:
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
