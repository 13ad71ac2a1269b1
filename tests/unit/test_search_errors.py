"""Elasticsearch problems read as one line: what failed, where, and what to do."""

from __future__ import annotations

import socket
import subprocess

import pytest

from mediamon.search.elastic import SearchUnavailable, client
from mediamon.search.index_setup import ensure_index
from mediamon.search.indexer import bulk_index
from mediamon.settings import PROJECT_ROOT, ConfigError

_SOURCE = {"source": "example.org"}


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(
    "url", ["localhost:9200", "http://localhost", "ftp://127.0.0.1:9200", "http://127.0.0.1:port"]
)
def test_a_malformed_url_is_a_configuration_error_naming_it(url):
    with pytest.raises(ConfigError, match="malformed Elasticsearch URL") as raised:
        client(url)
    assert url in str(raised.value) and "MEDIAMON_ELASTICSEARCH_URL" in str(raised.value)


def test_a_malformed_url_is_shown_without_its_password():
    with pytest.raises(ConfigError) as raised:
        client("elastic:s3cret@localhost:9200")
    assert "s3cret" not in str(raised.value)


def test_an_unreachable_node_is_one_line_saying_where_and_what_to_do(closed_port):
    with pytest.raises(SearchUnavailable) as raised:
        ensure_index(client(f"http://127.0.0.1:{closed_port}"), "articles")
    assert str(raised.value) == (
        f"Elasticsearch at http://127.0.0.1:{closed_port} does not answer the set-up of"
        " index alias 'articles' (Connection refused); start it (`mediamon stack up`)"
        " or correct MEDIAMON_ELASTICSEARCH_URL"
    )


def test_an_unreachable_node_during_a_bulk_request_is_an_outage_not_an_exception(closed_port):
    row = {"id": 1, "url": "https://example.org/a", "canonical_url": "https://example.org/a"}
    outcome = bulk_index(client(f"http://127.0.0.1:{closed_port}"), "articles", [row | _SOURCE])
    assert (outcome.done, outcome.retry, outcome.rejected) == ([], [], [])
    assert outcome.outage is not None and "(Connection refused)" in outcome.outage


def test_the_node_url_in_messages_carries_no_credentials(closed_port):
    with pytest.raises(SearchUnavailable) as raised:
        ensure_index(client(f"http://elastic:s3cret@127.0.0.1:{closed_port}"), "articles")
    assert "s3cret" not in str(raised.value)
    assert f"http://127.0.0.1:{closed_port}" in str(raised.value)


def test_the_cli_reports_a_malformed_url_in_one_error_line_and_exits_2():
    result = subprocess.run(
        [str(PROJECT_ROOT / ".venv" / "bin" / "mediamon"), "index", "setup", "--no-kibana"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "MEDIAMON_ELASTICSEARCH_URL": "localhost:9200"},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: malformed Elasticsearch URL 'localhost:9200': it must start with http:// or"
        " https:// (e.g. http://127.0.0.1:9200); correct MEDIAMON_ELASTICSEARCH_URL"
    ]
