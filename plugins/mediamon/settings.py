"""The one place that reads mediamon's configuration from the environment.

Every other module receives a `Settings` value (or calls `load()`); nothing else
touches `os.environ`. When a service URL is not set, the address of the local
stack started by `mediamon stack up` is used, so the README's commands work
without exporting anything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

DEFAULT_INDEX = "mediamon-articles"
DEFAULT_USER_AGENT = (
    "mediamon/0.1 (+https://github.com/mediamon/mediamon; media-monitoring crawler)"
)


class ConfigError(ValueError):
    """A configuration value is missing or malformed (reported as one line, exit 2)."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}")
    return value


def poll_floor_seconds(env: Mapping[str, str] | None = None) -> int:
    """The shortest interval between two polls of one feed (MEDIAMON_POLL_FLOOR_SECONDS).

    Read on its own too: the feed scheduler asks for it without loading every setting.
    """
    return _positive(os.environ if env is None else env, "MEDIAMON_POLL_FLOOR_SECONDS", 60)


@dataclass(frozen=True)
class DedupSettings:
    """Near-duplicate thresholds; defaults chosen from the newsroom measurements (see README)."""

    num_perm: int = 128
    bands: int = 64  # 64 bands of 2 rows: candidates down to Jaccard ~0.15 (excerpts)
    shingle_size: int = 5
    resemblance: float = 0.45
    containment: float = 0.80
    min_shingles: int = 8


@dataclass(frozen=True)
class FetchSettings:
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 15.0
    total_deadline_s: float = 30.0
    max_body_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    per_host_concurrency: int = 2
    per_host_delay_s: float = 0.0
    user_agent: str = DEFAULT_USER_AGENT


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    elasticsearch_url: str | None
    index: str = DEFAULT_INDEX
    allow_private_networks: bool = False
    # Exact host:port pairs exempt from the private-network guard (tests serve on loopback).
    allowed_addresses: frozenset[str] = frozenset()
    watchlist_path: Path = PROJECT_ROOT / "config" / "watchlist.yaml"
    feeds_file: Path = PROJECT_ROOT / "config" / "feeds.yaml"
    stack_dir: Path = PROJECT_ROOT / ".mediamon" / "stack"
    # Compiled watchlists (a 50,000-alias tagger loads in 0.1 s from here, not 1.5 s).
    cache_dir: Path = PROJECT_ROOT / ".mediamon" / "cache"
    extract_timeout_s: float = 20.0
    workers: int = max(1, os.cpu_count() or 1)
    kibana_url: str = "http://127.0.0.1:5601"
    # Kibana credentials when Elasticsearch security is on (user, password).
    kibana_auth: tuple[str, str] | None = None
    # How often the poll DAG wakes up, and the shortest interval a busy feed is polled at.
    poll_every_minutes: int = 1
    poll_floor_s: int = 60
    # Alerts (mediamon/alerts): the subscription file (None: none configured), the SMTP
    # server as smtp[s]://user:password@host:port[?starttls=true], the sender address, and
    # webhook URLs by name from an Airflow connection (orchestration/connections.py), which
    # win over the environment variable a subscription's `url_env` names. Secrets: no repr.
    alerts_file: Path | None = None
    smtp_url: str | None = field(default=None, repr=False)
    alerts_sender: str = "mediamon@localhost"
    webhook_urls: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)

    def require_database(self) -> str:
        if not self.database_url:
            raise ConfigError(
                "no PostgreSQL configured: set MEDIAMON_DATABASE_URL or run `mediamon stack up`"
            )
        return self.database_url

    def require_elasticsearch(self) -> str:
        if not self.elasticsearch_url:
            raise ConfigError(
                "no Elasticsearch configured: set MEDIAMON_ELASTICSEARCH_URL or run `mediamon stack up`"
            )
        return self.elasticsearch_url

    def with_services(self, database_url: str | None, elasticsearch_url: str | None) -> Settings:
        return replace(self, database_url=database_url, elasticsearch_url=elasticsearch_url)


DEFAULT_ALERTS_FILE = PROJECT_ROOT / "config" / "alerts.yaml"


