"""Alerts under Airflow: the processing run ends by sending the alerts of the events it made
searchable, and mediamon_send_alerts (every five minutes) sends nothing twice."""

from __future__ import annotations

import pytest
from alerts.alerting import Receiver

from mediamon.feeds.poll import add_feeds
from mediamon.feeds.sources import read_feed_list
from mediamon.store.db import connect
from support import feeds_file

GROUP = "isis-k"


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def subscribed(clean_stack, newsroom, receiver, tmp_path, monkeypatch):
    """The newsroom's feeds, and one subscription to GROUP with its webhook on loopback."""
    monkeypatch.setenv("MEDIAMON_ALLOWED_ADDRESSES", f"{newsroom.address},{receiver.address}")
    add_feeds(clean_stack.database_url, read_feed_list(feeds_file(tmp_path, newsroom)))
    subscriptions = tmp_path / "alerts.yaml"
    subscriptions.write_text(
        "subscriptions:\n"
        f"  - name: desk\n    groups: [{GROUP}]\n    webhook: {{url_env: MEDIAMON_WEBHOOK_DESK}}\n"
    )
    monkeypatch.setenv("MEDIAMON_ALERTS_FILE", str(subscriptions))
    monkeypatch.setenv("MEDIAMON_WEBHOOK_DESK", receiver.url)
    return clean_stack


def _events_naming_the_group(settings) -> set[int]:
    with connect(settings.database_url) as conn:
        rows = conn.execute(
            "SELECT id FROM events WHERE merged_into IS NULL AND size > 0 AND %s = ANY(groups)",
            (GROUP,),
        ).fetchall()
    return {row["id"] for row in rows}


def test_a_processing_run_alerts_each_new_event_once(dagbag, subscribed, receiver):
    assert dagbag.dags["mediamon_poll_feeds"].test().state == "success"
    assert dagbag.dags["mediamon_process_articles"].test().state == "success"
    alerted = [r["json"]["mediamon"]["alerts"][0]["event_id"] for r in receiver.requests]
    expected = _events_naming_the_group(subscribed)
    assert expected and sorted(alerted) == sorted(expected)


def test_the_alerts_dag_sends_nothing_already_sent(dagbag, subscribed, receiver):
    dagbag.dags["mediamon_poll_feeds"].test()
    dagbag.dags["mediamon_process_articles"].test()
    sent = len(receiver.requests)
    assert dagbag.dags["mediamon_send_alerts"].test().state == "success"
    assert sent > 0 and len(receiver.requests) == sent


def test_the_alerts_dag_without_a_subscription_file_does_nothing(dagbag, clean_stack, monkeypatch):
    monkeypatch.delenv("MEDIAMON_ALERTS_FILE", raising=False)
    assert dagbag.dags["mediamon_send_alerts"].test().state == "success"
