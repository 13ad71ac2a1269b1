"""What may stand attached to a name, checked in the normalised text as the automatons
match: Arabic-script proclitics before it (و ف ب ل ك, the article ال, لل) and nisba,
plural and oblique endings after it, unless the word is a known look-alike; Turkish case
suffixes without an apostrophe; a German closed compound that the name opens."""

from __future__ import annotations

import re

from mediamon.tagging.automaton import ARABIC, LATIN
from mediamon.tagging.common_words import ARABIC_SCRIPT_LOOKALIKES
from mediamon.tagging.normalise import Normalised, fold_case, normalise_name


def _spelled(words: str) -> frozenset[str]:
    """Space-separated words, each in the matcher's spelling."""
    return frozenset(normalise_name(word) for word in words.split())


# Arabic conjunctions, prepositions and the article, as they attach before a word.
_PROCLITICS = _spelled(
    "و ف ب ل ك وب ول وك فب فل فك ال وال فال بال كال وبال وكال فبال فكال لل ولل فلل"
)
PROCLITIC_LAST_LETTERS = frozenset(p[-1] for p in _PROCLITICS)
ELIDING_ARTICLE = _spelled("لل ولل فلل")
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


def proclitic_start(haystack: str, start: int) -> int:
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


def attached_end(
    norm: Normalised, start: int, end: int, script: int, exact: bool, language: str | None
) -> int:
    """Where the word ends when only accepted endings follow the key; -1 if not."""
    haystack = norm.folded
    if script == LATIN and language == "de" and not norm.cased[start].isupper():
        return -1  # a German compound opens with a capital
    last = _word_end(haystack, end)
    tail = haystack[end:last]
    if script == ARABIC:
        tails = _ARABIC_TAILS_AFTER_YEH if haystack[end - 1] == _YEH else _ARABIC_TAILS
        if tail in tails and haystack[start:last] not in _LOOKALIKES:
            return last
    elif script == LATIN and not exact:
        if language == "tr" and _TURKISH_TAIL.fullmatch(tail):
            return last
        if (
            language == "de"
            and len(tail) >= _GERMAN_COMPOUND_TAIL
            and norm.cased[end:last].islower()
        ):
            return last
    return -1
