"""Sending alerts: retries with back-off, exactly one delivery, concurrent senders, the
network guard, e-mail through a real SMTP server, secrets kept out of errors and logs."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import logging
import threading
from datetime import UTC, datetime, timedelta

from alerting import (
    KABUL,
    TANKER,
    TOKEN,
    Receiver,
    SmtpServer,
    alert_config,
    deliveries,
    store_reports,
    subscriptions_file,
)

from mediamon.alerts.send import MAX_ATTEMPTS, send_alerts
from mediamon.store.db import connect


def webhook_config(settings, tmp_path, url, name="desk", groups="[isis-k, houthis]"):
    text = f"subscriptions:\n  - {{name: {name}, groups: {groups}, webhook: {{url: '{url}'}}}}\n"
    return alert_config(settings, subscriptions_file(tmp_path, text))


def make_due(settings):
    """The back-off has passed (the clock is PostgreSQL's)."""
    with connect(settings.database_url) as conn:
        conn.execute("UPDATE alert_deliveries SET next_attempt_at = now() WHERE status = 'pending'")


def test_a_receiver_failing_twice_then_accepting_gets_exactly_one_delivery(clean_stack, tmp_path):
    with Receiver(fail_first=2, fail_status=503) as flaky:
        settings = dataclasses.replace(clean_stack, allowed_addresses=frozenset({flaky.address}))
        config = webhook_config(settings, tmp_path, flaky.url)
        store_reports(settings, [KABUL])
        before = datetime.now(UTC)
        first = send_alerts(config)
        (after_one,) = deliveries(settings)
        make_due(settings)
        send_alerts(config)
        (after_two,) = deliveries(settings)
        make_due(settings)
        third = send_alerts(config)
        fourth = send_alerts(config)
        (done,) = deliveries(settings)
    assert (first.retrying, third.sent, fourth.sent) == (1, 1, 0)
    assert (after_one["status"], after_one["attempts"]) == ("pending", 1)
    assert after_one["next_attempt_at"] >= before + timedelta(seconds=59)
    assert after_one["last_error"].startswith("HTTP 503 from 127.0.0.1")
    assert after_two["attempts"] == 2
    assert after_two["next_attempt_at"] - after_two["updated_at"] >= timedelta(seconds=119)
    assert (done["status"], done["attempts"]) == ("sent", 3) and done["sent_at"] is not None
    assert flaky.calls == 3 and len(flaky.requests) == 1


def test_the_same_delivery_key_is_sent_on_every_attempt(clean_stack, tmp_path):
    with Receiver(fail_first=1, fail_status=500) as flaky:
        settings = dataclasses.replace(clean_stack, allowed_addresses=frozenset({flaky.address}))
        config = webhook_config(settings, tmp_path, flaky.url)
        store_reports(settings, [KABUL])
        send_alerts(config)
        make_due(settings)
        send_alerts(config)
    (accepted,) = flaky.requests
    (delivery,) = deliveries(settings)
    assert accepted["headers"]["X-Mediamon-Delivery"] == str(delivery["id"])
    assert accepted["headers"]["Idempotency-Key"] == accepted["json"]["mediamon"]["delivery_key"]


def test_a_delivery_fails_for_good_after_the_last_attempt(clean_stack, tmp_path):
    with Receiver(fail_first=100) as down:
        settings = dataclasses.replace(clean_stack, allowed_addresses=frozenset({down.address}))
        config = webhook_config(settings, tmp_path, down.url)
        store_reports(settings, [KABUL])
        for _ in range(MAX_ATTEMPTS):
            summary = send_alerts(config)
            make_due(settings)
    (delivery,) = deliveries(settings)
    assert summary.failed == 1 and down.calls == MAX_ATTEMPTS
    assert (delivery["status"], delivery["attempts"]) == ("failed", MAX_ATTEMPTS)
    assert delivery["last_error"].startswith("HTTP 503")


def test_a_receiver_refusing_the_message_fails_it_at_once(clean_stack, tmp_path):
    with Receiver(fail_first=100, fail_status=400) as refusing:
        settings = dataclasses.replace(clean_stack, allowed_addresses=frozenset({refusing.address}))
        store_reports(settings, [KABUL])
        summary = send_alerts(webhook_config(settings, tmp_path, refusing.url))
    assert summary.failed == 1 and deliveries(settings)[0]["status"] == "failed"


def test_one_failing_target_does_not_hold_back_the_others(clean_stack, receiver, tmp_path):
    settings = dataclasses.replace(clean_stack, allowed_addresses=frozenset({receiver.address}))
    text = (
        "subscriptions:\n"
        "  - {name: broken, groups: [isis-k], webhook: {url: 'http://127.0.0.1:9/hook'}}\n"
        f"  - {{name: working, groups: [isis-k], webhook: {{url: '{receiver.url}'}}}}\n"
    )
    store_reports(settings, [KABUL])
    summary = send_alerts(alert_config(settings, subscriptions_file(tmp_path, text)))
    assert (summary.sent, summary.retrying) == (1, 1)
    assert [r["json"]["mediamon"]["subscription"] for r in receiver.requests] == ["working"]


def test_two_concurrent_senders_never_send_a_delivery_twice(clean_stack, tmp_path):
    with Receiver(delay_s=0.05) as slow:
        settings = dataclasses.replace(clean_stack, allowed_addresses=frozenset({slow.address}))
        text = "subscriptions:\n" + "".join(
            f"  - {{name: s{n}, groups: [isis-k, houthis], webhook: {{url: '{slow.url}'}}}}\n"
            for n in range(6)
        )
        config = alert_config(settings, subscriptions_file(tmp_path, text))
        store_reports(settings, [KABUL, TANKER])
        send_alerts(config, decide_only=True)
        summaries = []
        senders = [
            threading.Thread(target=lambda: summaries.append(send_alerts(config))) for _ in range(2)
        ]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
    ids = [r["headers"]["X-Mediamon-Delivery"] for r in slow.requests]
    assert len(ids) == len(set(ids)) == 12
    assert sorted(s.sent for s in summaries) != [0, 12]  # both took part
    assert {d["status"] for d in deliveries(settings)} == {"sent"}


def test_a_webhook_at_a_private_address_is_refused_without_allow_private(
    clean_stack, receiver, tmp_path
):
    store_reports(clean_stack, [KABUL])  # the guard allows no loopback address
    summary = send_alerts(webhook_config(clean_stack, tmp_path, receiver.url))
    (delivery,) = deliveries(clean_stack)
    assert summary.retrying == 1 and receiver.calls == 0
    assert delivery["last_error"].startswith("refused by the network guard: 127.0.0.1")
    allowed = dataclasses.replace(clean_stack, allow_private_networks=True)
    make_due(allowed)
    assert send_alerts(webhook_config(allowed, tmp_path, receiver.url)).sent == 1


def test_an_email_alert_reaches_the_smtp_server_with_its_subject_and_body(
    clean_stack, smtp, tmp_path
):
    settings = dataclasses.replace(clean_stack, smtp_url=smtp.url, alerts_sender="mm@example.org")
    text = "subscriptions:\n  - {name: desk, groups: [isis-k], email: {to: [desk@example.org]}}\n"
    store_reports(settings, [KABUL])
    summary = send_alerts(alert_config(settings, subscriptions_file(tmp_path, text)))
    (received,) = smtp.mailbox.messages
    mail = email.message_from_string(received["data"], policy=email.policy.default)
    (delivery,) = deliveries(settings)
    assert summary.sent == 1 and received["to"] == ["desk@example.org"]
    assert mail["Subject"] == f"[mediamon] desk: New event: {KABUL[0]}"
    assert mail["From"] == "mm@example.org"
    assert mail["Message-ID"].startswith("<mediamon-") and mail["Message-ID"].endswith(
        f"-{delivery['id']}@example.org>"
    )
    body = mail.get_content()
    assert "Groups: Islamic State Khorasan Province (isis-k)" in body
    assert "First report: 2026-11-03 08:00 UTC, o0.example (en): https://o0.example/0" in body


def test_secrets_stay_out_of_last_error_and_logs(clean_stack, tmp_path, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    password = "pa55-w0rd-very-secret"
    with Receiver(fail_first=1, fail_status=500) as echoing, SmtpServer(refuse_logins=True) as smtp:
        settings = dataclasses.replace(
            clean_stack,
            allowed_addresses=frozenset({echoing.address}),
            smtp_url=f"smtp://alerts:{password}@127.0.0.1:{smtp.port}",
        )
        monkeypatch.setenv("MEDIAMON_TEST_WEBHOOK", echoing.url)
        text = (
            "subscriptions:\n"
            "  - {name: hook, groups: [isis-k], webhook: {url_env: MEDIAMON_TEST_WEBHOOK}}\n"
            "  - {name: mail, groups: [isis-k], email: {to: [desk@example.org]}}\n"
        )
        store_reports(settings, [KABUL])
        summary = send_alerts(alert_config(settings, subscriptions_file(tmp_path, text)))
    errors = [d["last_error"] for d in deliveries(settings)]
    assert summary.retrying == 2 and all(errors)
    assert "refused the login" in " ".join(errors) and "HTTP 500" in " ".join(errors)
    for secret in (TOKEN, password):
        assert secret not in " ".join(errors) + caplog.text + repr(settings)
