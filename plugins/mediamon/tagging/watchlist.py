"""The tracked-groups watchlist: YAML in, validated groups out, with a content fingerprint.

Format: `groups:` list of {id, name, parent?, aliases: [...], ambiguous?: [...],
context?: [...], language_aliases?: {language code: [...]}}. A language alias counts only
in an article of that language (German "IS"); an ambiguous alias that is also a language
alias of a language counts there without context (Persian حماس). See config/watchlist.yaml
for the shipped default.

Loading is bounded (file size, YAML aliases and nesting: see bounded_input) and so are
the values quoted in errors. A watchlist without groups is refused unless the caller means
it (`allow_empty`, or `empty_watchlist_allowed()` around a re-tag): re-tagging with it
removes every tag. An alias made only of very frequent words ("state", "IS") is accepted
with a warning: it tags nearly every article.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from mediamon.bounded_input import InputRefused, bounded_repr, load_yaml, read_bounded
from mediamon.tagging.common_words import common_word_languages

logger = logging.getLogger(__name__)

# A 50,000-alias watchlist is about 1.5 MB of YAML.
MAX_WATCHLIST_BYTES = 64 * 1024 * 1024
# Group ids are stored in every tagged article (a GIN index, Elasticsearch keywords).
MAX_GROUP_ID = 100
MAX_NAME = 500
MAX_ALIAS = 500
_WARNED_ALIASES = 10  # common-word aliases named in the warning; the rest are counted
# ISO 639 codes as articles carry them (a region or script subtag is ignored when tagging).
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_empty_allowed: ContextVar[bool] = ContextVar("empty_watchlist_allowed", default=False)


class WatchlistError(ValueError):
    """The watchlist file is unreadable or invalid (one line for the user)."""


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    parent: str | None
    aliases: tuple[str, ...]
    ambiguous: tuple[str, ...] = ()
    context: tuple[str, ...] = ()
    # (language code, aliases) pairs, in code order: names that count only in that language.
    language_aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Watchlist:
    groups: tuple[Group, ...]

    @cached_property
    def by_id(self) -> dict[str, Group]:
        return {group.id: group for group in self.groups}

    def ancestors(self, group_id: str) -> list[str]:
        """The group's parents, nearest first (cycles are refused at load time)."""
        by_id = self.by_id
        chain = []
        parent = by_id[group_id].parent
        while parent:
            chain.append(parent)
            parent = by_id[parent].parent
        return chain

    def as_dict(self) -> dict:
        return {
            "groups": [
                {
                    "id": g.id,
                    "name": g.name,
                    **({"parent": g.parent} if g.parent else {}),
                    "aliases": list(g.aliases),
                    **({"ambiguous": list(g.ambiguous)} if g.ambiguous else {}),
                    **({"context": list(g.context)} if g.context else {}),
                    **(
                        {
                            "language_aliases": {
                                code: list(names) for code, names in g.language_aliases
                            }
                        }
                        if g.language_aliases
                        else {}
                    ),
                }
                for g in self.groups
            ]
        }

    @cached_property
    def sha256(self) -> str:
        canonical = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


@contextlib.contextmanager
def empty_watchlist_allowed() -> Iterator[None]:
    """Within the block, a watchlist without groups loads (the caller means to remove
    every tag: `mediamon retag --allow-empty`)."""
    token = _empty_allowed.set(True)
    try:
        yield
    finally:
        _empty_allowed.reset(token)


