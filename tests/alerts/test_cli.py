"""`mediamon alerts check | send | list` as a user runs them."""

from __future__ import annotations

import dataclasses
import subprocess

from alerting import KABUL, Receiver, store_reports, subscriptions_file

from mediamon.settings import PROJECT_ROOT

MEDIAMON = str(PROJECT_ROOT / ".venv" / "bin" / "mediamon")


def mediamon(settings, *args, alerts_file=None, database_url=None):
    env = {
        "PATH": "/usr/bin:/bin",
        "COLUMNS": "300",
        "MEDIAMON_DATABASE_URL": database_url or settings.database_url,
        "MEDIAMON_ELASTICSEARCH_URL": settings.elasticsearch_url,
        "MEDIAMON_INDEX": settings.index,
        "MEDIAMON_WATCHLIST": str(settings.watchlist_path),
        "MEDIAMON_ALLOWED_ADDRESSES": ",".join(settings.allowed_addresses),
        **({"MEDIAMON_ALERTS_FILE": str(alerts_file)} if alerts_file else {}),
    }
    return subprocess.run([MEDIAMON, "alerts", *args], capture_output=True, text=True, env=env)


def test_check_lists_the_subscriptions_of_a_valid_file(stack, receiver, tmp_path):
    path = subscriptions_file(
        tmp_path,
        "subscriptions:\n"
        "  - {name: desk, groups: [isis], affiliates: true, mode: digest, webhook: {url_env: W}}\n",
    )
    result = mediamon(stack, "check", alerts_file=path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("desk\tisis (+")
    assert "digest every 60 min\twebhook $W" in result.stdout


def test_check_names_every_problem_of_a_bad_file_and_exits_2(stack, tmp_path):
    path = subscriptions_file(
        tmp_path,
        "subscriptions:\n  - {name: desk, groups: [nobody], mode: often, webhook: {url_env: W}}\n",
    )
    result = mediamon(stack, "check", alerts_file=path)
    lines = result.stderr.splitlines()
    assert result.returncode == 2 and len(lines) == 2
    assert all(
        line.startswith(f"error: alerts file {path}: subscription 'desk': ") for line in lines
    )


def test_send_without_an_alerts_file_says_so_and_does_nothing(stack):
    result = mediamon(stack, "send")
    assert result.returncode == 0 and result.stdout.startswith("no alerts file configured")


def test_send_with_the_database_down_prints_one_error_line_and_exits_2(stack, tmp_path):
    path = subscriptions_file(
        tmp_path, "subscriptions:\n  - {name: desk, groups: [isis], webhook: {url_env: W}}\n"
    )
    result = mediamon(
        stack, "send", alerts_file=path, database_url="postgresql://u:p@127.0.0.1:9/none"
    )
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("error: cannot connect to PostgreSQL")


def test_send_prints_its_counts_and_list_shows_the_delivery(stack, receiver, tmp_path):
    path = subscriptions_file(
        tmp_path,
        f"subscriptions:\n  - {{name: desk, groups: [isis-k], webhook: {{url: '{receiver.url}'}}}}\n",
    )
    store_reports(stack, [KABUL])
    sent = mediamon(stack, "send", alerts_file=path)
    listed = mediamon(stack, "list", "--status", "sent")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("decided 1, sent 1, retrying 0, failed 0")
    (line,) = listed.stdout.splitlines()
    assert (
        line.startswith("1\tsent\t1\t")
        and "\tdesk\timmediate (1 event(s))\twebhook 127.0.0.1" in line
    )


def test_retry_sends_a_failed_delivery_again_with_a_fresh_set_of_attempts(clean_stack, tmp_path):
    with Receiver(fail_first=1, fail_status=400) as mended:  # refuses once, then accepts
        settings = dataclasses.replace(clean_stack, allowed_addresses=frozenset({mended.address}))
        path = subscriptions_file(
            tmp_path,
            f"subscriptions:\n  - {{name: desk, groups: [isis-k], webhook: {{url: '{mended.url}'}}}}\n",
        )
        store_reports(settings, [KABUL])
        first = mediamon(settings, "send", alerts_file=path)
        retried = mediamon(settings, "retry", "--failed")
        second = mediamon(settings, "send", alerts_file=path)
    assert first.stdout.startswith("decided 1, sent 0, retrying 0, failed 1")
    assert retried.returncode == 0 and retried.stdout == "1\trequeued\n"
    assert second.stdout.startswith("decided 0, sent 1, retrying 0, failed 0")
    assert mediamon(settings, "list").stdout.startswith("1\tsent\t1\t")
    assert len(mended.requests) == 1


def test_retry_leaves_a_delivery_that_has_not_failed_and_exits_2(stack, receiver, tmp_path):
    path = subscriptions_file(
        tmp_path,
        f"subscriptions:\n  - {{name: desk, groups: [isis-k], webhook: {{url: '{receiver.url}'}}}}\n",
    )
    store_reports(stack, [KABUL])
    mediamon(stack, "send", alerts_file=path)
    result = mediamon(stack, "retry", "1", "7")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: delivery 1: sent, not failed: left as it is",
        "error: delivery 7: no such delivery",
    ]
    assert len(receiver.requests) == 1


def test_retry_without_deliveries_or_failed_says_what_to_give_and_exits_2(stack):
    result = mediamon(stack, "retry")
    assert result.returncode == 2
    assert result.stderr.startswith("error: name the deliveries to retry")
