"""Tag mentions of tracked groups in an article's title and body.

Rules (each has its own unit test):
- whole words only: "isis" inside "crisis" or "Hamas" inside "Hamasaki" is no match; what
  may stand attached to a name is listed below (Arabic-script clitics, Turkish suffixes,
  German compounds);
- one spelling per variant (normalise.py): typography, quotation marks, hyphens, accents,
  Arabic-script letter forms, harakat, tatweel and presentation forms; offsets stay true
  to the original text;
- names are written in their base form and matched in the forms of their language
  (morphology.py: Russian and Ukrainian cases, German adjective endings, Arabic-script
  spellings), all held in the automatons when the watchlist loads;
- an alias in capitals (an acronym) or a short mixed-case abbreviation (LeT) matches only
  as written; a single-word alias in any case; in a name of several words each capitalised
  word of three letters or more must be capitalised in the text ("ein islamischer Staat",
  "un estado islámico" are descriptions, not the name);
- a lower-case Russian or Ukrainian name (талибы) capitalised inside a sentence is another
  name (the surname Талибов);
- a name whose first word is an ordinary word ("État islamique") after an indefinite
  article ("d'un État islamique") describes, it does not name;
- an acronym in parentheses after words whose initials spell it is defined there as
  something else ("entreprise individuelle (EI)"), unless those words name its group;
- an acronym of one or two letters next to another word in capitals ("LOVE IS LOVE",
  "ИГ РАН") is a word of that phrase, unless joined to it by a hyphen (IS-ANHÄNGER); outside
  German (whose nouns are capitalised) one followed by a capitalised word is the start of
  another name ("ИГ Фарбениндустри");
- Arabic script: prefixes و ف ب ل ك and the article (ال, لل) may be attached before a name,
  and nisba, plural and oblique endings after it (داعشي, الحوثيين, حوثیوں, طالبانو), unless
  the word is a known look-alike (حماسی "epic");
- in a Turkish article, case suffixes may follow a name without an apostrophe
  (Hizbullahı, Husilerin); in a German article a name may open a closed compound
  (Talibanherrschaft);
- a language alias counts only in an article of that language;
- overlapping matches resolve to the longest ("Pakistani Taliban" is the TTP);
- an ambiguous alias counts only when the group's context (or one of its plain
  aliases) stands in the same article.
Two Aho-Corasick automatons (case-sensitive, case-folded) are built once per watchlist
(automaton.py). Here: the public tag() API, the scan of both automatons and the choice among
overlapping hits; what may stand attached to a name is in affixes.py, the checks on the text
around a match in surroundings.py, link lines in link_lines.py.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from mediamon.tagging.affixes import (
    ELIDING_ARTICLE,
    PROCLITIC_LAST_LETTERS,
    attached_end,
    proclitic_start,
)
from mediamon.tagging.automaton import (
    ACRONYM,
    ALIAS,
    AMBIGUOUS,
    ARABIC,
    CONTEXT,
    CYRILLIC,
    ELIDED,
    LATIN,
    LENGTH_BITS,
    Compiler,
    Hit,
    group_names,
)
from mediamon.tagging.link_lines import blank_link_lines
from mediamon.tagging.normalise import Normalised, normalise
from mediamon.tagging.surroundings import defined_otherwise, in_context
from mediamon.tagging.watchlist import Watchlist

SNIPPET_CHARS = 80
# Dari is Persian: its code maps to the Persian one for language aliases.
_LANGUAGE_OF = {"prs": "fa", "pes": "fa", "pbt": "ps", "pbu": "ps"}


def language_code(language: str | None) -> str | None:
    """The primary subtag of an article's language ("ru-RU" -> "ru"); None if unknown."""
    if not language:
        return None
    primary = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    return _LANGUAGE_OF.get(primary, primary) or None


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


