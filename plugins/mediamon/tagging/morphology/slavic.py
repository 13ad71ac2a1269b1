"""Russian and Ukrainian forms of Cyrillic names.

The words that agree (adjectives and their head noun: "Исламское государство", "Рабочая
партия Курдистана") in every case and number, the rest as written ("Курдистана", "Хорасан").
pymorphy3 with the OpenCorpora and VESUM dictionaries inflects the words it knows, and a
word it does not know when its guess makes the word a likely nominative (вагнеровцы);
other unknown words (most foreign names: "Хезболла", Ukrainian "Вілаят") decline by the
pattern of their ending. A form of a single-word name that is also a common word of
another lemma is dropped (судов of Суд: ships). An acronym keeps its capitals and takes
the lower-case endings glued to it (ИГИЛа, ІДІЛом).
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from typing import Any

from mediamon.tagging.normalise import is_cyrillic

_UKRAINIAN_ONLY = set("іїєґІЇЄҐ")
_RUSSIAN_ONLY = set("ыэъёЫЭЪЁ")
_PROPER = {"Name", "Surn", "Patr", "Geox", "Orgn", "Trad", "Abbr", "Init"}
_COMMON_POS = {"NOUN", "ADJF", "VERB", "INFN", "ADVB", "PRTF"}
_CONSONANTS = set("бвгджзйклмнпрстфхцчшщ")
_SIBILANTS = set("жшчщц")
# Endings of a noun the dictionary does not know, by its last letter (base form excluded);
# after a sibilant the soft variants replace some of a consonant's (ем for ом, и for ы).
_FALLBACK_ENDINGS = {
    "ru": {
        "consonant": ["а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах"],
        "sibilant": ["а", "у", "ом", "ем", "е", "и", "ов", "ев", "ей", "ам", "ами", "ах"],
        "а": ["ы", "и", "е", "у", "ой", "ою", "ам", "ами", "ах"],
        "я": ["и", "е", "ю", "ей", "ею", "ям", "ями", "ях"],
        "ь": ["я", "ю", "ем", "е", "и", "ей", "ям", "ями", "ях"],
        "й": ["я", "ю", "ем", "е", "и", "ев", "ям", "ями", "ях"],
        "ы": ["ов", "ев", "ам", "ами", "ах"],
    },
    "uk": {
        "consonant": ["а", "у", "ові", "ом", "і", "е", "и", "ів", "ам", "ами", "ах"],
        "sibilant": ["а", "у", "еві", "ові", "ем", "ом", "і", "е", "ів", "ам", "ами", "ах"],
        "а": ["и", "і", "у", "ою", "ею", "о", "ам", "ами", "ах"],
        "я": ["і", "ю", "ею", "ям", "ями", "ях"],
        "ь": ["я", "ю", "ем", "і", "ів", "ям", "ями", "ях"],
        "й": ["я", "ю", "єм", "ї", "їв", "ям", "ями", "ях"],
        "и": ["ів", "ам", "ами", "ах"],
    },
}
_LIKELY_GUESS = 0.3  # the least score of a parse trusted for a word's paradigm
_ACRONYM_ENDINGS = ("а", "у", "ом", "е", "ы", "ов", "і", "ові", "и", "ів")


@cache
def _analyzer(language: str) -> Any:
    """pymorphy3's analyzer, loaded on first use (only when a watchlist compiles)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=language)


