"""Helpers shared by the tests: the fixture newsroom builds and how to point mediamon at them."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mediamon import settings as settings_module
from mediamon.stack.fixture_site import NEWSROOM_DIR, FixtureSite

TEST_INDEX = "mediamon-test-articles"
BUILDS = ["seed7-hard0.3", "seed11-hard0.6", "seed23-hard0.9", "seed42-hard1.0"]
NEWSROOM_WATCHLIST = NEWSROOM_DIR / "watchlist.yaml"


def with_site(settings: settings_module.Settings, site: FixtureSite) -> settings_module.Settings:
    """Settings whose network guard lets exactly the fixture site through."""
    return dataclasses.replace(settings, allowed_addresses=frozenset({site.address}))


def feeds_file(tmp_path: Path, site: FixtureSite) -> Path:
    path = tmp_path / "feeds.txt"
    path.write_text("\n".join(site.feed_urls()))
    return path
