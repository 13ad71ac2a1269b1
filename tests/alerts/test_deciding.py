"""Deciding alerts against the real PostgreSQL and Elasticsearch: updates, digests, queries,
indexing, restarts."""

from __future__ import annotations

import pytest
from alerting import (
    KABUL,
    TANKER,
    alert_config,
    deliveries,
    event_ids,
    store_reports,
    subscriptions_file,
)

from mediamon.alerts.send import send_alerts
from mediamon.store import db
from mediamon.store.db import connect

MORE_KABUL = [
    (
        f"Kabul bank bombing: toll stands at 14, report {n}",
        "A suicide bomber killed 14 people and wounded 31 outside a bank in Kabul on"
        f" Tuesday, officials said (report {n}); ISIS-K claimed the bombing.",
        ["isis-k"],
    )
    for n in range(1, 4)
]
DRONE = (  # another incident, two days later
    "Gunmen free 40 inmates in Jalalabad prison raid",
    "Gunmen stormed the central prison in Jalalabad overnight and freed about 40 inmates,"
    " provincial police said on Thursday; ISIS-K said its fighters led the raid.",
    ["isis-k"],
)


def config_for(stack, tmp_path, receiver, **fields):
    extra = "".join(f"    {key}: {value}\n" for key, value in fields.items())
    text = (
        "subscriptions:\n  - name: desk\n    groups: [isis-k, houthis]\n"
        f"    webhook: {{url: '{receiver.url}'}}\n{extra}"
    )
    return alert_config(stack, subscriptions_file(tmp_path, text))


def test_a_later_report_of_an_alerted_event_sends_nothing_without_updates(
    stack, receiver, tmp_path
):
    config = config_for(stack, tmp_path, receiver)
    ids = store_reports(stack, [KABUL])
    send_alerts(config)
    ids += store_reports(stack, MORE_KABUL, start=1)
    later = send_alerts(config)
    assert len(set(event_ids(stack, ids))) == 1
    assert (later.decided, later.sent, len(receiver.requests)) == (0, 0, 1)


def test_an_event_that_doubles_sends_an_update_when_the_subscription_asks(
    stack, receiver, tmp_path
):
    config = config_for(stack, tmp_path, receiver, updates="{size_factor: 2}")
    ids = store_reports(stack, [KABUL])
    send_alerts(config)
    ids += store_reports(stack, MORE_KABUL[:1], start=1)  # 2 reports: doubled
    doubled = send_alerts(config)
    ids += store_reports(stack, MORE_KABUL[1:2], start=2)  # 3: not yet 4
    not_yet = send_alerts(config)
    assert len(set(event_ids(stack, ids))) == 1
    kinds = [r["json"]["mediamon"]["alerts"][0]["kind"] for r in receiver.requests]
    assert kinds == ["new", "update"] and (doubled.sent, not_yet.sent) == (1, 0)
    update = receiver.requests[1]["json"]["mediamon"]["alerts"][0]
    assert (update["size"], update["previous_size"]) == (2, 1)
    assert receiver.texts[1].splitlines()[1].startswith("Update, now 2 reports:")


def test_a_digest_groups_the_events_of_a_period_into_one_message(stack, receiver, tmp_path):
    config = config_for(stack, tmp_path, receiver, mode="digest", every_minutes=60)
    store_reports(stack, [KABUL, TANKER])
    first = send_alerts(config)
    store_reports(stack, [DRONE], start=300)
    held = send_alerts(config)  # within the hour: the third event waits for the next digest
    with connect(stack.database_url) as conn:  # the hour has passed
        conn.execute("UPDATE alert_deliveries SET created_at = now() - interval '61 minutes'")
    later = send_alerts(config)
    first_digest, second_digest = (r["json"] for r in receiver.requests)
    assert (first.sent, held.sent, later.sent) == (1, 0, 1)
    assert len(first_digest["mediamon"]["alerts"]) == 2
    assert first_digest["text"].startswith("mediamon digest for desk: 2 events")
    assert [a["title"] for a in second_digest["mediamon"]["alerts"]] == [DRONE[0]]