def _is_acronym_word(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _fixed_word(word: str) -> bool:
    """Not inflected: acronyms, numbers, Latin or punctuation among Cyrillic words."""
    return (
        _is_acronym_word(word)
        or any(c.isdigit() for c in word)
        or not is_cyrillic(word)
        or any(part and _is_acronym_word(part) for part in word.split("-"))
    )


def _with_case_of(model: str, form: str) -> str:
    """`form` (lower case) capitalised as `model` is, hyphenated parts one by one."""
    if form == model.lower():
        return model
    model_parts, form_parts = model.split("-"), form.split("-")
    if len(model_parts) != len(form_parts):
        model_parts, form_parts = [model], [form]
    return "-".join(
        f[:1].upper() + f[1:] if m[:1].isupper() else f
        for m, f in zip(model_parts, form_parts, strict=True)
    )


def _fallback_forms(word: str, languages: list[str]) -> dict[tuple[str, str], set[str]]:
    """Forms of a noun unknown to the dictionary, by the pattern of its ending."""
    lower = word.lower()
    last = lower[-1]
    found = {lower}
    for language in languages:
        endings = _FALLBACK_ENDINGS[language]
        if last in _CONSONANTS and last != "й":
            stem, pattern = lower, "sibilant" if last in _SIBILANTS else "consonant"
        elif last in endings:
            stem, pattern = lower[:-1], last
        else:  # -о, -е, -у ...: foreign words that do not decline
            continue
        found |= {stem + ending for ending in endings[pattern]}
    return {("any", "any"): found}


def _case(tag: Any) -> str | None:
    if tag.case:
        return str(tag.case)
    # VESUM (Ukrainian) leaves the case off some nominative singular nouns.
    return "nomn" if tag.POS == "NOUN" and not tag.number else None


def _number(tag: Any) -> str:
    return str(tag.number or "sing")


def _from_dictionary(parse: Any) -> bool:
    return type(parse.methods_stack[0][0]).__name__ == "DictionaryAnalyzer"


def _nominative_parse(word: str, morph: Any, adjective_wanted: bool) -> Any | None:
    """The parse of `word` as a nominative noun or adjective (a guess from its ending only
    when the guess is a likely one)."""
    candidates = [
        p
        for p in morph.parse(word)
        if _case(p.tag) == "nomn"
        and p.tag.POS in ("NOUN", "ADJF", "PRTF")
        and (_from_dictionary(p) or p.score >= _LIKELY_GUESS)
    ]
    if not candidates:
        return None
    for parse in candidates:
        if (parse.tag.POS != "NOUN") == adjective_wanted:
            return parse
    return candidates[0]


def _lexeme_forms(parse: Any, keep_number: bool) -> dict[tuple[str, str], set[str]]:
    forms: dict[tuple[str, str], set[str]] = {}
    number = _number(parse.tag)
    for form in parse.lexeme:
        case = _case(form.tag)
        if case is None or (keep_number and _number(form.tag) != number):
            continue
        forms.setdefault((case, _number(form.tag)), set()).add(form.word)
    return forms


def _adjective_forms(parse: Any, case: str, number: str, head: Any) -> set[str]:
    gender = head.tag.gender if head is not None else None
    animacy = head.tag.animacy if head is not None else None
    found = set()
    for form in parse.lexeme:
        tag = form.tag
        if _case(tag) != case or _number(tag) != number:
            continue
        if number == "sing" and gender and tag.gender and str(tag.gender) != str(gender):
            continue
        if animacy and tag.animacy and str(tag.animacy) != str(animacy):
            continue
        found.add(form.word)
    return found


def _collides(form: str, lemma: str, morph: Any) -> bool:
    """`form` reads more likely as a common word of another lemma (судов: of судно, ships,
    rather than of суд) than as the name's: a form to leave out."""
    if not morph.word_is_known(form):
        return False
    own = 0.0
    others: dict[str, float] = {}
    for parse in morph.parse(form):
        if parse.normal_form == lemma:
            own += parse.score
        elif parse.tag.POS in _COMMON_POS and not _PROPER & set(parse.tag.grammemes):
            others[parse.normal_form] = others.get(parse.normal_form, 0.0) + parse.score
    return max(others.values(), default=0.0) > own


def _slavic_phrases(
    words: list[str], language: str | None, fallback_languages: list[str]
) -> set[tuple[str, ...]]:
    """Every form of the agreeing words at the start of `words` (lower case), by the
    dictionary of `language` (None: by the endings of `fallback_languages` only)."""
    morph = _analyzer(language) if language else None
    adjectives: list[Any] = []
    head: Any | None = None
    head_forms: dict[tuple[str, str], set[str]] | None = None
    head_index = -1
    for index, word in enumerate(words):
        if _fixed_word(word):
            break
        is_last = index == len(words) - 1
        parse = _nominative_parse(word, morph, adjective_wanted=not is_last) if morph else None
        if parse is not None and parse.tag.POS != "NOUN" and not is_last:
            adjectives.append(parse)
            continue
        head_index = index
        if parse is not None:
            head = parse if parse.tag.POS == "NOUN" else None
            head_forms = _lexeme_forms(parse, keep_number=len(words) > 1)
            if len(words) == 1:  # a single word: drop forms that are other common words
                lemma = parse.normal_form
                head_forms = {
                    key: {f for f in forms if f == word.lower() or not _collides(f, lemma, morph)}
                    for key, forms in head_forms.items()
                }
        elif not adjectives:
            head_forms = _fallback_forms(word, fallback_languages)
        break
    if head_forms is None:  # nothing declines (adjectives without their noun included)
        return {tuple(w.lower() for w in words)}
    rest = tuple(w.lower() for w in words[head_index + 1 :])
    phrases = {tuple(w.lower() for w in words)}
    for (case, number), nouns in head_forms.items():
        if adjectives and case == "any":
            continue
        adjective_sets = [_adjective_forms(a, case, number, head) for a in adjectives]
        if not all(adjective_sets):
            continue
        for combination in itertools.product(*adjective_sets, sorted(nouns)):
            phrases.add((*combination, *rest))
    return phrases


def _known(words: list[str], language: str) -> int:
    morph = _analyzer(language)
    declined = itertools.takewhile(lambda w: not _fixed_word(w), words)
    return sum(morph.word_is_known(w.lower()) for w in declined)


def slavic_forms(name: str) -> list[str]:
    """Russian/Ukrainian inflected forms of `name`, capitalised as the name is.

    A letter of one language decides it; otherwise the dictionary that knows more of the
    name's words (Russian on a tie, its unknown words declined both ways). A name only
    the Ukrainian dictionary knows is also declined by Russian endings (Хезболла is both
    languages' word)."""
    words = name.split()
    letters = set(name)
    if letters & _UKRAINIAN_ONLY:
        found = _slavic_phrases(words, "uk", ["uk"])
    elif letters & _RUSSIAN_ONLY or _known(words, "ru") >= _known(words, "uk"):
        found = _slavic_phrases(words, "ru", ["ru", "uk"])
    else:
        found = _slavic_phrases(words, "uk", ["uk"]) | _slavic_phrases(words, None, ["ru"])
    forms = {
        " ".join(_with_case_of(m, f) for m, f in zip(words, phrase, strict=True))
        for phrase in found
    }
    forms.discard(name)
    return [name, *sorted(forms)]


def acronym_forms(acronym: str) -> list[str]:
    """A Cyrillic acronym with the case endings written after it (ИГИЛа, ІДІЛом)."""
    last_part = re.split(r"[\s-]", acronym)[-1]
    if len(last_part) < 2 or last_part[-1].lower() not in _CONSONANTS:
        return []
    return [acronym + ending for ending in _ACRONYM_ENDINGS]
