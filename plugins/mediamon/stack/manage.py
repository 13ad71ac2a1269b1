"""`mediamon stack up|down|status|env`: start, stop and describe the local stack.

A service whose URL is already configured (MEDIAMON_DATABASE_URL,
MEDIAMON_ELASTICSEARCH_URL) is used as it is and not started here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import psutil

from mediamon.settings import Settings, stack_state_file
from mediamon.stack import elasticsearch, postgres


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    url: str | None
    running: bool
    detail: str


def _write_state(
    settings: Settings, database_url: str | None, elasticsearch_url: str | None
) -> None:
    path = stack_state_file(settings.stack_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"database_url": database_url, "elasticsearch_url": elasticsearch_url}
    path.write_text(json.dumps(state, indent=2))
    path.chmod(0o600)  # holds the local database password


def _external(settings: Settings) -> tuple[bool, bool]:
    """Which services the environment points elsewhere (never started by us)."""
    state = {}
    path = stack_state_file(settings.stack_dir)
    if path.exists():
        state = json.loads(path.read_text())
    return (
        bool(settings.database_url) and settings.database_url != state.get("database_url"),
        bool(settings.elasticsearch_url)
        and settings.elasticsearch_url != state.get("elasticsearch_url"),
    )


def up(settings: Settings) -> Settings:
    """Start what is not configured elsewhere; return settings pointing at the running stack."""
    external_db, external_es = _external(settings)
    database_url = settings.database_url
    elasticsearch_url = settings.elasticsearch_url
    if not external_db:
        database_url = postgres.start(settings.stack_dir / "postgres").url()
    if not external_es:
        elasticsearch_url = elasticsearch.start(settings.stack_dir / "elasticsearch").url
    _write_state(settings, database_url, elasticsearch_url)
    return settings.with_services(database_url, elasticsearch_url)


def down(settings: Settings) -> list[str]:
    stopped = []
    if elasticsearch.stop(settings.stack_dir / "elasticsearch"):
        stopped.append("elasticsearch")
    if postgres.stop(settings.stack_dir / "postgres"):
        stopped.append("postgresql")
    return stopped


def status(settings: Settings) -> list[ServiceStatus]:
    services = []
    pg = postgres.load(settings.stack_dir / "postgres")
    external_db, external_es = _external(settings)
    if external_db:
        services.append(
            ServiceStatus("postgresql", _redact(settings.database_url), True, "external")
        )
    elif pg is None:
        services.append(ServiceStatus("postgresql", None, False, "not initialised"))
    else:
        running = postgres.is_running(pg)
        services.append(
            ServiceStatus("postgresql", _redact(pg.url()), running, f"data {pg.data_dir}")
        )
    if external_es:
        services.append(
            ServiceStatus("elasticsearch", settings.elasticsearch_url, True, "external")
        )
    else:
        instance, info, pid = elasticsearch.status(settings.stack_dir / "elasticsearch")
        if info:
            rss = psutil.Process(pid).memory_info().rss // (1024 * 1024) if pid else 0
            detail = f"version {info['version']['number']}, pid {pid}, RSS {rss} MiB"
        else:
            detail = "not running"
        services.append(ServiceStatus("elasticsearch", instance.url, bool(info), detail))
    return services


def env_lines(settings: Settings) -> list[str]:
    lines = []
    if settings.database_url:
        lines.append(f"export MEDIAMON_DATABASE_URL='{settings.database_url}'")
    if settings.elasticsearch_url:
        lines.append(f"export MEDIAMON_ELASTICSEARCH_URL='{settings.elasticsearch_url}'")
    lines.append(f"export MEDIAMON_INDEX='{settings.index}'")
    return lines


def _redact(url: str | None) -> str | None:
    """A database URL without its password, for display."""
    if not url or "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
