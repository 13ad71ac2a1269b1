"""Serve a newsroom build on loopback, for the demo, the tests and the benchmarks.

Builds are written for BUILD_BASE_URL; the server rewrites that base URL in every body it
serves to the address it really listens on, so any free port works. Pages whose charset is
not UTF-8, or is declared only inside the page, get the Content-Type the build lists in
`_headers.json`. Conditional GET with ETags, as real outlets answer it.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

from mediamon.demo.builder import BUILD_BASE_URL
from mediamon.demo.newsroom import build

DEMO_SEED, DEMO_HARD = 7, 0.3


class _Handler(SimpleHTTPRequestHandler):
    base_url = BUILD_BASE_URL
    content_types: dict[str, str] = {}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the demo prints its own summary
        pass

    def send_head(self) -> io.BytesIO | BinaryIO | None:
        path = Path(self.translate_path(self.path))
        if not path.is_file():
            return super().send_head()
        body = path.read_bytes().replace(BUILD_BASE_URL.encode(), self.base_url.encode())
        etag = '"' + hashlib.sha1(body).hexdigest() + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return None
        self.send_response(200)
        self.send_header("ETag", etag)
        self.send_header("Content-Type", self._content_type(path, body))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)

    def _content_type(self, path: Path, body: bytes) -> str:
        listed = self.content_types.get(self.path.split("?", 1)[0])
        if listed:
            return listed
        if path.suffix == ".xml":
            kind = "application/rss+xml" if b"<rss" in body[:500] else "application/atom+xml"
            return kind + "; charset=utf-8"
        return self.guess_type(str(path)) + "; charset=utf-8"


class FixtureSite:
    """A newsroom build served on 127.0.0.1 in a background thread."""

    def __init__(self, build_dir: Path, port: int = 0) -> None:
        self.build_dir = build_dir
        headers_file = build_dir / "_headers.json"
        listed_types = json.loads(headers_file.read_text()) if headers_file.exists() else {}

        class Handler(_Handler):
            content_types = listed_types

        self._server = ThreadingHTTPServer(
            ("127.0.0.1", port), partial(Handler, directory=str(build_dir))
        )
        Handler.base_url = self.base_url
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def feed_urls(self) -> list[str]:
        lines = (self.build_dir / "feeds.txt").read_text().split()
        return [line.replace(BUILD_BASE_URL, self.base_url) for line in lines if line.strip()]

    def __enter__(self) -> FixtureSite:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def demo_build(root: Path, languages: frozenset[str]) -> Path:
    """The demo's build, written afresh below `root` (a build takes well under a second)."""
    name = "-".join(sorted(languages))
    out_dir = root / f"seed{DEMO_SEED}-hard{DEMO_HARD}-{name}"
    build(out_dir, DEMO_SEED, DEMO_HARD, languages)
    return out_dir
