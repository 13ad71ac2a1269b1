"""The subscription file: who is told about which events, how and when.

```yaml
subscriptions:
  - name: isis-k-desk              # unique; letters, digits, . _ -
    groups: [isis-k]               # watchlist group ids
    affiliates: false              # true: also every group whose parent chain leads to one
    languages: [en, ru]            # optional: events with a report in one of these
    query: 'bank OR embassy'       # optional: Elasticsearch query_string on the event's documents
    min_size: 1                    # reports the event needs
    mode: immediate                # or digest, with every_minutes: 60
    updates: {size_factor: 2}      # optional: alert again each time the event doubles
    webhook: {url_env: MEDIAMON_WEBHOOK_DESK}   # or {url: https://...}; or email: {to: [...]}
```

Loading is bounded (bounded_input: size, YAML aliases, nesting). Every bad field is named
with its subscription, one line each, all of them at once (SubscriptionError.problems);
group ids are checked against the watchlist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mediamon.bounded_input import InputRefused, bounded_repr, load_yaml, read_bounded
from mediamon.tagging.watchlist import LANGUAGE_CODE, Watchlist
from mediamon.vocabulary import AlertMode

MAX_FILE_BYTES = 1024 * 1024
MAX_QUERY = 2000
DEFAULT_DIGEST_MINUTES = 60
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")
_KEYS = {
    "name", "groups", "affiliates", "languages", "query", "min_size", "mode",
    "every_minutes", "updates", "webhook", "email",
}  # fmt: skip


class SubscriptionError(ValueError):
    """The subscription file is unreadable or invalid: one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class WebhookTarget:
    """A webhook URL written in the file, or the environment variable (or Airflow
    connection entry) that holds it: for Slack the URL itself is the secret."""

    url: str | None = None
    url_env: str | None = None

    def describe(self) -> str:
        if self.url_env:
            return f"webhook ${self.url_env}"
        return f"webhook {urlsplit(self.url or '').hostname or '?'}"


@dataclass(frozen=True)
class EmailTarget:
    to: tuple[str, ...]
    sender: str | None = None  # None: MEDIAMON_ALERTS_FROM

    def describe(self) -> str:
        return "email " + ", ".join(self.to)


@dataclass(frozen=True)
class Subscription:
    name: str
    groups: tuple[str, ...]  # as written
    tracked: frozenset[str]  # the groups, and their affiliates when asked for
    affiliates: bool = False
    languages: frozenset[str] | None = None
    query: str | None = None
    min_size: int = 1
    mode: AlertMode = AlertMode.IMMEDIATE
    every_minutes: int | None = None  # digest only
    size_factor: float | None = None  # updates: each time the event grows by this factor
    webhook: WebhookTarget | None = None
    email: EmailTarget | None = None

    @property
    def channel(self) -> str:
        return "webhook" if self.webhook else "email"

    def describe_target(self) -> str:
        target = self.webhook or self.email
        assert target is not None  # validated: exactly one
        return target.describe()


def affiliates_of(watchlist: Watchlist, group_id: str) -> set[str]:
    """Groups whose parent chain leads to `group_id` (ISIS-K for ISIS), as the tagger's
    `groups_with_ancestors` counts them."""
    return {g.id for g in watchlist.groups if group_id in watchlist.ancestors(g.id)}


class _Checker:
    """Collects every problem of one subscription."""

    def __init__(self, label: str, problems: list[str]) -> None:
        self.label = label
        self.problems = problems

    def problem(self, message: str) -> None:
        self.problems.append(f"{self.label}: {message}")

    def integer(self, raw: dict, key: str, default: int | None, minimum: int) -> int | None:
        value = raw.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(
                f"{key} must be a whole number of at least {minimum}, got {bounded_repr(value)}"
            )
            return default
        return value


def _strings(check: _Checker, raw: dict, key: str) -> list[str] | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        check.problem(f"{key} must be a list of non-empty strings, got {bounded_repr(value)}")
        return None
    return [v.strip() for v in value]


def _groups(check: _Checker, raw: dict, watchlist: Watchlist) -> tuple[tuple[str, ...], set[str]]:
    groups = _strings(check, raw, "groups")
    if not groups:
        if "groups" not in raw:
            check.problem("groups: name at least one watchlist group id")
        return (), set()
    unknown = [g for g in groups if g not in watchlist.by_id]
    for group in unknown:
        check.problem(f"groups: unknown group {bounded_repr(group)} (not in the watchlist)")
    known = [g for g in groups if g in watchlist.by_id]
    tracked = set(known)
    if raw.get("affiliates") is True:
        for group in known:
            tracked |= affiliates_of(watchlist, group)
    return tuple(dict.fromkeys(groups)), tracked


def _webhook(check: _Checker, value: object) -> WebhookTarget | None:
    if not isinstance(value, dict) or set(value) - {"url", "url_env"} or len(value) != 1:
        check.problem("webhook needs exactly one of `url: https://...` or `url_env: VARIABLE`")
        return None
    if "url_env" in value:
        name = value["url_env"]
        if not isinstance(name, str) or not _ENV_NAME.fullmatch(name):
            check.problem(f"webhook url_env must be a variable name, got {bounded_repr(name)}")
            return None
        return WebhookTarget(url_env=name)
    url = value["url"]
    try:
        parts = urlsplit(url) if isinstance(url, str) else None
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        # Not quoted: a webhook URL is often its own secret.
        check.problem("webhook url must be an http:// or https:// URL with a host")
        return None
    return WebhookTarget(url=url)


