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
Two Aho-Corasick automatons (case-sensitive, case-folded) are built once per watchlist.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import ahocorasick

from mediamon.tagging import morphology
from mediamon.tagging.common_words import (
    ARABIC_SCRIPT_LOOKALIKES,
    COMMON_WORDS,
    INDEFINITE_ARTICLES,
)
from mediamon.tagging.normalise import (
    Normalised,
    fold_case,
    is_arabic_script,
    is_cyrillic,
    normalise,
    normalise_name,
)
from mediamon.tagging.watchlist import Group, Watchlist

ALIAS, AMBIGUOUS, CONTEXT = "alias", "ambiguous", "context"
SNIPPET_CHARS = 80

# Entry flags: checks a match of the entry must pass.
_ELIDED = 1  # Arabic name without its article: لل must stand before it
_LOWER_NAME = 2  # lower-case Cyrillic name: capitalised mid-sentence it is another name
_ACRONYM = 4  # matched as written
_SHORT = 8  # an acronym of one or two letters
_DESCRIPTIVE = 16  # its first word is an ordinary word
# Scripts of a key: what may stand attached to it.
_LATIN, _CYRILLIC, _ARABIC = 0, 1, 2


def _spelled(words: str) -> frozenset[str]:
    """Space-separated words, each in the matcher's spelling."""
    return frozenset(normalise_name(word) for word in words.split())


# Arabic conjunctions, prepositions and the article, as they attach before a word.
_PROCLITICS = _spelled(
    "و ف ب ل ك وب ول وك فب فل فك ال وال فال بال كال وبال وكال فبال فكال لل ولل فلل"
)
_PROCLITIC_LAST_LETTERS = frozenset(p[-1] for p in _PROCLITICS)
_ELIDING_ARTICLE = _spelled("لل ولل فلل")
# Endings after a name: nisba (داعشي), feminine, plurals and obliques of Arabic, Persian,
# Urdu and Pashto (يون/يين, ها, وں, و, ان/انو); after a final ي also the bare endings.
_ARABIC_TAILS = _spelled("ي يه يون يين يها يان يانو يوں و ها")
_ARABIC_TAILS_AFTER_YEH = _ARABIC_TAILS | _spelled("ه ون ين ان انو وں")
_YEH = normalise_name("ي")
_LOOKALIKES = frozenset(fold_case(normalise_name(w)) for w in ARABIC_SCRIPT_LOOKALIKES)
_LONGEST_PROCLITIC = max(len(p) for p in _PROCLITICS)
_LONGEST_TAIL = 30  # letters looked at after a name (German compounds are long)
_LETTERS = re.compile(rf"[^\W_]{{1,{_LONGEST_TAIL + 1}}}")
# Turkish case, possessive and plural suffixes (normalised: ı→i, ü→u, ş→s).
_TURKISH_TAIL = re.compile(
    r"(?:l[ae]r)?(?:s?[iu])?(?:n?[iu]n|[ny]?[ae]|[ny]?[iu]|n?[dt][ae]n?|y?l[ae]|l[iu]|c[iu])?"
)
_GERMAN_COMPOUND_TAIL = 4  # the least letters of the word a name opens
_ORDINARY_WORDS = frozenset(
    fold_case(normalise_name(w)) for ws in COMMON_WORDS.values() for w in ws
)
_ANY_INDEFINITE_ARTICLE = frozenset().union(*INDEFINITE_ARTICLES.values())
_SENTENCE_END = set(".!?…:;—–-•|")
_OPENING = set(" \t\u00a0«„“\"'‘‚‹([")
_WORD = re.compile(r"\w+")
# Dari is Persian: its code maps to the Persian one for language aliases.
_LANGUAGE_OF = {"prs": "fa", "pes": "fa", "pbt": "ps", "pbu": "ps"}


def blank_link_lines(text: str) -> str:
    """Link lines replaced by spaces of the same length (offsets stay true)."""
    # Searched for only when a marker ends right before one of the text's colons: the
    # pattern's scan costs more than looking behind each colon.
    colon = text.find(":")
    while colon >= 0:
        before = text[max(0, colon - _LONGEST_MARKER) : colon].rstrip(" \t").lower()
        if before.endswith(_LINK_LINE_WORDS):
            return _LINK_LINE.sub(lambda m: " " * len(m.group(0)), text)
        colon = text.find(":", colon + 1)
    return text


