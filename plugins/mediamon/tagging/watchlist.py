"""The tracked-groups watchlist: YAML in, validated groups out, with a content fingerprint.

Format (fixed): `groups:` list of {id, name, parent?, aliases: [...], ambiguous?: [...],
context?: [...]}. See config/watchlist.yaml for the shipped default.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import yaml

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
                }
                for g in self.groups
            ]
        }

    @cached_property
    def sha256(self) -> str:
        canonical = json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _strings(value: object, what: str, group_id: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise WatchlistError(f"group {group_id!r}: {what} must be a list of non-empty strings")
    return tuple(dict.fromkeys(v.strip() for v in value))


def parse_watchlist(data: object) -> Watchlist:
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        raise WatchlistError("watchlist needs a top-level `groups:` list")
    groups = []
    for raw in data["groups"]:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise WatchlistError(f"every group needs an `id`: {raw!r}"[:200])
        group_id = raw["id"]
        aliases = _strings(raw.get("aliases"), "aliases", group_id)
        ambiguous = _strings(raw.get("ambiguous"), "ambiguous", group_id)
        if not aliases and not ambiguous:
            raise WatchlistError(f"group {group_id!r} has no aliases")
        context = _strings(raw.get("context"), "context", group_id)
        if ambiguous and not context and not aliases:
            raise WatchlistError(f"group {group_id!r}: ambiguous aliases need context or aliases")
        groups.append(
            Group(
                id=group_id,
                name=str(raw.get("name") or group_id),
                parent=raw.get("parent") or None,
                aliases=aliases,
                ambiguous=ambiguous,
                context=context,
            )
        )
    watchlist = Watchlist(tuple(groups))
    ids = [g.id for g in groups]
    if len(ids) != len(set(ids)):
        raise WatchlistError("group ids must be unique")
    for group in groups:
        if group.parent and group.parent not in watchlist.by_id:
            raise WatchlistError(f"group {group.id!r}: unknown parent {group.parent!r}")
    for group in groups:
        seen = {group.id}
        parent = group.parent
        while parent:
            if parent in seen:
                raise WatchlistError(f"group {group.id!r}: parent chain has a cycle")
            seen.add(parent)
            parent = watchlist.by_id[parent].parent
    return watchlist


def watchlist_from_yaml(raw: bytes | str, path: Path) -> Watchlist:
    try:
        # libyaml's loader: a 50,000-alias watchlist loads in a second, not ten.
        data = yaml.load(raw, Loader=_SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise WatchlistError(
            f"watchlist {path} is not valid YAML: {str(exc).splitlines()[0]}"
        ) from exc
    return parse_watchlist(data)


def read_watchlist_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise WatchlistError(f"cannot read watchlist {path}: {exc.strerror}") from exc


def load_watchlist(path: Path) -> Watchlist:
    return watchlist_from_yaml(read_watchlist_file(path), path)
