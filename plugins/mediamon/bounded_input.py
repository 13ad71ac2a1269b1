"""Bounded reading of the YAML files people hand to mediamon (watchlists, feed lists).

A 341-byte YAML file can stand for a billion strings: each alias (`*name`) repeats a node,
and nested anchors multiply (a "billion laughs"). Loading shares the repeated nodes, so
the damage comes later, from whatever walks or formats the value. Here a document is
refused while it is composed when it is deeper than MAX_DEPTH, uses more than MAX_ALIASES
aliases, or its aliases would repeat more than MAX_ALIAS_EXPANSION nodes; files are read
up to a size cap; and values quoted in error messages go through `bounded_repr`.

libyaml still scans and parses (fast); the composer is PyYAML's Python one, which counts
as it goes. libyaml's own composer recurses in C: 50,000 nested `- ` (100 KB) crash the
process with a segmentation fault instead of raising.
"""

from __future__ import annotations

import reprlib
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, Event
from yaml.nodes import MappingNode, Node, SequenceNode
from yaml.resolver import Resolver

MAX_DEPTH = 64
MAX_ALIASES = 100
MAX_ALIAS_EXPANSION = 100_000  # nodes the aliases may repeat, in all

_REPR = reprlib.Repr()
_REPR.maxlevel = 3
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxdict = 3
_REPR.maxstring = _REPR.maxother = 60


class InputRefused(ValueError):
    """The file or document is over a bound, or not valid YAML (one line for the user)."""


def bounded_repr(value: object) -> str:
    """A repr of at most a few hundred characters, whatever the value's size or depth."""
    return _REPR.repr(value)


def read_bounded(path: Path, max_bytes: int, what: str) -> bytes:
    """The file's bytes; InputRefused when it is larger than `max_bytes`.

    Raises OSError when it cannot be read (callers word that themselves).
    """
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputRefused(f"{what} {path} is larger than {max_bytes:,} bytes")
    return data


class _CountingComposer(Composer):
    """PyYAML's composer, bounded in depth, in alias uses and in what the aliases repeat."""

    if TYPE_CHECKING:
        # Supplied by the parser the loader mixes in (libyaml's CParser or PyYAML's Parser).
        def peek_event(self) -> Event | None: ...

    def __init__(self) -> None:
        super().__init__()
        self._depth = 0
        self._aliases = 0
        self._expansion = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases expanded

    # `index` is the key node, the item's index or None (the stubs say int: hence the ignores).
    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        event = self.peek_event()
        if isinstance(event, AliasEvent):
            self._count_alias(event.anchor)
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise InputRefused(f"YAML document nests deeper than {MAX_DEPTH} levels")
        try:
            node = super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self._depth -= 1
        if node is not None:  # PyYAML always composes one; the stubs allow None
            self._sizes[id(node)] = 1 + sum(self._sizes[id(child)] for child in _children(node))
        return node

    def _count_alias(self, anchor: str | None) -> None:
        target = self.anchors.get(anchor)
        if target is None:  # an undefined alias is PyYAML's own error
            return
        size = self._sizes.get(id(target))
        if size is None:
            raise InputRefused(f"YAML alias *{str(anchor)[:40]} refers to a node containing it")
        self._aliases += 1
        self._expansion += size
        if self._aliases > MAX_ALIASES:
            raise InputRefused(f"YAML document uses more than {MAX_ALIASES} aliases")
        if self._expansion > MAX_ALIAS_EXPANSION:
            raise InputRefused(
                f"YAML aliases repeat more than {MAX_ALIAS_EXPANSION:,} values"
                " (nested anchors: refused)"
            )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


if yaml.__with_libyaml__:
    from yaml._yaml import CParser

    class _BoundedLoader(_CountingComposer, CParser, SafeConstructor, Resolver):
        def __init__(self, stream: bytes | str) -> None:
            CParser.__init__(self, stream)
            _CountingComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

else:  # PyYAML's pure-Python scanner and parser (about five times slower)
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _BoundedLoader(Reader, Scanner, Parser, _CountingComposer, SafeConstructor, Resolver):  # type: ignore[no-redef]
        def __init__(self, stream: bytes | str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _CountingComposer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)


def load_yaml(raw: bytes | str, max_bytes: int) -> object:
    """One YAML document's value (safe tags only), within the bounds above.

    Raises InputRefused for a document over a bound or not valid YAML.
    """
    if len(raw) > max_bytes:
        raise InputRefused(f"YAML document is larger than {max_bytes:,} bytes")
    loader = _BoundedLoader(raw)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as exc:
        raise InputRefused(f"not valid YAML: {_yaml_problem(exc)}") from exc
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """What is wrong and where, in one bounded line."""
    if isinstance(exc, yaml.MarkedYAMLError) and exc.problem:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        return f"{exc.problem[:200]}{where}"
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
