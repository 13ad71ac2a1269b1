"""Tag mentions of tracked groups in an article's title and body.

Rules (each has its own unit test):
- whole words only: "isis" inside "crisis" or "Hamas" inside "Hamasaki" is no match;
- typographic variants are one spelling: curly apostrophes, en/em dashes, non-breaking
  hyphens and spaces are folded one character for one (offsets stay true);
- an alias in capitals (an acronym) or a short mixed-case abbreviation (LeT) matches only as
  written; others in any case;
- overlapping matches resolve to the longest ("Pakistani Taliban" is the TTP);
- an ambiguous alias counts only when the group's context (or one of its plain
  aliases) stands in the same article.
Two Aho-Corasick automatons (case-sensitive, case-folded) are built once per watchlist.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import ahocorasick

from mediamon.tagging.watchlist import Watchlist

ALIAS, AMBIGUOUS, CONTEXT = "alias", "ambiguous", "context"
SNIPPET_CHARS = 80

_TYPOGRAPHY = {
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u2032": "'",
    "\u0060": "'",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u00ad": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
    "\t": " ",
    "\n": " ",
    "\r": " ",
}
# str.translate with this table costs about 0.1 ms per article (a dictionary lookup per
# character): the ASCII ones go by str.replace, the others by one regex scan, if any.
_ASCII_TYPOGRAPHY = [
    (variant, plain) for variant, plain in _TYPOGRAPHY.items() if variant.isascii()
]
_NON_ASCII_TYPOGRAPHY = re.compile(
    "[" + "".join(variant for variant in _TYPOGRAPHY if not variant.isascii()) + "]"
)


# Lines that link to other stories ("RELATED: ...") are not mentions in this article.
_LINK_LINE = re.compile(
    r"(?:^[ \t]*(?i:related|read more|see also|also read|more on this|recommended)[ \t]*:"
    r"|\b(?:RELATED|READ MORE|SEE ALSO|ALSO READ)[ \t]*:).*$",
    re.MULTILINE,
)


_LINK_LINE_WORDS = ("related", "read more", "see also", "also read", "more on this", "recommended")


def blank_link_lines(text: str) -> str:
    """Link lines replaced by spaces of the same length (offsets stay true)."""
    # Searched for only when one of their words is there: the pattern's scan costs more.
    if ":" not in text:
        return text
    lowered = text.lower()
    if not any(word in lowered for word in _LINK_LINE_WORDS):
        return text
    return _LINK_LINE.sub(lambda m: " " * len(m.group(0)), text)


def fold_typography(text: str) -> str:
    """One ASCII spelling per typographic variant, same length as the input."""
    for variant, plain in _ASCII_TYPOGRAPHY:
        text = text.replace(variant, plain)
    if text.isascii():
        return text
    return _NON_ASCII_TYPOGRAPHY.sub(lambda m: _TYPOGRAPHY[m.group(0)], text)


def fold_case(text: str) -> str:
    """Lower case without changing the length (so offsets map back to the original)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


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
class Mention:
    group: str
    text: str
    field: str
    offset: int
    snippet: str

    def as_dict(self) -> dict:
        return {
            "group": self.group,
            "text": self.text,
            "field": self.field,
            "offset": self.offset,
            "snippet": self.snippet,
        }


@dataclass(frozen=True)
class Tags:
    groups: list[str]
    groups_with_ancestors: list[str]
    mentions: list[Mention]
    counts: dict[str, int]


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    group: str
    kind: str


def _build(patterns: dict[str, list[tuple[str, str]]]) -> ahocorasick.Automaton | None:
    if not patterns:
        return None
    automaton = ahocorasick.Automaton()
    for key, payload in patterns.items():
        automaton.add_word(key, (len(key), tuple(payload)))
    automaton.make_automaton()
    return automaton


class Tagger:
    """Tags articles against one watchlist version."""

    def __init__(self, watchlist: Watchlist, version: int | None = None) -> None:
        self.watchlist = watchlist
        self.version = version
        exact: dict[str, list[tuple[str, str]]] = {}
        folded: dict[str, list[tuple[str, str]]] = {}
        for group in watchlist.groups:
            for kind, names in (
                (ALIAS, group.aliases),
                (AMBIGUOUS, group.ambiguous),
                (CONTEXT, group.context),
            ):
                for name in names:
                    key = fold_typography(name.strip())
                    if kind != CONTEXT and is_acronym(key):
                        exact.setdefault(key, []).append((group.id, kind))
                    else:
                        folded.setdefault(fold_case(key), []).append((group.id, kind))
        self._exact = _build(exact)
        self._folded = _build(folded)
        self._ancestors = {g.id: watchlist.ancestors(g.id) for g in watchlist.groups}

    def _hits(self, text: str) -> list[_Hit]:
        plain = fold_typography(text)
        hits = []
        for automaton, haystack in ((self._exact, plain), (self._folded, fold_case(plain))):
            if automaton is None:
                continue
            for end_index, (length, payload) in automaton.iter(haystack):
                start, end = end_index - length + 1, end_index + 1
                # Whole words only: the neighbours must not be letters or digits.
                if start > 0 and haystack[start - 1].isalnum():
                    continue
                if end < len(haystack) and haystack[end].isalnum():
                    continue
                hits.extend(_Hit(start, end, group, kind) for group, kind in payload)
        return hits

    @staticmethod
    def _longest(hits: list[_Hit]) -> list[_Hit]:
        """Keep the longest of overlapping name matches (context words never compete)."""
        chosen: list[_Hit] = []
        taken: list[tuple[int, int]] = []
        for hit in sorted(hits, key=lambda h: (h.start - h.end, h.start)):
            overlaps = any(hit.start < end and start < hit.end for start, end in taken)
            # A shared alias (one span, several groups) keeps every group.
            same_span = any(c.start == hit.start and c.end == hit.end for c in chosen)
            if overlaps and not same_span:
                continue
            chosen.append(hit)
            taken.append((hit.start, hit.end))
        return sorted(chosen, key=lambda h: h.start)

    def tag(self, title: str | None, text: str | None) -> Tags:
        fields = {"title": title or "", "text": text or ""}
        named: list[tuple[str, _Hit]] = []
        confirmed: set[str] = set()  # groups whose context or plain alias appears
        for field_name, value in fields.items():
            hits = self._hits(blank_link_lines(value))
            for hit in hits:
                if hit.kind == CONTEXT:
                    confirmed.add(hit.group)
            names = self._longest([h for h in hits if h.kind != CONTEXT])
            for hit in names:
                if hit.kind == ALIAS:
                    confirmed.add(hit.group)
                named.append((field_name, hit))
        mentions = []
        for field_name, hit in named:
            if hit.kind == AMBIGUOUS and hit.group not in confirmed:
                continue
            value = fields[field_name]
            snippet_start = max(0, hit.start - SNIPPET_CHARS)
            snippet = " ".join(value[snippet_start : hit.end + SNIPPET_CHARS].split())
            mentions.append(
                Mention(hit.group, value[hit.start : hit.end], field_name, hit.start, snippet)
            )
        counts = Counter(m.group for m in mentions)
        groups = sorted(counts)
        with_ancestors = sorted({a for g in groups for a in (g, *self._ancestors.get(g, []))})
        return Tags(groups, with_ancestors, mentions, dict(counts))