def _email(check: _Checker, value: object) -> EmailTarget | None:
    if not isinstance(value, dict) or set(value) - {"to", "from"}:
        check.problem("email needs `to: [address, ...]` and may have `from: address`")
        return None
    to = _strings(check, value, "to") or []
    sender = value.get("from")
    bad = [a for a in [*to, *([sender] if sender is not None else [])]
           if not isinstance(a, str) or not _ADDRESS.fullmatch(a)]  # fmt: skip
    for address in bad:
        check.problem(f"email: not an e-mail address: {bounded_repr(address)}")
    if not to:
        check.problem("email needs `to: [address, ...]`")
    if bad or not to:
        return None
    return EmailTarget(tuple(to), sender)


def _subscription(check: _Checker, raw: dict, name: str, watchlist: Watchlist) -> Subscription:
    for key in sorted(set(raw) - _KEYS, key=str):
        check.problem(f"unknown field {bounded_repr(key)} (fields: {', '.join(sorted(_KEYS))})")
    groups, tracked = _groups(check, raw, watchlist)
    affiliates = raw.get("affiliates", False)
    if not isinstance(affiliates, bool):
        check.problem(f"affiliates must be true or false, got {bounded_repr(affiliates)}")
    languages = _strings(check, raw, "languages")
    for code in languages or []:
        if not LANGUAGE_CODE.fullmatch(code):
            check.problem(f"languages: {bounded_repr(code)} is not a language code (as `en`)")
    query = raw.get("query")
    if query is not None and (not isinstance(query, str) or not query.strip()):
        check.problem(f"query must be an Elasticsearch query string, got {bounded_repr(query)}")
        query = None
    elif isinstance(query, str) and len(query) > MAX_QUERY:
        check.problem(f"query is longer than {MAX_QUERY} characters")
    min_size = check.integer(raw, "min_size", 1, 1) or 1
    mode_value = raw.get("mode", AlertMode.IMMEDIATE.value)
    mode = AlertMode.IMMEDIATE
    if mode_value not in {m.value for m in AlertMode}:
        check.problem(f"mode must be `immediate` or `digest`, got {bounded_repr(mode_value)}")
    else:
        mode = AlertMode(mode_value)
    every = None
    if mode is AlertMode.DIGEST:
        every = check.integer(raw, "every_minutes", DEFAULT_DIGEST_MINUTES, 1)
    elif "every_minutes" in raw:
        check.problem("every_minutes is for `mode: digest` only")
    size_factor = None
    updates = raw.get("updates")
    if updates is not None:
        factor = updates.get("size_factor") if isinstance(updates, dict) else None
        if (
            not isinstance(updates, dict)
            or set(updates) != {"size_factor"}
            or isinstance(factor, bool)
            or not isinstance(factor, int | float)
            or not 1 < factor <= 100
        ):
            check.problem(
                f"updates must be {{size_factor: N}} with N above 1 (2: each time the event"
                f" doubles), got {bounded_repr(updates)}"
            )
        else:
            size_factor = float(factor)
    webhook = _webhook(check, raw["webhook"]) if "webhook" in raw else None
    email = _email(check, raw["email"]) if "email" in raw else None
    if ("webhook" in raw) == ("email" in raw):
        check.problem("needs exactly one delivery: `webhook:` or `email:`")
    return Subscription(
        name=name,
        groups=groups,
        tracked=frozenset(tracked),
        affiliates=affiliates is True,
        languages=frozenset(languages) if languages else None,
        query=query.strip() if isinstance(query, str) else None,
        min_size=min_size,
        mode=mode,
        every_minutes=every,
        size_factor=size_factor,
        webhook=webhook,
        email=email,
    )


def parse_subscriptions(data: object, watchlist: Watchlist) -> tuple[Subscription, ...]:
    """The validated subscriptions; SubscriptionError naming every problem."""
    if not isinstance(data, dict) or not isinstance(data.get("subscriptions"), list):
        raise SubscriptionError(["needs a top-level `subscriptions:` list"])
    problems: list[str] = [
        f"unknown top-level field {bounded_repr(key)}" for key in data if key != "subscriptions"
    ]
    found: list[Subscription] = []
    seen: set[str] = set()
    for position, raw in enumerate(data["subscriptions"], start=1):
        name = raw.get("name") if isinstance(raw, dict) else None
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            label = f"subscription {position}"
            problems.append(
                f"{label}: name must be 1-100 letters, digits, `.`, `_` or `-`,"
                f" got {bounded_repr(name)}"
            )
            if not isinstance(raw, dict):
                continue
            name = label
        elif name in seen:
            problems.append(f"subscription {name!r}: the name is used twice")
        seen.add(name)
        check = _Checker(f"subscription {name!r}", problems)
        found.append(_subscription(check, raw, name, watchlist))
    if problems:
        raise SubscriptionError(problems)
    return tuple(found)


def load_subscriptions(path: Path, watchlist: Watchlist) -> tuple[Subscription, ...]:
    """Read and validate the subscription file; SubscriptionError (lines naming `path`)."""
    try:
        raw = read_bounded(path, MAX_FILE_BYTES, "alerts file")
    except InputRefused as exc:  # it names the file
        raise SubscriptionError([str(exc)]) from exc
    except OSError as exc:
        raise SubscriptionError([f"cannot read alerts file {path}: {exc.strerror}"]) from exc
    try:
        data = load_yaml(raw, MAX_FILE_BYTES)
    except InputRefused as exc:
        raise SubscriptionError([f"alerts file {path}: {exc}"]) from exc
    try:
        return parse_subscriptions(data, watchlist)
    except SubscriptionError as exc:
        raise SubscriptionError([f"alerts file {path}: {p}" for p in exc.problems]) from exc
