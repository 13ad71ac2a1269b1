"""Checks on the original text around a match: a lower-case Cyrillic name capitalised
inside a sentence, a short acronym that is a word of a phrase in capitals or opens another
name, a descriptive name after an indefinite article, and an acronym defined in
parentheses as something else."""

from __future__ import annotations

import re

from mediamon.tagging.automaton import (
    CONTEXT,
    DESCRIPTIVE,
    LOWER_NAME,
    ORDINARY_WORDS,
    SHORT,
    Hit,
)
from mediamon.tagging.common_words import INDEFINITE_ARTICLES
from mediamon.tagging.normalise import fold_case, normalise_name

_ANY_INDEFINITE_ARTICLE = frozenset().union(*INDEFINITE_ARTICLES.values())
_SENTENCE_END = set(".!?…:;—–-•|")
_OPENING = set(" \t\u00a0«„“\"'‘‚‹([")
_WORD = re.compile(r"\w+")


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


def _capitalised_inside_a_sentence(text: str, hit: Hit) -> bool:
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
        if token.islower() and (len(token) <= 1 or fold_case(token) in ORDINARY_WORDS):
            continue  # function words are not spelled out
        initials.append(fold_case(normalise_name(token))[:1])
        phrase_start = word.start()
        if len(initials) == len(letters):
            break
    if initials[::-1] == letters:
        return phrase_start, opening
    return None


def in_context(text: str, hit: Hit, language: str | None) -> bool:
    """The checks that look at the original text around a match."""
    if hit.flags & LOWER_NAME and _capitalised_inside_a_sentence(text, hit):
        return False
    if hit.flags & SHORT:
        hyphenated = text[hit.end : hit.end + 1] == "-" or text[hit.start - 1 : hit.start] == "-"
        following = _next_word(text, hit.end)
        if not hyphenated and (
            _capitals_word(_previous_word(text, hit.start)) or _capitals_word(following)
        ):
            return False
        if language != "de" and following[:1].isupper():
            return False
    if hit.flags & DESCRIPTIVE:
        articles = INDEFINITE_ARTICLES.get(language or "", _ANY_INDEFINITE_ARTICLE)
        if fold_case(_previous_word(text, hit.start)) in articles:
            return False
    return True


def defined_otherwise(text: str, hit: Hit, hits: list[Hit]) -> bool:
    """An acronym spelled out in the words before it, which do not name its group."""
    phrase = _defining_phrase(text, hit.start, hit.end)
    if phrase is None:
        return False
    return not any(
        other.group == hit.group and other.kind != CONTEXT and phrase[0] <= other.start < phrase[1]
        for other in hits
    )
