"""A small newsroom ingested for real (three reports and a rewrite of the Kabul bombing, with
copies; three reports of a tanker strike): one alert per event per subscription."""

from __future__ import annotations

import dataclasses
from urllib.parse import unquote

import pytest
from alerting import alert_config, build_small_newsroom, subscriptions_file

from mediamon.alerts.send import send_alerts
from mediamon.demo.site import FixtureSite
from mediamon.pipeline.cycle import run_cycle
from support import feeds_file, with_site


@pytest.fixture(scope="module")
def small_newsroom(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("small-newsroom")
    labels = build_small_newsroom(out_dir)
    return out_dir, labels


def subscriptions(tmp_path, receiver):
    return subscriptions_file(
        tmp_path,
        f"""
subscriptions:
  - {{name: isis-k-desk, groups: [isis-k], webhook: {{url: '{receiver.url}'}}}}
  - {{name: isis-family, groups: [isis], affiliates: true, webhook: {{url: '{receiver.url}'}}}}
  - {{name: houthis-desk, groups: [houthis], webhook: {{url: '{receiver.url}'}}}}
  - {{name: hamas-desk, groups: [hamas], webhook: {{url: '{receiver.url}'}}}}
""",
    )


def test_three_reports_of_one_event_and_their_copies_send_one_alert_per_subscription(
    stack, receiver, small_newsroom, tmp_path
):
    build_dir, labels = small_newsroom
    kabul_pages = [i for i in labels.values() if i["event"] == "kabul-bank-bombing"]
    assert len({i["doc"] for i in kabul_pages}) >= 5  # reports, a rewrite and copies
    with FixtureSite(build_dir) as site:
        settings = dataclasses.replace(
            with_site(stack, site), allowed_addresses=frozenset({site.address, receiver.address})
        )
        run_cycle(settings, feeds_file(tmp_path, site), poll_all=True)
        config = alert_config(settings, subscriptions(tmp_path, receiver))
        first = send_alerts(config)
        again = send_alerts(config)
        run_cycle(settings, None, poll_all=True)  # the same reports, polled again
        third = send_alerts(config)
    by_subscription = sorted(
        (r["json"]["mediamon"]["subscription"], r["json"]["mediamon"]["alerts"][0]["title"])
        for r in receiver.requests
    )
    assert [name for name, _ in by_subscription] == ["houthis-desk", "isis-family", "isis-k-desk"]
    assert (first.decided, first.sent, again.decided, again.sent) == (3, 3, 0, 0)
    assert (third.decided, third.sent) == (0, 0)
    kabul = next(r["json"]["mediamon"]["alerts"][0] for r in receiver.requests
                 if r["json"]["mediamon"]["subscription"] == "isis-k-desk")  # fmt: skip
    assert kabul["size"] >= 5 and "Kabul" in kabul["title"]
    assert kabul["groups"][0]["id"] == "isis-k" and "ISIS-K" in kabul["groups"][0]["snippet"]
    assert kabul["first_report"]["url"].startswith(site.base_url)
    assert f"query:'event_id : {kabul['event_id']}'" in unquote(kabul["kibana_url"])