def _strings(value: object, what: str, group_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise WatchlistError(f"group {group_id!r}: {what} must be a list of non-empty strings")
    too_long = next((v for v in value if len(v.strip()) > MAX_ALIAS), None)
    if too_long is not None:
        raise WatchlistError(
            f"group {group_id!r}: {what} longer than {MAX_ALIAS} characters: {bounded_repr(too_long)}"
        )
    return tuple(dict.fromkeys(v.strip() for v in value))


def _language_aliases(value: object, group_id: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise WatchlistError(
            f"group {group_id!r}: language_aliases must map language codes to lists of aliases"
        )
    pairs = []
    for code, names in value.items():
        if not isinstance(code, str) or not LANGUAGE_CODE.fullmatch(code):
            raise WatchlistError(
                f"group {group_id!r}: language_aliases: {bounded_repr(code)} is not a language"
                " code (two or three lower-case letters, as `de`)"
            )
        pairs.append((code, _strings(names, f"language_aliases of {code!r}", group_id)))
    return tuple(sorted((code, names) for code, names in pairs if names))


def _refuse_empty(allow_empty: bool) -> None:
    if not (allow_empty or _empty_allowed.get()):
        raise WatchlistError(
            "no groups listed: re-tagging with it would remove every tag"
            " (refused; `mediamon retag --allow-empty` if that is meant)"
        )


def _group_id(raw: dict) -> str:
    if not isinstance(raw.get("id"), str) or not raw["id"].strip():
        raise WatchlistError(f"every group needs an `id`: {bounded_repr(raw)}")
    if len(raw["id"]) > MAX_GROUP_ID:
        raise WatchlistError(
            f"group id longer than {MAX_GROUP_ID} characters: {bounded_repr(raw['id'])}"
        )
    return raw["id"]


def parse_watchlist(
    data: object, allow_empty: bool = False, source: Path | str | None = None
) -> Watchlist:
    """The validated watchlist; WatchlistError (one line) for an invalid one.

    `allow_empty`: accept a watchlist without groups (also allowed within
    `empty_watchlist_allowed()`). `source` names the watchlist in warnings.
    """
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise WatchlistError("watchlist needs a top-level `groups:` list")
    if not data["groups"]:
        _refuse_empty(allow_empty)
    groups = []
    for raw in data["groups"]:
        if not isinstance(raw, dict):
            raise WatchlistError(f"every group needs an `id`: {bounded_repr(raw)}")
        group_id = _group_id(raw)
        name = raw.get("name") or group_id
        if not isinstance(name, str | int | float):
            raise WatchlistError(f"group {group_id!r}: name must be text, got {bounded_repr(name)}")
        name = str(name)
        if len(name) > MAX_NAME:
            raise WatchlistError(f"group {group_id!r}: name longer than {MAX_NAME} characters")
        parent = raw.get("parent") or None
        if parent is not None and not isinstance(parent, str):
            raise WatchlistError(f"group {group_id!r}: parent must be a group id")
        aliases = _strings(raw.get("aliases"), "aliases", group_id)
        ambiguous = _strings(raw.get("ambiguous"), "ambiguous", group_id)
        language_aliases = _language_aliases(raw.get("language_aliases"), group_id)
        if not aliases and not ambiguous and not language_aliases:
            raise WatchlistError(f"group {group_id!r} has no aliases")
        context = _strings(raw.get("context"), "context", group_id)
        if ambiguous and not context and not aliases and not language_aliases:
            raise WatchlistError(f"group {group_id!r}: ambiguous aliases need context or aliases")
        groups.append(
            Group(
                id=group_id,
                name=name,
                parent=parent,
                aliases=aliases,
                ambiguous=ambiguous,
                context=context,
                language_aliases=language_aliases,
            )
        )
    watchlist = Watchlist(tuple(groups))
    ids = [g.id for g in groups]
    if len(ids) != len(set(ids)):
        raise WatchlistError("group ids must be unique")
    for group in groups:
        if group.parent and group.parent not in watchlist.by_id:
            raise WatchlistError(f"group {group.id!r}: unknown parent {bounded_repr(group.parent)}")
    for group in groups:
        seen = {group.id}
        parent = group.parent
        while parent:
            if parent in seen:
                raise WatchlistError(f"group {group.id!r}: parent chain has a cycle")
            seen.add(parent)
            parent = watchlist.by_id[parent].parent
    warn_common_word_aliases(watchlist, source)
    return watchlist


def common_word_aliases(watchlist: Watchlist) -> list[tuple[str, str, list[str]]]:
    """(group id, alias, languages) for each alias made only of very frequent words.

    Ambiguous aliases are left out: they tag only with context. A language alias is
    named only when it is a frequent word of its own language (German "IS" is not).
    """
    found = []
    for group in watchlist.groups:
        for alias in group.aliases:
            languages = common_word_languages(alias)
            if languages:
                found.append((group.id, alias, languages))
        for code, names in group.language_aliases:
            for alias in names:
                if code in common_word_languages(alias):
                    found.append((group.id, alias, [code]))
    return found


def warn_common_word_aliases(watchlist: Watchlist, source: Path | str | None = None) -> None:
    """Log one warning naming the aliases that are very frequent words, if any."""
    found = common_word_aliases(watchlist)
    if not found:
        return
    named = ", ".join(
        f"{alias!r} (group {group_id}, {'/'.join(languages)})"
        for group_id, alias, languages in found[:_WARNED_ALIASES]
    )
    more = f" and {len(found) - _WARNED_ALIASES} more" if len(found) > _WARNED_ALIASES else ""
    where = f"watchlist {source}" if source else "watchlist"
    logger.warning(
        "%s: %d alias(es) are common words and will tag nearly every article: %s%s",
        where,
        len(found),
        named,
        more,
    )


def watchlist_from_yaml(raw: bytes | str, path: Path, allow_empty: bool = False) -> Watchlist:
    try:
        data = load_yaml(raw, MAX_WATCHLIST_BYTES)
    except InputRefused as exc:
        raise WatchlistError(f"watchlist {path}: {exc}") from exc
    try:
        return parse_watchlist(data, allow_empty, path)
    except WatchlistError as exc:
        raise WatchlistError(f"watchlist {path}: {exc}") from exc


def check_loaded(watchlist: Watchlist, path: Path, allow_empty: bool = False) -> None:
    """What loading checks, for a watchlist that comes from a cache of compiled ones."""
    if not watchlist.groups:
        try:
            _refuse_empty(allow_empty)
        except WatchlistError as exc:
            raise WatchlistError(f"watchlist {path}: {exc}") from exc
    warn_common_word_aliases(watchlist, path)


def read_watchlist_file(path: Path) -> bytes:
    try:
        return read_bounded(path, MAX_WATCHLIST_BYTES, "watchlist")
    except InputRefused as exc:
        raise WatchlistError(str(exc)) from exc
    except OSError as exc:
        raise WatchlistError(f"cannot read watchlist {path}: {exc.strerror}") from exc


def load_watchlist(path: Path, allow_empty: bool = False) -> Watchlist:
    return watchlist_from_yaml(read_watchlist_file(path), path, allow_empty)
