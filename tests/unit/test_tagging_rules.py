"""Multilingual tagging rules, one behaviour each, on small watchlists written here: names
in their base form, matched in the forms and spellings of their language."""

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mediamon.tagging.matcher import Tagger, language_code
from mediamon.tagging.normalise import normalise
from mediamon.tagging.watchlist import parse_watchlist


def tagger(*groups: dict) -> Tagger:
    return Tagger(parse_watchlist({"groups": list(groups)}))


RUSSIAN = tagger(
    {"id": "isis", "name": "IS", "aliases": ["Исламское государство", "ИГИЛ"]},
    {"id": "pkk", "name": "PKK", "aliases": ["Рабочая партия Курдистана"]},
    {"id": "hezbollah", "name": "Hezbollah", "aliases": ["Хезболла"]},
    {"id": "taliban", "name": "Taliban", "aliases": ["талибы"]},
    {"id": "court", "name": "Court", "aliases": ["Суд"]},
    {"id": "wagner", "name": "Wagner", "aliases": ["ЧВК Вагнер"]},
)
UKRAINIAN = tagger(
    {"id": "isis", "name": "IS", "aliases": ["Ісламська держава", "ІДІЛ"]},
    {"id": "houthis", "name": "Houthis", "aliases": ["хусити"]},
)
ARABIC_SCRIPT = tagger(
    {"id": "isis", "name": "IS", "aliases": ["داعش"]},
    {"id": "houthis", "name": "Houthis", "aliases": ["الحوثي", "انصارالله"]},
    {"id": "hezbollah", "name": "Hezbollah", "aliases": ["حزب الله"]},
    {"id": "al-shabaab", "name": "al-Shabaab", "aliases": ["الشباب"]},
    {"id": "al-qaeda", "name": "al-Qaeda", "aliases": ["القاعده"]},
    {"id": "taliban", "name": "Taliban", "aliases": ["طالبان"]},
    {"id": "hamas", "name": "Hamas", "aliases": ["حماس"]},
    {"id": "pkk", "name": "PKK", "aliases": ["پ‌ک‌ک"]},
)
LATIN = tagger(
    {
        "id": "isis",
        "name": "IS",
        "aliases": ["État islamique", "Islamischer Staat", "Estado Islámico", "IŞİD"],
        "language_aliases": {"de": ["IS"], "fr": ["EI"], "es": ["EI"]},
    },
    {"id": "al-qaeda", "name": "al-Qaeda", "aliases": ["Al-Qaïda", "Al Qaeda"]},
    {"id": "pkk", "name": "PKK", "aliases": ["PKK"]},
    {"id": "hezbollah", "name": "Hezbollah", "aliases": ["Hizbullah"]},
    {"id": "taliban", "name": "Taliban", "aliases": ["Taliban"]},
    {"id": "aqim", "name": "AQIM", "aliases": ["Al-Qaïda au Maghreb islamique", "AQMI"]},
)


def groups(tagger_: Tagger, text: str, language: str | None = None) -> list[str]:
    return tagger_.tag("", text, language=language).groups


# --- Russian and Ukrainian -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Исламское государство заявило о нападении.",
        "ячейка Исламского государства",
        "присягнули Исламскому государству",
        "связь с Исламским государством",
        "об Исламском государстве",
    ],
)
def test_every_word_of_a_russian_name_is_matched_in_every_case(text):
    assert groups(RUSSIAN, text) == ["isis"]


def test_only_the_agreeing_words_of_a_name_decline():
    assert groups(RUSSIAN, "переговоры с Рабочей партией Курдистана") == ["pkk"]
    assert groups(RUSSIAN, "переговоры с Рабочей партией Курдистане") == []


def test_a_foreign_name_unknown_to_the_dictionary_declines_by_its_ending():
    assert groups(RUSSIAN, "переговоры с Хезболлой") == ["hezbollah"]
    assert groups(RUSSIAN, "командир Хезболлы") == ["hezbollah"]


