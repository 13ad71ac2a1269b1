"""What the alerts tests share: a webhook receiver and an SMTP server on 127.0.0.1, a small
newsroom, reports stored straight into PostgreSQL and indexed, subscription files."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from psycopg.types.json import Jsonb

from mediamon import settings as settings_module
from mediamon.alerts.send import AlertConfig, load_config
from mediamon.demo.builder import NewsroomBuilder, build_path
from mediamon.demo.newsroom import write_site
from mediamon.events.encoder import encode
from mediamon.events.evidence import lead_text
from mediamon.pipeline.cycle import index_pending
from mediamon.store import event_window, events
from mediamon.store.db import connect
from mediamon.store.outbox import enqueue

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
TOKEN = "T0KEN-s3cr3t-XYZ-0123456789"  # in the webhook URL's path, as Slack's are


class Receiver:
    """A webhook receiver: records each POST; answers `fail_status` to the first
    `fail_first` of them (echoing the path it was called at, secret and all)."""

    def __init__(self, fail_first: int = 0, fail_status: int = 503, delay_s: float = 0) -> None:
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.delay_s = delay_s
        self.requests: list[dict[str, Any]] = []
        self.calls = 0
        lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                time.sleep(receiver.delay_s)
                with lock:
                    receiver.calls += 1
                    failing = receiver.calls <= receiver.fail_first
                    if not failing:
                        receiver.requests.append(
                            {"path": self.path, "headers": dict(self.headers),
                             "json": json.loads(body), "at": time.time()}
                        )  # fmt: skip
                status = receiver.fail_status if failing else 200
                answer = f"no: {self.path}".encode() if failing else b"ok"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/hooks/{TOKEN}"

    @property
    def texts(self) -> list[str]:
        return [r["json"]["text"] for r in self.requests]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class Mailbox:
    """aiosmtpd's handler: keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
             "data": envelope.content.decode("utf-8", "replace")}
        )  # fmt: skip
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _refuse_every_login(server, session, envelope, mechanism, auth_data) -> AuthResult:
    return AuthResult(success=False, handled=False)


class SmtpServer:
    """aiosmtpd on 127.0.0.1; with `refuse_logins`, it offers AUTH and refuses every login."""

    def __init__(self, refuse_logins: bool = False) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        auth = {"authenticator": _refuse_every_login, "auth_require_tls": False}
        self._controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, **(auth if refuse_logins else {})
        )

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._controller.stop()


def subscriptions_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "alerts.yaml"
    path.write_text(text)
    return path


def alert_config(settings: settings_module.Settings, path: Path, **changes: Any) -> AlertConfig:
    config = load_config(dataclasses.replace(settings, alerts_file=path, **changes))
    assert config is not None
    return config


# --- reports stored straight into PostgreSQL (events assigned as ingestion does) ---

KABUL = (
    "Suicide bomber kills 14 outside Kabul bank",
    "A suicide bomber killed 14 people and wounded 31 outside a bank in Kabul on Tuesday;"
    " Islamic State Khorasan Province (ISIS-K) said it carried out the attack.",
    ["isis-k"],
)
TANKER = (
    "Houthis hit tanker in Gulf of Aden",
    "A Houthi missile struck the tanker Coral Meridian 90 nautical miles off Aden, the"
    " Houthis said in a statement on Wednesday.",
    ["houthis"],
)
_ALIASES = {"isis-k": "ISIS-K", "houthis": "Houthi", "taliban": "Taliban"}


def store_reports(
    settings: settings_module.Settings,
    reports: list[tuple[str, str, list[str]]],
    language: str = "en",
    start: int = 0,
) -> list[int]:
    """Store the reports (title, text, groups) as articles of outlets o<start+n>, assign
    their events and index them; their ids."""
    ids = []
    with connect(settings.require_database()) as conn:
        with conn.transaction():
            for n, (title, text, groups) in enumerate(reports, start=start):
                mentions = []
                for group in groups:
                    alias = _ALIASES.get(group, group)
                    offset = text.find(alias)
                    mentions.append({"group": group, "text": alias, "field": "text",
                                     "offset": offset,
                                     "snippet": text[max(0, offset - 60): offset + 60]})  # fmt: skip
                row = conn.execute(
                    "INSERT INTO articles (canonical_url, url, source, title, text, groups,"
                    " groups_with_ancestors, mentions, published_at, language)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    (f"https://o{n}.example/{n}", f"https://o{n}.example/{n}", f"o{n}.example",
                     title, text, groups, groups, Jsonb(mentions),
                     T0 + timedelta(minutes=10 * n), language),
                ).fetchone()  # fmt: skip
                ids.append(row["id"])
            reports_ = [
                events.report_of(
                    i, None, encode(lead_text(title, text)).tobytes(), title, text, groups,
                    T0 + timedelta(minutes=10 * n), language,
                )
                for n, (i, (title, text, groups)) in enumerate(zip(ids, reports, strict=True),
                                                              start=start)
            ]  # fmt: skip
            enqueue(conn, sorted(set(events.assign(conn, reports_)) | set(ids)))
        event_window.committed(conn)
    report = index_pending(settings)
    assert report.unavailable is None and report.failed == 0, report
    return ids


def event_ids(settings: settings_module.Settings, article_ids: list[int]) -> list[int]:
    with connect(settings.require_database()) as conn:
        rows = conn.execute(
            "SELECT event_id FROM articles WHERE id = ANY(%s) ORDER BY id", (article_ids,)
        ).fetchall()
    return [row["event_id"] for row in rows]


def deliveries(settings: settings_module.Settings) -> list[dict[str, Any]]:
    with connect(settings.require_database()) as conn:
        return conn.execute("SELECT * FROM alert_deliveries ORDER BY id").fetchall()


# --- a small newsroom: three reports of one event (and a rewrite) with copies, and an
# event of another group ---

NEWSROOM_EVENTS = ("kabul-bank-bombing", "gulf-of-aden-tanker-strike")


def build_small_newsroom(out_dir: Path) -> dict[str, dict]:
    """The demo builder's pages and feeds for the articles of NEWSROOM_EVENTS only;
    returns the labels of its documents by URL."""
    builder = NewsroomBuilder(7, 0.3, frozenset({"en"}))
    builder.articles = [a for a in builder.articles if a.event in NEWSROOM_EVENTS]
    builder.by_id = {a.id: a for a in builder.articles}
    builder.originals()
    builder.copies()
    pages = builder.pages()
    feeds, feed_urls = builder.feeds()
    labels = builder.labels(7, frozenset({"en"}))
    write_site(out_dir, {**pages, **feeds}, feed_urls)
    return {build_path(url): info for url, info in labels["documents"].items()}
