"""The watchlist's two Aho-Corasick automatons (case-sensitive, case-folded): their keys,
the entries each key carries (group, kind, languages, flags, required capitals), and the
hits a match yields. Built once per watchlist; names expand into their forms here
(morphology)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import ahocorasick

from mediamon.tagging import morphology
from mediamon.tagging.common_words import COMMON_WORDS
from mediamon.tagging.morphology.form import ELIDED_ARTICLE
from mediamon.tagging.normalise import (
    fold_case,
    is_arabic_script,
    is_cyrillic,
    normalise,
    normalise_name,
)
from mediamon.tagging.watchlist import Group

ALIAS, AMBIGUOUS, CONTEXT = "alias", "ambiguous", "context"

# Entry flags: checks a match of the entry must pass.
ELIDED = 1  # Arabic name without its article: لل must stand before it
LOWER_NAME = 2  # lower-case Cyrillic name: capitalised mid-sentence it is another name
ACRONYM = 4  # matched as written
SHORT = 8  # an acronym of one or two letters
DESCRIPTIVE = 16  # its first word is an ordinary word
# Scripts of a key: what may stand attached to it.
LATIN, CYRILLIC, ARABIC = 0, 1, 2

ORDINARY_WORDS = frozenset(fold_case(normalise_name(w)) for ws in COMMON_WORDS.values() for w in ws)


def is_acronym(alias: str) -> bool:
    """Matched only as written: capitals (ISIS), or a short mixed-case abbreviation (LeT,
    JeM), which folded to lower case would be an ordinary word ("let")."""
    letters = [c for c in alias if c.isalpha()]
    if not letters:
        return False
    capitals = sum(c.isupper() for c in letters)
    short_abbreviation = " " not in alias.strip() and len(letters) <= 5 and capitals >= 2
    return capitals == len(letters) or short_abbreviation


@dataclass(frozen=True)
class Hit:
    start: int  # offsets in the original text
    end: int
    group: str
    kind: str
    flags: int


LENGTH_BITS = 16  # an automaton value: payload index << 16 | key length
# A key's payload is (script, entries); an entry is (group id, kind, languages or None,
# flags, offsets of letters that must be capitals).
Entry = tuple[str, str, frozenset[str] | None, int, tuple[int, ...]]


def _required_capitals(name: str) -> tuple[int, ...]:
    """Offsets (in the normalised name) of capitalised words of 3+ letters, for names of
    several words; () when letter case is free. Ordinary words ("The Resistance Front",
    "Estado Islámico") may be written either way. Russian and Ukrainian capitalise only the
    first word of a name (the rest varies: «Боко харам»), so only it counts there."""
    words = name.split()
    if len(words) < 2:
        return ()
    if is_cyrillic(name):
        words = [words[0], *(w.lower() for w in words[1:])]
    offsets = []
    position = 0
    parts = []
    for word in words:
        normalised = normalise_name(word)
        if (
            word[:1].isupper()
            and sum(c.isalpha() for c in word) >= 3
            and normalised[:1].isupper()
            and fold_case(normalised) not in ORDINARY_WORDS
        ):
            offsets.append(position)
        parts.append(normalised)
        position += len(normalised) + 1
    if " ".join(parts) != normalise_name(name):  # an unusual spelling: case stays free
        return ()
    return tuple(offsets)


def _script(key: str) -> int:
    if is_arabic_script(key):
        return ARABIC
    return CYRILLIC if is_cyrillic(key) else LATIN


def _descriptive(name: str) -> bool:
    words = name.split()
    return len(words) > 1 and fold_case(normalise_name(words[0])) in ORDINARY_WORDS


def group_names(group: Group) -> Iterator[tuple[str, str, frozenset[str] | None]]:
    for alias in group.aliases:
        yield ALIAS, alias, None
    for alias in group.ambiguous:
        yield AMBIGUOUS, alias, None
    for word in group.context:
        yield CONTEXT, word, None
    for code, aliases in group.language_aliases:
        for alias in aliases:
            yield ALIAS, alias, frozenset({code})


class Compiler:
    """Keys and their entries for the two automatons, entries shared where equal."""

    def __init__(self) -> None:
        self.exact: dict[str, list[Entry]] = {}
        self.folded: dict[str, list[Entry]] = {}
        self._entries: dict[Entry, Entry] = {}
        self.payloads: list[tuple[int, tuple[Entry, ...]]] = []
        self._payload_index: dict[tuple[int, tuple[Entry, ...]], int] = {}

    def add(self, group_id: str, kind: str, name: str, languages: frozenset[str] | None) -> None:
        name = name.strip()
        acronym = kind != CONTEXT and is_acronym(normalise(name).cased)
        lower_name = is_cyrillic(name) and name[:1].islower()
        descriptive = _descriptive(name)
        for form in morphology.forms(name, acronym):
            exact = acronym if form.exact is None else form.exact
            key = normalise_name(form.text)
            if not key or len(key) >= 1 << LENGTH_BITS:
                continue
            counted_in = languages
            if form.languages is not None:
                counted_in = form.languages if languages is None else languages & form.languages
                if not counted_in:
                    continue
            flags = (
                (ELIDED if form.stem == ELIDED_ARTICLE else 0)
                | (LOWER_NAME if lower_name else 0)
                | (ACRONYM if exact else 0)
                | (SHORT if exact and sum(c.isalpha() for c in key) <= 2 else 0)
                | (DESCRIPTIVE if descriptive else 0)
            )
            capitals = () if exact else _required_capitals(form.text)
            entry: Entry = (group_id, kind, counted_in, flags, capitals)
            entry = self._entries.setdefault(entry, entry)
            table = self.exact if exact else self.folded
            entries = table.setdefault(key if exact else fold_case(key), [])
            if entry not in entries:
                entries.append(entry)

    def build(self, table: dict[str, list[Entry]]) -> ahocorasick.Automaton | None:
        """An automaton of integers (no Python object per key: a 50,000-name watchlist
        expands into hundreds of thousands of keys): each key's length and the index of its
        (script, entries) in `payloads`, which keys with the same entries share."""
        if not table:
            return None
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        for key, entries in table.items():
            payload = (_script(key), tuple(entries))
            index = self._payload_index.setdefault(payload, len(self.payloads))
            if index == len(self.payloads):
                self.payloads.append(payload)
            automaton.add_word(key, index << LENGTH_BITS | len(key))
        automaton.make_automaton()
        return automaton
