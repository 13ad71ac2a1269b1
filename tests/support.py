"""Helpers shared by the tests: the fixture newsroom builds and how to point mediamon at them."""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from datetime import date, datetime
from pathlib import Path

from mediamon import settings as settings_module
from mediamon.demo.newsroom import ALL_LANGUAGES
from mediamon.demo.site import FixtureSite

# Engineers running suites side by side give each its own index (and database URL).
TEST_INDEX = os.environ.get("MEDIAMON_TEST_INDEX", "mediamon-test-articles")
# Newsroom builds of the articles written for mediamon: (seed, hardness), English pages; the
# world builds carry every language of the demo.
BUILDS = ["seed7-hard0.3", "seed11-hard0.6", "seed23-hard0.9", "seed42-hard1.0"]
WORLD_BUILDS = ["world-seed7-hard0.3", "world-seed42-hard1.0"]
NEWSROOM_WATCHLIST = settings_module.PROJECT_ROOT / "config" / "watchlist.yaml"


def build_params(name: str) -> tuple[int, float, frozenset[str]]:
    """`seed7-hard0.3`: (7, 0.3, English pages); `world-seed7-hard0.3`: every language."""
    languages = ALL_LANGUAGES if name.startswith("world-") else frozenset({"en"})
    seed, hard = name.removeprefix("world-").removeprefix("seed").split("-hard")
    return int(seed), float(hard), languages


def with_site(settings: settings_module.Settings, site: FixtureSite) -> settings_module.Settings:
    """Settings whose network guard lets exactly the fixture site through."""
    return dataclasses.replace(settings, allowed_addresses=frozenset({site.address}))


def feeds_file(tmp_path: Path, site: FixtureSite) -> Path:
    path = tmp_path / "feeds.txt"
    path.write_text("\n".join(site.feed_urls()))
    return path


def _labelled_documents(site: FixtureSite) -> dict[str, dict]:
    labels = json.loads((site.build_dir / "labels.json").read_text())
    return {info["doc"]: info for info in labels["documents"].values()}


def document_count(site: FixtureSite) -> int:
    """How many distinct documents the build's feeds list (each is stored once)."""
    return len(_labelled_documents(site))


def busiest_days(site: FixtureSite, count: int) -> list[date]:
    """The `count` publication days with the most documents, in calendar order."""
    days = Counter(
        datetime.fromisoformat(info["published"]).date()
        for info in _labelled_documents(site).values()
    )
    return sorted(day for day, _ in days.most_common(count))
