"""Very frequent words, per language: an alias made only of these tags nearly every article.

Aliases match in any case unless written in capitals, and acronyms match in capitals
only; either way "state", "IS" or "The Base" occur in almost every story. The lists are
short on purpose (the most frequent words of each language, not a dictionary): they warn
when a watchlist is loaded, and tell the matcher which words of a name are ordinary ones
("État" of "État islamique": "un État islamique" describes, it does not name) and which
words to skip when the letters of an acronym are spelled out ("Impuesto sobre Sociedades
(IS)").
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    """The words of a whitespace-separated list (kept as prose: easier to read and edit)."""
    return frozenset(text.split())


ENGLISH = _words(
    """
    a about above after again against all also am an and another any are around as at
    away back be because been before being below between both but by came can come could
    day did do does doing done down during each even every few first for found from
    further get give go going good got great had has have having he her here hers herself
    him himself his home how i if in into is it its itself just know last life like little
    long look made make man many may me men might more most much must my myself never new
    next no nor not now of off old on once one only or other our ours ourselves out over
    own part people place right said same say says see she should show since so some state
    states still such take than that the their theirs them themselves then there these they
    thing think this those three through time to too two under until up upon us use used
    very want war was way we well went were what when where which while who whom why will
    with work world would year years yes yet you your yours yourself yourselves
    army city country government group leader minister national news official officials
    party police president public report today week
    """
)

FRENCH = _words(
    """
    à au aux avec ce ces cette dans de des du elle en est et être il ils je la le les leur
    lui mais me même ne nous on ou où par pas plus pour qu que qui sa se ses son sur ta te
    tout tous un une vous y été fait comme bien aussi deux état
    """
)

GERMAN = _words(
    """
    aber als am an auch auf aus bei bin bis das dass dem den der des die dies doch du durch
    ein eine einem einen einer es für hat ich ihr im in ist ja kein mit nach nicht noch nur
    oder sich sie sind so über um und uns von vor war was wie wir wird zu zum zur staat
    """
)

SPANISH = _words(
    """
    a al como con de del el ella en es esta este estado fue ha hay la las le lo los más me
    mi no nos o para pero por que se sea ser si sin sobre su sus también un una uno y ya
    """
)

TURKISH = _words(
    """
    ve bir bu da de için ile o çok daha gibi en ama olarak ne var sonra kadar her ise
    """
)

COMMON_WORDS: dict[str, frozenset[str]] = {
    "en": ENGLISH,
    "fr": FRENCH,
    "de": GERMAN,
    "es": SPANISH,
    "tr": TURKISH,
}

# Before a name, these make it a description ("d'un État islamique": an Islamic state).
INDEFINITE_ARTICLES: dict[str, frozenset[str]] = {
    "en": frozenset({"a", "an"}),
    "fr": frozenset({"un", "une"}),
    "es": frozenset({"un", "una"}),
    "de": frozenset({"ein", "eine", "einen", "einem", "einer", "eines"}),
    "tr": frozenset({"bir"}),
}

# Arabic-script words shaped like a name plus a suffix the matcher accepts (حماس + ی, the
# nisba of داعشی) that are other words: Persian حماسی "epic", Arabic حماسي "enthusiastic".
# Written here in any spelling; the matcher compares them normalised.
ARABIC_SCRIPT_LOOKALIKES = _words(
    """
    حماسي حماسی حماسية حماسيه حماسیه حماسيون حماسيين
    """
)
_WORD = re.compile(r"\w+")


def common_word_languages(alias: str) -> list[str]:
    """The languages in which every word of `alias` is a very frequent word ([] if none)."""
    words = _WORD.findall(alias.casefold())
    if not words:
        return []
    return [language for language, common in COMMON_WORDS.items() if set(words) <= common]