# Lines that link to other stories ("RELATED: ...", "ЧИТАЙТЕ ТАКЖЕ: ...", "اقرأ أيضا: ...")
# are not mentions in this article: a marker at the start of a line in any case, or in
# capitals anywhere, then a colon.
_LINK_MARKERS = (
    "related|read more|see also|also read|more on this|recommended"
    "|читайте также|читайте ещё|читайте еще|смотрите также|см\\. также"
    "|читайте також|дивіться також"
    "|à lire aussi|a lire aussi|lire aussi|voir aussi|sur le même sujet"
    "|mehr zum thema|lesen sie auch|auch interessant|siehe auch"
    "|relacionado|relacionada|lea también|lee también|te puede interesar|ver también"
    "|ilgili|ilgili haber|bunu da okuyun"
    "|اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|اقرأ ايضا|شاهد أيضا|مواضيع ذات صلة"
    "|بیشتر بخوانید|همچنین بخوانید|مطالب مرتبط|یہ بھی پڑھیں|مزید پڑھیں|دا هم ولولئ"
)
_LINK_LINE = re.compile(
    rf"(?:^[ \t]*(?i:{_LINK_MARKERS})[ \t]*:"
    r"|\b(?:RELATED|READ MORE|SEE ALSO|ALSO READ|ЧИТАЙТЕ ТАКЖЕ|ЧИТАЙТЕ ТАКОЖ|À LIRE AUSSI"
    r"|LIRE AUSSI|MEHR ZUM THEMA|LESEN SIE AUCH|RELACIONADO|LEA TAMBIÉN|İLGİLİ)[ \t]*:).*$",
    re.MULTILINE,
)
# Their words as str.lower() writes them (Turkish İ lowers to i and a combining dot).
_LINK_LINE_WORDS = (
    *_LINK_MARKERS.replace("\\", "").split("|"),
    "İLGİLİ".lower(),
    "İlgili".lower(),
)
_LONGEST_MARKER = max(len(word) for word in _LINK_LINE_WORDS) + 4


def is_acronym(alias: str) -> bool:
    """Matched only as written: capitals (ISIS), or a short mixed-case abbreviation (LeT,
    JeM), which folded to lower case would be an ordinary word ("let")."""
    letters = [c for c in alias if c.isalpha()]
    if not letters:
        return False
    capitals = sum(c.isupper() for c in letters)
    short_abbreviation = " " not in alias.strip() and len(letters) <= 5 and capitals >= 2
    return capitals == len(letters) or short_abbreviation


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


@dataclass(frozen=True)
class _Hit:
    start: int  # offsets in the original text
    end: int
    group: str
    kind: str
    flags: int


_LENGTH_BITS = 16  # an automaton value: payload index << 16 | key length
# A key's payload is (script, entries); an entry is (group id, kind, languages or None,
# flags, offsets of letters that must be capitals).
_Entry = tuple[str, str, frozenset[str] | None, int, tuple[int, ...]]


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
            and fold_case(normalised) not in _ORDINARY_WORDS
        ):
            offsets.append(position)
        parts.append(normalised)
        position += len(normalised) + 1
    if " ".join(parts) != normalise_name(name):  # an unusual spelling: case stays free
        return ()
    return tuple(offsets)


def _script(key: str) -> int:
    if is_arabic_script(key):
        return _ARABIC
    return _CYRILLIC if is_cyrillic(key) else _LATIN


def _descriptive(name: str) -> bool:
    words = name.split()
    return len(words) > 1 and fold_case(normalise_name(words[0])) in _ORDINARY_WORDS


def _names(group: Group) -> Iterator[tuple[str, str, frozenset[str] | None]]:
    for alias in group.aliases:
        yield ALIAS, alias, None
    for alias in group.ambiguous:
        yield AMBIGUOUS, alias, None
    for word in group.context:
        yield CONTEXT, word, None
    for code, aliases in group.language_aliases:
        for alias in aliases:
            yield ALIAS, alias, frozenset({code})