def test_a_russian_acronym_takes_lower_case_endings_only():
    assert groups(RUSSIAN, "связь с ИГИЛом") == ["isis"]
    assert groups(RUSSIAN, "«ИГИЛА» — это опечатка") == []


def test_a_lower_case_name_capitalised_mid_sentence_is_another_name():
    assert groups(RUSSIAN, "Шахматист Эмиль Талибов выиграл турнир.") == []
    assert groups(RUSSIAN, "Представитель талибов подтвердил.") == ["taliban"]
    assert groups(RUSSIAN, "Талибов поддержали соседи.") == ["taliban"]


def test_a_form_that_is_also_another_words_form_is_left_out():
    # судов is the genitive plural of both суд (court) and судно (ship).
    assert groups(RUSSIAN, "в порт зашли три судов") == []
    assert groups(RUSSIAN, "решение Суда вступило в силу") == ["court"]


def test_quotation_marks_between_the_words_of_a_name_are_skipped():
    tags = RUSSIAN.tag("", "Наемники ЧВК «Вагнер» ушли")
    assert tags.groups == ["wagner"]
    assert (tags.mentions[0].offset, tags.mentions[0].text) == (9, "ЧВК «Вагнер")


def test_a_ukrainian_name_declines_by_the_ukrainian_dictionary():
    assert groups(UKRAINIAN, "зв'язок з Ісламською державою") == ["isis"]
    assert groups(UKRAINIAN, "емісари ІДІЛу") == ["isis"]


def test_a_ukrainian_plural_without_ukrainian_letters_declines_as_ukrainian():
    assert groups(UKRAINIAN, "два дрони хуситів") == ["houthis"]


# --- Arabic script --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["وداعش", "بداعش", "فداعش", "لداعش", "كداعش"])
def test_an_arabic_proclitic_may_stand_before_a_name(text):
    assert groups(ARABIC_SCRIPT, text) == ["isis"]


def test_letters_before_a_name_that_are_no_proclitic_make_another_word():
    assert groups(ARABIC_SCRIPT, "مداعش") == []


def test_a_name_whose_article_is_elided_after_li_matches():
    assert groups(ARABIC_SCRIPT, "نُسبت الضربة للحوثيين") == ["houthis"]
    assert groups(ARABIC_SCRIPT, "خصصت البلدية ملعباً للشباب") == ["al-shabaab"]


def test_a_name_without_its_article_needs_the_eliding_preposition():
    assert groups(ARABIC_SCRIPT, "عهد شباب") == []


def test_a_nisba_adjective_matches_without_its_article():
    assert groups(ARABIC_SCRIPT, "طائرة مسيّرة حوثية") == ["houthis"]


@pytest.mark.parametrize("text", ["داعشي", "داعشی‌ها", "داعشیان", "طالبانو", "حوثیوں"])
def test_nisba_plural_and_oblique_endings_may_follow_a_name(text):
    assert len(groups(ARABIC_SCRIPT, text)) == 1


def test_an_ending_that_makes_a_known_other_word_is_no_match():
    assert groups(ARABIC_SCRIPT, "روایتی حماسی از ایستادگی") == []
    assert groups(ARABIC_SCRIPT, "بزرگ‌ترین حماسه زبان فارسی") == []


@pytest.mark.parametrize("text", ["حزب الله", "حزب‌الله", "حزبالله", "انصار الله", "پ ک ک"])
def test_the_words_of_a_name_may_be_joined_by_a_space_a_zwnj_or_nothing(text):
    assert len(groups(ARABIC_SCRIPT, text)) == 1


def test_a_pashto_oblique_replaces_a_final_heh():
    assert groups(ARABIC_SCRIPT, "د القاعدې مشر") == ["al-qaeda"]


