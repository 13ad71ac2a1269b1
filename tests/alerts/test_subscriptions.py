"""The subscription file: validated field by field, each problem one line naming its
subscription; groups checked against the watchlist; bounded YAML."""

from __future__ import annotations

import pytest
from alerting import subscriptions_file

from mediamon.alerts.subscriptions import SubscriptionError, load_subscriptions
from mediamon.settings import PROJECT_ROOT
from mediamon.tagging.watchlist import load_watchlist
from mediamon.vocabulary import AlertMode
from support import NEWSROOM_WATCHLIST


@pytest.fixture(scope="module")
def watchlist():
    return load_watchlist(NEWSROOM_WATCHLIST)


def problems(tmp_path, watchlist, text: str) -> list[str]:
    with pytest.raises(SubscriptionError) as refused:
        load_subscriptions(subscriptions_file(tmp_path, text), watchlist)
    return refused.value.problems


GOOD = """
subscriptions:
  - name: isis-all
    groups: [isis]
    affiliates: true
    languages: [en, ru]
    query: 'bank OR embassy'
    min_size: 2
    mode: digest
    every_minutes: 30
    updates: {size_factor: 2}
    webhook: {url_env: MEDIAMON_WEBHOOK_DESK}
  - name: houthis-mail
    groups: houthis
    email: {to: [desk@example.org]}
"""


def test_a_valid_file_gives_its_subscriptions_with_their_settings(tmp_path, watchlist):
    first, second = load_subscriptions(subscriptions_file(tmp_path, GOOD), watchlist)
    assert (first.name, first.mode, first.every_minutes, first.size_factor) == (
        "isis-all", AlertMode.DIGEST, 30, 2.0,
    )  # fmt: skip
    assert first.languages == {"en", "ru"} and first.min_size == 2
    assert first.webhook is not None and first.webhook.url_env == "MEDIAMON_WEBHOOK_DESK"
    assert (second.groups, second.mode, second.email.to) == (
        ("houthis",), AlertMode.IMMEDIATE, ("desk@example.org",),
    )  # fmt: skip


def test_affiliates_are_the_groups_whose_parent_chain_leads_to_the_group(tmp_path, watchlist):
    with_them, without = load_subscriptions(
        subscriptions_file(
            tmp_path,
            "subscriptions:\n"
            "  - {name: a, groups: [isis], affiliates: true, webhook: {url_env: W}}\n"
            "  - {name: b, groups: [isis], webhook: {url_env: W}}\n",
        ),
        watchlist,
    )
    assert {"isis", "isis-k", "isis-west-africa", "isis-sahel"} <= with_them.tracked
    assert "al-qaeda" not in with_them.tracked
    assert without.tracked == {"isis"}


def test_an_unknown_group_is_refused_naming_the_subscription(tmp_path, watchlist):
    found = problems(
        tmp_path, watchlist,
        "subscriptions:\n  - {name: desk, groups: [isis, isis-q], webhook: {url_env: W}}\n",
    )  # fmt: skip
    assert len(found) == 1
    assert "subscription 'desk'" in found[0] and "'isis-q'" in found[0]
    assert "not in the watchlist" in found[0]


def test_a_bad_mode_is_refused_naming_the_subscription(tmp_path, watchlist):
    found = problems(
        tmp_path, watchlist,
        "subscriptions:\n  - {name: desk, groups: [isis], mode: hourly, webhook: {url_env: W}}\n",
    )  # fmt: skip
    assert found == [
        f"alerts file {tmp_path / 'alerts.yaml'}: subscription 'desk': mode must be"
        " `immediate` or `digest`, got 'hourly'"
    ]


def test_every_bad_field_gets_its_own_line(tmp_path, watchlist):
    found = problems(
        tmp_path, watchlist,
        "subscriptions:\n"
        "  - name: desk\n    groups: [nobody]\n    min_size: 0\n    languages: [english]\n"
        "    updates: {size_factor: 1}\n    min-size: 3\n"
        "  - name: desk\n    groups: [isis]\n    webhook: {url: 'ftp://x'}\n    email: {to: [x]}\n",
    )  # fmt: skip
    text = "\n".join(found)
    for expected in ("'nobody'", "min_size", "'english'", "size_factor", "'min-size'",
                     "the name is used twice", "webhook url", "not an e-mail address",
                     "exactly one delivery"):  # fmt: skip
        assert expected in text, (expected, found)
    assert all("subscription 'desk'" in line for line in found)


def test_a_webhook_url_is_never_quoted_in_an_error(tmp_path, watchlist):
    found = problems(
        tmp_path, watchlist,
        "subscriptions:\n  - {name: d, groups: [isis], webhook: {url: 'hooks.example/T0KEN'}}\n",
    )  # fmt: skip
    assert found and "T0KEN" not in "\n".join(found)


def test_nested_anchors_are_refused_before_they_expand(tmp_path, watchlist):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    found = problems(tmp_path, watchlist, "\n".join(lines) + "\nsubscriptions: []\n")
    assert len(found) == 1 and "nested anchors: refused" in found[0]


def test_a_file_that_is_not_a_subscription_list_is_refused(tmp_path, watchlist):
    assert problems(tmp_path, watchlist, "- just a list\n") == [
        f"alerts file {tmp_path / 'alerts.yaml'}: needs a top-level `subscriptions:` list"
    ]


def test_the_example_file_is_valid(watchlist):
    example = PROJECT_ROOT / "config" / "alerts.example.yaml"
    assert len(load_subscriptions(example, watchlist)) == 3


def test_a_missing_file_is_one_line_naming_it(tmp_path, watchlist):
    with pytest.raises(SubscriptionError) as refused:
        load_subscriptions(tmp_path / "nowhere.yaml", watchlist)
    assert refused.value.problems == [
        f"cannot read alerts file {tmp_path / 'nowhere.yaml'}: No such file or directory"
    ]
