"""The default watchlist tags each fixture sentence (tests/fixtures/multilingual/*.yaml) with
exactly the groups it names, in the sentence's language: one behaviour per sentence, grouped
by rule (inflection, prefix, suffix, letter forms, elision, accents, context...)."""

import re
from pathlib import Path

import pytest
import yaml

from mediamon.tagging.matcher import Tagger
from mediamon.tagging.watchlist import load_watchlist

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "multilingual"
TAGGER = Tagger(load_watchlist(ROOT / "config" / "watchlist.yaml"))

# The cases the fixtures document as beyond a context-word rule (notes marked HARD): the
# context word stands in the sentence, only its syntax tells the ordinary word.
UNSOLVABLE = {
    "خرج الطلاب بحماس إلى الشوارع تضامناً مع غزة.": (
        "بحماس is 'with enthusiasm' beside the context word غزة; only syntax tells it from"
        " 'with Hamas'"
    ),
    "يعاني الشباب في الصومال من بطالة مرتفعة.": (
        "الشباب is 'the youth' beside the context word الصومال"
    ),
}


def _slug(note: str) -> str:
    words = re.findall(r"[A-Za-z]+", note)[:6]
    return "-".join(w.lower() for w in words) or "case"


def _sentences(expected_failures: bool) -> list:
    cases = []
    for path in sorted(FIXTURES.glob("*.yaml")):
        fixture = yaml.safe_load(path.read_text(encoding="utf-8"))
        language = fixture["language"]
        for number, sentence in enumerate(fixture["sentences"], 1):
            marks = []
            if expected_failures and sentence["text"] in UNSOLVABLE:
                marks.append(pytest.mark.xfail(strict=True, reason=UNSOLVABLE[sentence["text"]]))
            cases.append(
                pytest.param(
                    language,
                    sentence["text"],
                    sorted(sentence["groups"]),
                    id=f"{language}-{sentence['rule']}-{number:02d}-{_slug(sentence['note'])}",
                    marks=marks,
                )
            )
    return cases


SENTENCES = _sentences(expected_failures=True)


@pytest.mark.parametrize(("language", "text", "groups"), SENTENCES)
def test_a_sentence_is_tagged_with_the_groups_it_names(language, text, groups):
    assert TAGGER.tag("", text, language=language).groups == groups


@pytest.mark.parametrize(("language", "text", "groups"), _sentences(expected_failures=False))
def test_each_mention_is_the_original_text_at_its_offset(language, text, groups):
    for mention in TAGGER.tag("", text, language=language).mentions:
        assert mention.text and mention.text == mention.text.strip()
        assert text[mention.offset : mention.offset + len(mention.text)] == mention.text


def test_every_language_of_the_issue_has_fixture_sentences():
    languages = {case.values[0] for case in SENTENCES}
    assert languages == {"ru", "uk", "ar", "fa", "ps", "ur", "fr", "de", "es", "tr"}


def test_only_documented_unsolvable_sentences_are_expected_to_fail():
    texts = {case.values[1] for case in SENTENCES}
    assert set(UNSOLVABLE) <= texts
    assert len(UNSOLVABLE) <= 5