@pytest.mark.parametrize(
    "text",
    [
        "تنظيم الدولة القاعدة",
        "الحوثى",
        "الحوثيّ",
        "داعـــش",
        "\ufea9\ufe8d\ufecb\ufeb6",
        "حزب \ufdf2",
    ],
)
def test_arabic_letter_forms_harakat_tatweel_and_presentation_forms_are_one_spelling(text):
    assert len(groups(ARABIC_SCRIPT, text)) == 1


def test_offsets_stay_true_when_characters_are_removed_or_expanded():
    text = "قال تنظيم داعـــش و حزب \ufdf2 ذلك"
    spans = {m.group: (m.offset, m.text) for m in ARABIC_SCRIPT.tag("", text).mentions}
    assert spans["isis"] == (text.index("داعـــش"), "داعـــش")
    assert spans["hezbollah"] == (text.index("حزب"), "حزب \ufdf2")


# --- Latin scripts --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["l'État islamique", "l'Etat islamique", "ÉTAT ISLAMIQUE"])
def test_accents_may_be_present_or_absent(text):
    assert groups(LATIN, text) == ["isis"]


def test_french_elision_before_a_name_is_a_word_boundary():
    assert groups(LATIN, "le numéro deux d\u2019Al-Qaida") == ["al-qaeda"]


def test_a_hyphen_and_a_space_between_words_are_one_spelling():
    assert groups(LATIN, "dice que Al-Qaeda se ha reorganizado") == ["al-qaeda"]


def test_a_capitalised_name_in_lower_case_is_a_description():
    assert groups(LATIN, "la creación de un estado islámico") == []
    assert groups(LATIN, "Ein islamischer Staat war das Ziel") == []


def test_a_name_that_opens_with_an_ordinary_word_after_an_indefinite_article_describes():
    assert groups(LATIN, "l'instauration d'un État islamique en Algérie", "fr") == []
    assert groups(LATIN, "les combattants de l'État islamique", "fr") == ["isis"]


def test_german_adjectives_of_a_name_take_their_endings():
    assert groups(LATIN, "ein Mitglied des Islamischen Staates") == ["isis"]


def test_a_turkish_suffix_after_an_apostrophe_belongs_to_the_name():
    assert groups(LATIN, "PKK'nın silah bırakma süreci") == ["pkk"]


def test_a_turkish_suffix_without_apostrophe_counts_only_in_turkish():
    assert groups(LATIN, "Lübnan Hizbullahı açıkladı", "tr") == ["hezbollah"]
    assert groups(LATIN, "Lübnan Hizbullahı açıkladı", "en") == []


def test_a_turkish_acronym_in_sentence_case_counts_only_in_turkish():
    assert groups(LATIN, "Işid militanları kasabayı kuşattı", "tr") == ["isis"]
    assert groups(LATIN, "Işid militanları kasabayı kuşattı", "de") == []


def test_a_german_closed_compound_counts_only_in_german():
    assert groups(LATIN, "Unter der Talibanherrschaft", "de") == ["taliban"]
    assert groups(LATIN, "Unter der Talibanherrschaft", "fr") == []


def test_a_language_alias_counts_only_in_its_language():
    assert groups(LATIN, "Der IS reklamierte den Anschlag.", "de") == ["isis"]
    assert groups(LATIN, "Le taux normal de l'IS sera maintenu.", "fr") == []
    assert groups(LATIN, "Der IS reklamierte den Anschlag.", None) == []


def test_an_article_language_with_a_region_counts_as_its_language():
    assert groups(LATIN, "Der IS reklamierte den Anschlag.", "de-DE") == ["isis"]
    assert language_code("de_AT") == "de" and language_code("prs") == "fa"


def test_an_acronym_spelled_out_before_it_is_defined_as_something_else():
    assert groups(LATIN, "le statut d'entreprise individuelle (EI) depuis 2022", "fr") == []
    assert groups(LATIN, "Al-Qaïda au Maghreb islamique (AQMI) dans le nord", "fr") == ["aqim"]


