"""Shared fixtures: the real local stack (PostgreSQL + Elasticsearch) and fixture newsrooms.

Services come from `mediamon stack up` (or MEDIAMON_DATABASE_URL / MEDIAMON_ELASTICSEARCH_URL).
A missing service fails the test with a clear message; nothing is skipped.
"""

from __future__ import annotations

import dataclasses

import psycopg
import pytest

from mediamon import settings as settings_module
from mediamon.demo.newsroom import build
from mediamon.demo.site import FixtureSite
from mediamon.search.elastic import client
from mediamon.stack.elasticsearch import root_info
from mediamon.store import db
from support import BUILDS, NEWSROOM_WATCHLIST, TEST_INDEX, build_params


@pytest.fixture(scope="session")
def stack_settings() -> settings_module.Settings:
    settings = settings_module.load()
    if not settings.database_url or not settings.elasticsearch_url:
        pytest.fail("the local stack is not running: run `mediamon stack up` (or `make test`)")
    try:
        psycopg.connect(settings.database_url, connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.fail(f"PostgreSQL at the configured URL does not answer: {exc}")
    if root_info(settings.elasticsearch_url) is None:
        pytest.fail(
            f"Elasticsearch does not answer at {settings.elasticsearch_url}: run `mediamon stack up`"
        )
    return dataclasses.replace(
        settings, index=TEST_INDEX, workers=2, watchlist_path=NEWSROOM_WATCHLIST
    )


@pytest.fixture
def clean_stack(stack_settings):
    """An empty mediamon schema and no test index: each test starts from nothing."""
    with psycopg.connect(stack_settings.database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    db.upgrade(stack_settings.database_url)
    es = client(stack_settings.elasticsearch_url)
    for index in es.indices.get(index=f"{TEST_INDEX}*", expand_wildcards="all"):
        es.indices.delete(index=index)
    es.options(ignore_status=404).indices.delete_index_template(name=TEST_INDEX)
    return stack_settings


@pytest.fixture(scope="session")
def newsroom_builds(tmp_path_factory):
    """Newsroom builds by name, each written once per test session."""
    built: dict[str, object] = {}

    def get(name: str):
        if name not in built:
            seed, hard, languages = build_params(name)
            out_dir = tmp_path_factory.mktemp(name)
            build(out_dir, seed, hard, languages)
            built[name] = out_dir
        return built[name]

    return get


@pytest.fixture
def newsroom(request, newsroom_builds):
    """A fixture newsroom served on a free loopback port (build name via indirect param)."""
    with FixtureSite(newsroom_builds(getattr(request, "param", BUILDS[0]))) as site:
        yield site