def test_an_event_waits_until_its_reports_are_indexed(stack, receiver, tmp_path):
    config = config_for(stack, tmp_path, receiver)
    ids = store_reports(stack, [KABUL])
    with connect(stack.database_url) as conn:
        conn.execute("INSERT INTO index_outbox (article_id) VALUES (%s)", (ids[0],))
    waiting = send_alerts(config)
    with connect(stack.database_url) as conn:
        conn.execute("DELETE FROM index_outbox")
    indexed = send_alerts(config)
    assert (waiting.decided, waiting.waiting) == (0, 1)
    assert (indexed.decided, indexed.sent, indexed.waiting) == (1, 1, 0)


def test_a_query_alerts_only_on_events_whose_documents_match_it(stack, receiver, tmp_path):
    config = config_for(stack, tmp_path, receiver, query="'tanker OR vessel'")
    store_reports(stack, [KABUL, TANKER])
    summary = send_alerts(config)
    (request,) = receiver.requests
    alert = request["json"]["mediamon"]["alerts"][0]
    assert summary.decided == 1 and alert["groups"][0]["id"] == "houthis"
    assert "tanker" in alert["query"]["snippet"]


def test_a_query_elasticsearch_refuses_holds_the_events_and_says_why(stack, receiver, tmp_path):
    config = config_for(stack, tmp_path, receiver, query="'tanker AND ('")
    store_reports(stack, [TANKER])
    summary = send_alerts(config)
    assert summary.decided == 0 and summary.waiting == 1
    assert "Elasticsearch refused its query" in summary.errors[0]


def test_a_restart_between_deciding_and_sending_loses_nothing_and_sends_nothing_twice(
    stack, receiver, tmp_path
):
    config = config_for(stack, tmp_path, receiver)
    store_reports(stack, [KABUL, TANKER])
    decided = send_alerts(config, decide_only=True)
    assert receiver.requests == [] and decided.decided == 2
    # A new process: nothing is kept in memory between runs.
    resumed = send_alerts(config_for(stack, tmp_path, receiver))
    again = send_alerts(config)
    assert (resumed.decided, resumed.sent, again.sent) == (0, 2, 0)
    assert sorted(d["status"] for d in deliveries(stack)) == ["sent", "sent"]
    assert len(receiver.requests) == 2


def test_events_from_before_alerts_existed_are_not_alerted(stack, receiver, tmp_path):
    store_reports(stack, [KABUL])
    with connect(stack.database_url) as conn:  # as on a database that had events before 0010
        conn.execute(
            "DROP TABLE alert_decisions, alert_deliveries, alert_waiting, alert_state;"
            " DELETE FROM schema_migrations WHERE version = 10"
        )
    db.upgrade(stack.database_url)
    history = send_alerts(config_for(stack, tmp_path, receiver))
    store_reports(stack, [TANKER], start=1)
    new = send_alerts(config_for(stack, tmp_path, receiver))
    assert (history.decided, new.decided, len(receiver.requests)) == (0, 1, 1)


@pytest.mark.parametrize("languages, alerted", [("[ru]", 0), ("[en]", 1)])
def test_a_subscription_hears_only_of_events_in_its_languages(
    stack, receiver, tmp_path, languages, alerted
):
    store_reports(stack, [KABUL])
    summary = send_alerts(config_for(stack, tmp_path, receiver, languages=languages))
    assert summary.sent == alerted


def test_an_event_merged_into_another_is_not_alerted_again_as_new(stack, receiver, tmp_path):
    config = config_for(stack, tmp_path, receiver)
    (kabul,) = event_ids(stack, store_reports(stack, [KABUL]))
    send_alerts(config)
    with connect(stack.database_url) as conn:  # another process's event absorbs it
        conn.execute(
            "INSERT INTO events (id, first_report_at, last_report_at, size, groups, languages)"
            " SELECT 999999, first_report_at, last_report_at, size, groups, languages"
            " FROM events WHERE id = %s",
            (kabul,),
        )
        conn.execute(
            "UPDATE events SET merged_into = 999999, revision = nextval('event_revisions')"
            " WHERE id = %s",
            (kabul,),
        )
        conn.execute("UPDATE articles SET event_id = 999999 WHERE event_id = %s", (kabul,))
    merged = send_alerts(config)
    assert merged.decided == 0 and len(receiver.requests) == 1