def test_a_two_letter_acronym_inside_a_phrase_in_capitals_is_a_word():
    assert groups(LATIN, "mit der Aufschrift „LOVE IS LOVE“", "de") == []
    assert groups(LATIN, "IS-ANHÄNGER IN HAMBURG FESTGENOMMEN", "de") == ["isis"]


def test_a_two_letter_acronym_followed_by_a_capitalised_word_starts_another_name():
    ig = tagger(
        {"id": "isis", "name": "IS", "aliases": ["ИГИЛ"], "language_aliases": {"ru": ["ИГ"]}}
    )
    assert groups(ig, "Концерн «ИГ Фарбениндустри» был распущен.", "ru") == []
    assert groups(ig, "Ячейки ИГ по-прежнему действуют.", "ru") == ["isis"]


def test_an_ambiguous_alias_that_is_a_language_alias_counts_without_context_there():
    hamas = tagger(
        {
            "id": "hamas",
            "name": "Hamas",
            "aliases": ["حركة حماس"],
            "ambiguous": ["حماس"],
            "context": ["غزة"],
            "language_aliases": {"fa": ["حماس"]},
        }
    )
    assert groups(hamas, "حماس پیشنهاد آتش‌بس را پذیرفت.", "fa") == ["hamas"]
    assert groups(hamas, "استقبل الجمهور الفرقة بكل حماس.", "ar") == []
    assert groups(hamas, "قالت حماس إن وفدها سيبحث الوضع في غزة.", "ar") == ["hamas"]


# --- the compiled tagger ------------------------------------------------------------------


def test_normalise_maps_a_span_back_over_removed_and_collapsed_characters():
    text = "a\u200b  b\u0640c"
    normalised = normalise(text)
    assert normalised.cased == "a bc"
    assert normalised.original_span(2, 4) == (4, 7)


def test_a_pickled_tagger_tags_as_the_compiled_one():
    text = "Ячейка Исламского государства и «Хезболлы»."
    restored = pickle.loads(pickle.dumps(RUSSIAN))
    assert restored.tag("", text) == RUSSIAN.tag("", text)


@pytest.mark.parametrize(
    "line",
    [
        "ЧИТАЙТЕ ТАКЖЕ: Хезболла заявила о потерях",
        "RELACIONADO: Hezbollah confirma la muerte",
        "À LIRE AUSSI : le Hezbollah confirme",
        "MEHR ZUM THEMA: Hisbollah bestätigt",
        "İLGİLİ: Hizbullah komutanı öldü",
        "اقرأ أيضا: حزب الله ينعى قائداً",
    ],
)
def test_a_link_line_to_another_story_names_nothing_in_any_language(line):
    hezbollah = tagger(
        {
            "id": "hezbollah",
            "name": "Hezbollah",
            "aliases": ["Hezbollah", "Hisbollah", "Хезболла", "حزب الله", "Hizbullah"],
        }
    )
    text = f"Die Polizei nahm drei Männer fest.\n{line}\nDie Ermittlungen dauern an."
    assert groups(hezbollah, text) == []


MIXED = tagger(
    {"id": "isis", "name": "IS", "aliases": ["داعش", "Исламское государство", "État islamique"]},
    {"id": "hezbollah", "name": "Hezbollah", "aliases": ["حزب الله"]},
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "داعش",
                "حزب",
                "الله",
                "\ufdf2",
                "\u0640",
                "\u064e",
                "\u200c",
                "\u200b",
                " ",
                "  ",
                "\n\n",
                "«",
                "و",
                "Исламского",
                "государства",
                "État",
                "islamique",
                "l'",
                "\u00ad",
                "\ufe8d",
            ]
        ),
        max_size=30,
    )
)
def test_every_mention_is_the_original_text_at_its_offset(pieces):
    text = "".join(pieces)
    for mention in MIXED.tag("", text).mentions:
        assert text[mention.offset : mention.offset + len(mention.text)] == mention.text
        assert mention.text.strip() == mention.text