class _Compiler:
    """Keys and their entries for the two automatons, entries shared where equal."""

    def __init__(self) -> None:
        self.exact: dict[str, list[_Entry]] = {}
        self.folded: dict[str, list[_Entry]] = {}
        self._entries: dict[_Entry, _Entry] = {}
        self.payloads: list[tuple[int, tuple[_Entry, ...]]] = []
        self._payload_index: dict[tuple[int, tuple[_Entry, ...]], int] = {}

    def add(self, group_id: str, kind: str, name: str, languages: frozenset[str] | None) -> None:
        name = name.strip()
        acronym = kind != CONTEXT and is_acronym(normalise(name).cased)
        lower_name = is_cyrillic(name) and name[:1].islower()
        descriptive = _descriptive(name)
        for form in morphology.forms(name, acronym):
            exact = acronym if form.exact is None else form.exact
            key = normalise_name(form.text)
            if not key or len(key) >= 1 << _LENGTH_BITS:
                continue
            counted_in = languages
            if form.languages is not None:
                counted_in = form.languages if languages is None else languages & form.languages
                if not counted_in:
                    continue
            flags = (
                (_ELIDED if form.stem == morphology.ELIDED_ARTICLE else 0)
                | (_LOWER_NAME if lower_name else 0)
                | (_ACRONYM if exact else 0)
                | (_SHORT if exact and sum(c.isalpha() for c in key) <= 2 else 0)
                | (_DESCRIPTIVE if descriptive else 0)
            )
            capitals = () if exact else _required_capitals(form.text)
            entry: _Entry = (group_id, kind, counted_in, flags, capitals)
            entry = self._entries.setdefault(entry, entry)
            table = self.exact if exact else self.folded
            entries = table.setdefault(key if exact else fold_case(key), [])
            if entry not in entries:
                entries.append(entry)

    def build(self, table: dict[str, list[_Entry]]) -> ahocorasick.Automaton | None:
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
            automaton.add_word(key, index << _LENGTH_BITS | len(key))
        automaton.make_automaton()
        return automaton


def _proclitic_start(haystack: str, start: int) -> int:
    """Where the word starts when only Arabic proclitics stand before `start`; -1 if not."""
    first = start
    while first > 0 and haystack[first - 1].isalnum() and start - first <= _LONGEST_PROCLITIC:
        first -= 1
    if first > 0 and haystack[first - 1].isalnum():
        return -1
    return first if haystack[first:start] in _PROCLITICS else -1


def _word_end(haystack: str, end: int) -> int:
    """Where the letters that follow `end` stop (a bounded look: endings are short)."""
    letters = _LETTERS.match(haystack, end)
    return letters.end() if letters else end


def _previous_word(text: str, start: int) -> str:
    index = start
    while index > 0 and text[index - 1] in " \u00a0":
        index -= 1
    first = index
    while first > 0 and text[first - 1].isalpha():
        first -= 1
    return text[first:index]


def _next_word(text: str, end: int) -> str:
    index = end
    while index < len(text) and text[index] in " \u00a0":
        index += 1
    last = index
    while last < len(text) and text[last].isalpha():
        last += 1
    return text[index:last]


