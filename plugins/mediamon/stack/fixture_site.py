"""Serve a fixture newsroom (demo/newsroom/...) on loopback, for the demo and the tests.

The builds were made for http://127.0.0.1:8765; the server rewrites that base URL in
every body it serves to the address it really listens on, so any free port works.
"""

from __future__ import annotations

import hashlib
import io
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from mediamon.settings import PROJECT_ROOT

BUILD_BASE_URL = "http://127.0.0.1:8765"
NEWSROOM_DIR = PROJECT_ROOT / "demo" / "newsroom"
DEFAULT_BUILD = "seed7-hard0.3"


class _Handler(SimpleHTTPRequestHandler):
    base_url = BUILD_BASE_URL

    def log_message(self, format, *args):  # noqa: A002 - quiet: the demo prints its own summary
        pass

    def send_head(self):
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
        if path.suffix == ".xml":
            content_type = (
                "application/rss+xml" if b"<rss" in body[:500] else "application/atom+xml"
            )
        else:
            content_type = self.guess_type(str(path))
        if "text" in content_type or "xml" in content_type:
            content_type += "; charset=utf-8"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


class FixtureSite:
    """A newsroom build served on 127.0.0.1 in a background thread."""

    def __init__(self, build_dir: Path, port: int = 0) -> None:
        self.build_dir = build_dir
        handler = type("Handler", (_Handler,), {})
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", port), partial(handler, directory=str(build_dir))
        )
        handler.base_url = self.base_url
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

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