class Tagger:
    """Tags articles against one watchlist version."""

    def __init__(self, watchlist: Watchlist, version: int | None = None) -> None:
        self.watchlist = watchlist
        self.version = version
        compiler = Compiler()
        for group in watchlist.groups:
            for kind, name, languages in group_names(group):
                compiler.add(group.id, kind, name, languages)
        self.keys = len(compiler.exact) + len(compiler.folded)
        self._exact = compiler.build(compiler.exact)
        self._folded = compiler.build(compiler.folded)
        self._payloads = compiler.payloads
        self._ancestors = {g.id: watchlist.ancestors(g.id) for g in watchlist.groups}

    def _candidates(self, norm: Normalised, language: str | None) -> list[Hit]:
        """Matches of the normalised text that pass the checks within it."""
        hits = []
        cased = norm.cased
        # Most raw matches lie inside other words: they are dropped first, cheaply.
        latin_attached = language in ("tr", "de")
        payloads = self._payloads
        length_mask = (1 << LENGTH_BITS) - 1
        for automaton, haystack, exact in (
            (self._exact, cased, True),
            (self._folded, norm.folded, False),
        ):
            if automaton is None:
                continue
            size = len(haystack)
            for end_index, value in automaton.iter(haystack):
                start, end = end_index - (value & length_mask) + 1, end_index + 1
                script, entries = payloads[value >> LENGTH_BITS]
                first, last = start, end
                if start and haystack[start - 1].isalnum():
                    if script != ARABIC or haystack[start - 1] not in PROCLITIC_LAST_LETTERS:
                        continue
                    first = proclitic_start(haystack, start)
                    if first < 0:
                        continue
                if end < size and haystack[end].isalnum():
                    if script == CYRILLIC or (script == LATIN and (exact or not latin_attached)):
                        continue
                    last = attached_end(norm, start, end, script, exact, language)
                    if last < 0:
                        continue
                span: tuple[int, int] | None = None
                for group, kind, languages, flags, capitals in entries:
                    if languages is not None and language not in languages:
                        continue
                    if flags & ELIDED and haystack[first:start] not in ELIDING_ARTICLE:
                        continue
                    if capitals and not all(cased[start + i].isupper() for i in capitals):
                        continue
                    if span is None:
                        span = norm.original_span(first, last)
                    hits.append(Hit(span[0], span[1], group, kind, flags))
        return hits

    def _hits(self, text: str, language: str | None) -> list[Hit]:
        hits = [
            hit
            for hit in self._candidates(normalise(blank_link_lines(text)), language)
            if in_context(text, hit, language)
        ]
        hits = [
            hit for hit in hits if not (hit.flags & ACRONYM and defined_otherwise(text, hit, hits))
        ]
        # One span naming one group once: a plain alias outranks an ambiguous one.
        strongest: dict[tuple[int, int, str, bool], Hit] = {}
        for hit in hits:
            key = (hit.start, hit.end, hit.group, hit.kind == CONTEXT)
            if key not in strongest or (hit.kind == ALIAS and strongest[key].kind != ALIAS):
                strongest[key] = hit
        return list(strongest.values())

    @staticmethod
    def _longest(hits: list[Hit]) -> list[Hit]:
        """Keep the longest of overlapping name matches (context words never compete)."""
        chosen: list[Hit] = []
        spans: set[tuple[int, int]] = set()
        taken = bytearray(max((h.end for h in hits), default=0))  # 1 where a kept name stands
        for hit in sorted(hits, key=lambda h: (h.start - h.end, h.start)):
            # A shared alias (one span, several groups) keeps every group.
            if (hit.start, hit.end) not in spans and taken.find(1, hit.start, hit.end) >= 0:
                continue
            chosen.append(hit)
            spans.add((hit.start, hit.end))
            taken[hit.start : hit.end] = b"\x01" * (hit.end - hit.start)
        return sorted(chosen, key=lambda h: h.start)

    def tag(self, title: str | None, text: str | None, language: str | None = None) -> Tags:
        """Tags of an article; `language` (its language code) selects language aliases and
        the rules of that language, None when unknown."""
        code = language_code(language)
        fields = {"title": title or "", "text": text or ""}
        named: list[tuple[str, Hit]] = []
        confirmed: set[str] = set()  # groups whose context or plain alias appears
        for field_name, value in fields.items():
            hits = self._hits(value, code)
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