def _capitals_word(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


def _sentence_start(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in _OPENING:
        index -= 1
    return index < 0 or text[index] in _SENTENCE_END or text[index] == "\n"


def _capitalised_inside_a_sentence(text: str, hit: _Hit) -> bool:
    """Capitalised (not in capitals throughout) where a sentence does not start."""
    return (
        text[hit.start].isupper()
        and not text[hit.start : hit.end].isupper()
        and not _sentence_start(text, hit.start)
    )


def _defining_phrase(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the words an acronym in parentheses spells out, if it is so defined."""
    opening = start - 1
    while opening >= 0 and text[opening] in " \u00a0":
        opening -= 1
    closing = end
    while closing < len(text) and text[closing] in " \u00a0":
        closing += 1
    if opening < 0 or text[opening] != "(" or text[closing : closing + 1] != ")":
        return None
    letters = [c for c in fold_case(normalise_name(text[start:end])) if c.isalpha()]
    words = list(_WORD.finditer(text, max(0, opening - 300), opening))
    initials = []
    phrase_start = opening
    for word in reversed(words):
        token = word.group()
        if token.islower() and (len(token) <= 1 or fold_case(token) in _ORDINARY_WORDS):
            continue  # function words are not spelled out
        initials.append(fold_case(normalise_name(token))[:1])
        phrase_start = word.start()
        if len(initials) == len(letters):
            break
    if initials[::-1] == letters:
        return phrase_start, opening
    return None


class Tagger:
    """Tags articles against one watchlist version."""

    def __init__(self, watchlist: Watchlist, version: int | None = None) -> None:
        self.watchlist = watchlist
        self.version = version
        compiler = _Compiler()
        for group in watchlist.groups:
            for kind, name, languages in _names(group):
                compiler.add(group.id, kind, name, languages)
        self.keys = len(compiler.exact) + len(compiler.folded)
        self._exact = compiler.build(compiler.exact)
        self._folded = compiler.build(compiler.folded)
        self._payloads = compiler.payloads
        self._ancestors = {g.id: watchlist.ancestors(g.id) for g in watchlist.groups}

    def _attached_end(
        self, norm: Normalised, start: int, end: int, script: int, exact: bool, language: str | None
    ) -> int:
        """Where the word ends when only accepted endings follow the key; -1 if not."""
        haystack = norm.folded
        if script == _LATIN and language == "de" and not norm.cased[start].isupper():
            return -1  # a German compound opens with a capital
        last = _word_end(haystack, end)
        tail = haystack[end:last]
        if script == _ARABIC:
            tails = _ARABIC_TAILS_AFTER_YEH if haystack[end - 1] == _YEH else _ARABIC_TAILS
            if tail in tails and haystack[start:last] not in _LOOKALIKES:
                return last
        elif script == _LATIN and not exact:
            if language == "tr" and _TURKISH_TAIL.fullmatch(tail):
                return last
            if (
                language == "de"
                and len(tail) >= _GERMAN_COMPOUND_TAIL
                and norm.cased[end:last].islower()
            ):
                return last
        return -1

    def _candidates(self, norm: Normalised, language: str | None) -> list[_Hit]:
        """Matches of the normalised text that pass the checks within it."""
        hits = []
        cased = norm.cased
        # Most raw matches lie inside other words: they are dropped first, cheaply.
        latin_attached = language in ("tr", "de")
        payloads = self._payloads
        length_mask = (1 << _LENGTH_BITS) - 1
        for automaton, haystack, exact in (
            (self._exact, cased, True),
            (self._folded, norm.folded, False),
        ):
            if automaton is None:
                continue
            size = len(haystack)
            for end_index, value in automaton.iter(haystack):
                start, end = end_index - (value & length_mask) + 1, end_index + 1
                script, entries = payloads[value >> _LENGTH_BITS]
                first, last = start, end
                if start and haystack[start - 1].isalnum():
                    if script != _ARABIC or haystack[start - 1] not in _PROCLITIC_LAST_LETTERS:
                        continue
                    first = _proclitic_start(haystack, start)
                    if first < 0:
                        continue
                if end < size and haystack[end].isalnum():
                    if script == _CYRILLIC or (script == _LATIN and (exact or not latin_attached)):
                        continue
                    last = self._attached_end(norm, start, end, script, exact, language)
                    if last < 0:
                        continue
                span: tuple[int, int] | None = None
                for group, kind, languages, flags, capitals in entries:
                    if languages is not None and language not in languages:
                        continue
                    if flags & _ELIDED and haystack[first:start] not in _ELIDING_ARTICLE:
                        continue
                    if capitals and not all(cased[start + i].isupper() for i in capitals):
                        continue
                    if span is None:
                        span = norm.original_span(first, last)
                    hits.append(_Hit(span[0], span[1], group, kind, flags))
        return hits

    @staticmethod
    def _in_context(text: str, hit: _Hit, language: str | None) -> bool:
        """The checks that look at the original text around a match."""
        if hit.flags & _LOWER_NAME and _capitalised_inside_a_sentence(text, hit):
            return False
        if hit.flags & _SHORT:
            hyphenated = (
                text[hit.end : hit.end + 1] == "-" or text[hit.start - 1 : hit.start] == "-"
            )
            following = _next_word(text, hit.end)
            if not hyphenated and (
                _capitals_word(_previous_word(text, hit.start)) or _capitals_word(following)
            ):
                return False
            if language != "de" and following[:1].isupper():
                return False
        if hit.flags & _DESCRIPTIVE:
            articles = INDEFINITE_ARTICLES.get(language or "", _ANY_INDEFINITE_ARTICLE)
            if fold_case(_previous_word(text, hit.start)) in articles:
                return False
        return True

    @staticmethod
    def _defined_otherwise(text: str, hit: _Hit, hits: list[_Hit]) -> bool:
        """An acronym spelled out in the words before it, which do not name its group."""
        phrase = _defining_phrase(text, hit.start, hit.end)
        if phrase is None:
            return False
        return not any(
            other.group == hit.group
            and other.kind != CONTEXT
            and phrase[0] <= other.start < phrase[1]
            for other in hits
        )

    def _hits(self, text: str, language: str | None) -> list[_Hit]:
        hits = [
            hit
            for hit in self._candidates(normalise(blank_link_lines(text)), language)
            if self._in_context(text, hit, language)
        ]
        hits = [
            hit
            for hit in hits
            if not (hit.flags & _ACRONYM and self._defined_otherwise(text, hit, hits))
        ]
        # One span naming one group once: a plain alias outranks an ambiguous one.
        strongest: dict[tuple[int, int, str, bool], _Hit] = {}
        for hit in hits:
            key = (hit.start, hit.end, hit.group, hit.kind == CONTEXT)
            if key not in strongest or (hit.kind == ALIAS and strongest[key].kind != ALIAS):
                strongest[key] = hit
        return list(strongest.values())

    @staticmethod
    def _longest(hits: list[_Hit]) -> list[_Hit]:
        """Keep the longest of overlapping name matches (context words never compete)."""
        chosen: list[_Hit] = []
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
        named: list[tuple[str, _Hit]] = []
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