def alerts_file(env: Mapping[str, str]) -> Path | None:
    """MEDIAMON_ALERTS_FILE, else config/alerts.yaml when it exists, else None (no alerts)."""
    configured = env.get("MEDIAMON_ALERTS_FILE")
    if configured:
        return Path(configured)
    return DEFAULT_ALERTS_FILE if DEFAULT_ALERTS_FILE.exists() else None


def secret(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """The value of the environment variable `name` (a webhook URL a subscription names with
    `url_env`); None when unset or empty. Callers never log what this returns."""
    value = (os.environ if env is None else env).get(name)
    return value or None


def stack_state_file(stack_dir: Path) -> Path:
    return stack_dir / "stack.json"


def _stack_urls(stack_dir: Path) -> dict[str, str]:
    path = stack_state_file(stack_dir)
    if not path.exists():
        return {}
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def load(env: dict[str, str] | None = None) -> Settings:
    """Read settings from `env` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    stack_dir = Path(env.get("MEDIAMON_STACK_DIR") or Settings(None, None).stack_dir)
    stack = _stack_urls(stack_dir)
    allowed = frozenset(
        part.strip()
        for part in env.get("MEDIAMON_ALLOWED_ADDRESSES", "").split(",")
        if part.strip()
    )
    # Defaults are written once, on the dataclasses above; `load` only reads overrides.
    f, d, base = FetchSettings(), DedupSettings(), Settings(None, None)
    fetch = FetchSettings(
        connect_timeout_s=_float(env, "MEDIAMON_CONNECT_TIMEOUT", f.connect_timeout_s),
        read_timeout_s=_float(env, "MEDIAMON_READ_TIMEOUT", f.read_timeout_s),
        total_deadline_s=_float(env, "MEDIAMON_FETCH_DEADLINE", f.total_deadline_s),
        max_body_bytes=_int(env, "MEDIAMON_MAX_BODY_BYTES", f.max_body_bytes),
        max_redirects=_int(env, "MEDIAMON_MAX_REDIRECTS", f.max_redirects),
        per_host_concurrency=_int(env, "MEDIAMON_PER_HOST_CONCURRENCY", f.per_host_concurrency),
        per_host_delay_s=_float(env, "MEDIAMON_PER_HOST_DELAY", f.per_host_delay_s),
        user_agent=env.get("MEDIAMON_USER_AGENT") or f.user_agent,
    )
    dedup = DedupSettings(
        resemblance=_float(env, "MEDIAMON_DEDUP_RESEMBLANCE", d.resemblance),
        containment=_float(env, "MEDIAMON_DEDUP_CONTAINMENT", d.containment),
    )
    return Settings(
        database_url=env.get("MEDIAMON_DATABASE_URL") or stack.get("database_url"),
        elasticsearch_url=env.get("MEDIAMON_ELASTICSEARCH_URL") or stack.get("elasticsearch_url"),
        index=env.get("MEDIAMON_INDEX") or base.index,
        allow_private_networks=_flag(env.get("MEDIAMON_ALLOW_PRIVATE_NETWORKS")),
        allowed_addresses=allowed,
        watchlist_path=Path(env.get("MEDIAMON_WATCHLIST") or base.watchlist_path),
        feeds_file=Path(env.get("MEDIAMON_FEEDS_FILE") or base.feeds_file),
        stack_dir=stack_dir,
        cache_dir=Path(env.get("MEDIAMON_CACHE_DIR") or base.cache_dir),
        extract_timeout_s=_float(env, "MEDIAMON_EXTRACT_TIMEOUT", base.extract_timeout_s),
        workers=_int(env, "MEDIAMON_WORKERS", base.workers),
        kibana_url=env.get("MEDIAMON_KIBANA_URL") or base.kibana_url,
        kibana_auth=(env.get("MEDIAMON_KIBANA_USER") or "elastic", env["MEDIAMON_KIBANA_PASSWORD"])
        if env.get("MEDIAMON_KIBANA_PASSWORD")
        else None,
        poll_every_minutes=_positive(env, "MEDIAMON_POLL_EVERY_MINUTES", base.poll_every_minutes),
        poll_floor_s=poll_floor_seconds(env),
        alerts_file=alerts_file(env),
        smtp_url=env.get("MEDIAMON_SMTP_URL") or None,
        alerts_sender=env.get("MEDIAMON_ALERTS_FROM") or base.alerts_sender,
        fetch=fetch,
        dedup=dedup,
    )
