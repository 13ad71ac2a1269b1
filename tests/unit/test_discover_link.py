"""The "Kibana: indexed articles" link: only for a task that indexed documents, on exactly
the window it indexed them in."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import unquote

from mediamon.orchestration.kibana import discover_url, indexing_window

FROM = datetime(2024, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
TO = datetime(2024, 3, 1, 12, 0, 5, 700001, tzinfo=UTC)


def _result(indexed: int) -> dict:
    return {
        "indexed": indexed,
        "failed": 0,
        "unavailable": None,
        "indexed_from": FROM.isoformat(),
        "indexed_to": TO.isoformat(),
    }


def test_a_task_that_indexed_documents_gets_the_window_it_ran_in():
    assert indexing_window(_result(3)) == (FROM, TO)


def test_a_task_that_indexed_nothing_gets_no_link():
    assert indexing_window(_result(0)) is None


def test_a_task_without_a_recorded_window_or_result_gets_no_link():
    assert indexing_window({"indexed": 3}) is None
    assert indexing_window(None) is None


def test_the_query_covers_every_millisecond_of_the_window():
    url = unquote(discover_url("http://kibana:5601/", FROM, TO))
    # Elasticsearch keeps milliseconds: 12:00:05.700001 is stored as .700, and the window's
    # last document must be inside the query.
    assert 'indexed_at >= "2024-03-01T12:00:00.123Z"' in url
    assert 'indexed_at <= "2024-03-01T12:00:05.701Z"' in url
    assert url.startswith("http://kibana:5601/app/discover#/?")
    assert "dataViewId:'mediamon-articles'" in url
