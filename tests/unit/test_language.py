"""Language identification: from the text, with the page's declarations as evidence.

The short sentences are written for these tests (news register, one fact each); the
articles are the demo newsroom's own (mediamon.demo.sources).
"""

from __future__ import annotations

import threading
import time

import pytest

from mediamon.demo.sources import SourceArticle, load_articles
from mediamon.extract import language
from mediamon.extract.language import (
    EXPECTED_LANGUAGES,
    identify_language,
    normalise_language_tag,
)

DEMO_ARTICLES = load_articles()
DEMO_LANGUAGES = {"en", "ru", "uk", "ar", "fa", "ps", "ur", "fr", "de", "es", "tr"}
# What a page declares: rightly, not at all, or "en" from a template (on every page).
DECLARATIONS = {
    "declared_rightly": lambda article: (article.language, f"{article.language}_XX"),
    "not_declared": lambda article: (),
    "declared_en_by_template": lambda article: ("en", None),
}


def _body(article: SourceArticle) -> str:
    return "\n\n".join(article.paragraphs)


def _first(language_code: str) -> SourceArticle:
    return next(article for article in DEMO_ARTICLES if article.language == language_code)


def _ids(rows: list[tuple[str, str]]) -> list[str]:
    """Test ids: the language and the sentence's number ("ru-1")."""
    return [f"{code}-{number}" for number, (code, _) in enumerate(rows, 1)]


RUSSIAN_AND_UKRAINIAN = [
    ("ru", "Вчера вечером в центре города полиция задержала двух подозреваемых в подготовке взрыва."),
    ("uk", "Учора ввечері в центрі міста поліція затримала двох підозрюваних у підготовці вибуху."),
    ("ru", "Министр иностранных дел заявил, что переговоры продолжатся на следующей неделе."),
    ("uk", "Міністр закордонних справ заявив, що переговори триватимуть наступного тижня."),
    ("ru", "По словам очевидцев, пожар начался около полуночи и был потушен только к утру."),
    ("uk", "За словами очевидців, пожежа почалася близько опівночі й була загашена лише вранці."),
]  # fmt: skip
ARABIC_SCRIPT = [
    ("ar", "أعلنت الشرطة أنها اعتقلت مساء أمس شخصين يشتبه في تخطيطهما لتفجير في وسط المدينة."),
    ("ar", "قال وزير الخارجية إن المفاوضات ستستأنف الأسبوع المقبل في العاصمة."),
    ("fa", "پلیس شامگاه دیروز دو نفر را که گمان می‌رود در حال آماده‌سازی یک انفجار بودند در مرکز شهر بازداشت کرد."),
    ("fa", "وزیر امور خارجه گفت که گفت‌وگوها هفته آینده ادامه خواهد یافت."),
    # Dari (Afghan Persian): "fa" too.
    ("fa", "قوماندان امنیه ولایت گفت که دو تن از مظنونین دیشب در شهر بازداشت شدند."),
    ("ps", "پولیسو پرون ماښام د ښار په مرکز کې دوه کسان ونیول چې د چاودنې د تیارۍ شک پرې کېده."),
    ("ps", "د بهرنیو چارو وزیر وویل چې خبرې اترې به راتلونکې اونۍ ته دوام ومومي."),
    ("ur", "پولیس نے کل شام شہر کے مرکز سے دو ایسے افراد کو گرفتار کیا جن پر دھماکے کی تیاری کا شبہ ہے۔"),
    ("ur", "وزیر خارجہ نے کہا کہ مذاکرات اگلے ہفتے جاری رہیں گے۔"),
]  # fmt: skip
OTHER_LANGUAGES = [
    ("bg", "Вчера вечерта полицията задържа двама души, заподозрени в подготовка на взрив в центъра на града."),
    ("be", "Учора ўвечары ў цэнтры горада паліцыя затрымала двух падазраваных у падрыхтоўцы выбуху."),
    ("sr", "Полиција је синоћ у центру града ухапсила двојицу осумњичених за припрему експлозије."),
    ("tg", "Шаби гузашта пулис дар маркази шаҳр ду нафарро, ки дар омодасозии таркиш гумонбар мешаванд, боздошт кард."),
    ("kk", "Кеше кешке полиция қала орталығында жарылысқа дайындалды деп күдіктелген екі адамды ұстады."),
    ("ca", "Ahir a la nit la policia va detenir dues persones sospitoses de preparar una explosió al centre de la ciutat."),
    ("sv", "I går kväll grep polisen två personer som misstänks ha förberett en explosion i centrala staden."),
    ("he", "אמש עצרה המשטרה במרכז העיר שני חשודים בתכנון פיצוץ."),
]  # fmt: skip
# Valid Russian and valid Ukrainian alike: names and words the two languages share.
RU_OR_UK = "Кабул, банк, атака, президент, талибан"


def test_the_demo_articles_cover_the_eleven_languages():
    assert {article.language for article in DEMO_ARTICLES} == DEMO_LANGUAGES
    assert DEMO_LANGUAGES <= EXPECTED_LANGUAGES


@pytest.mark.parametrize("declare", DECLARATIONS.values(), ids=DECLARATIONS.keys())
@pytest.mark.parametrize("article", DEMO_ARTICLES, ids=lambda article: article.id)
def test_each_demo_article_is_identified_whatever_its_page_declares(article, declare):
    guess = identify_language(_body(article), article.title, declare(article))

    assert guess.language == article.language, guess.reason


@pytest.mark.parametrize(
    ("expected", "sentence"), RUSSIAN_AND_UKRAINIAN, ids=_ids(RUSSIAN_AND_UKRAINIAN)
)
def test_russian_and_ukrainian_sentences_are_told_apart(expected, sentence):
    assert identify_language(sentence).language == expected


@pytest.mark.parametrize(("expected", "sentence"), ARABIC_SCRIPT, ids=_ids(ARABIC_SCRIPT))
def test_arabic_persian_pashto_and_urdu_sentences_are_told_apart(expected, sentence):
    assert identify_language(sentence).language == expected


@pytest.mark.parametrize(
    "text", ["", "   \n ", "Кабул", "ISIS-K", "14 killed, 31 wounded", "2026-11-03 08:10 — 14/31"]
)
def test_a_text_too_short_is_undetermined(text):
    guess = identify_language(text)

    assert (guess.language, guess.confidence) == ("und", 0.0)
    assert guess.reason.startswith("und: too short")


def test_a_text_too_short_stays_undetermined_whatever_the_page_declares():
    guess = identify_language("Взрыв в Кабуле", declared=["ru"])

    assert guess.language == "und"
    assert guess.declared == "ru"


def test_a_text_half_in_one_language_half_in_another_is_undetermined_as_mixed():
    text = _body(_first("ru"))[:600] + "\n\n" + _body(_first("en"))[:600]

    guess = identify_language(text)

    assert guess.language == "und"
    assert guess.reason.startswith("und: mixed (")
    assert "ru 0." in guess.reason and "en 0." in guess.reason


def test_a_foreign_paragraph_quoted_in_an_article_does_not_make_it_mixed():
    article = _first("de")
    text = _body(article) + "\n\n" + _first("en").paragraphs[0]

    assert identify_language(text, article.title).language == "de"


def test_a_page_wrongly_declaring_english_does_not_outweigh_clear_text():
    guess = identify_language(RUSSIAN_AND_UKRAINIAN[0][1], declared=["en"])

    assert guess.language == "ru"
    assert guess.reason == "text, page declares en"


def test_a_page_agreeing_with_the_text_is_reported():
    guess = identify_language(RUSSIAN_AND_UKRAINIAN[1][1], declared=["uk", "uk_UA", None])

    assert (guess.language, guess.reason, guess.declared) == ("uk", "text, page agrees", "uk")


def test_a_short_text_shared_by_two_languages_is_undetermined_without_a_declaration():
    guess = identify_language(RU_OR_UK)

    assert guess.language == "und"
    assert guess.reason.startswith("und: uncertain (")


@pytest.mark.parametrize(("declared", "other"), [("ru", "uk"), ("uk", "ru")])
def test_the_page_declaration_breaks_a_tie_on_a_short_ambiguous_text(declared, other):
    guess = identify_language(RU_OR_UK, declared=[declared])

    assert guess.language == declared
    assert guess.reason.startswith(f"page breaks a tie with {other}")


def test_declarations_that_disagree_declare_nothing():
    guess = identify_language(RUSSIAN_AND_UKRAINIAN[0][1], declared=["en", "ru_RU"])

    assert (guess.language, guess.reason, guess.declared) == ("ru", "text", None)


@pytest.mark.parametrize(("code", "sentence"), OTHER_LANGUAGES, ids=_ids(OTHER_LANGUAGES))
def test_a_text_in_a_language_we_do_not_expect_is_undetermined_as_other(code, sentence):
    guess = identify_language(sentence)

    assert (guess.language, guess.reason) == ("und", f"und: other language ({code})")


def test_a_title_alone_is_enough():
    guess = identify_language(
        "", title="Четверо осуждены пожизненно за нападение на концертный зал"
    )

    assert guess.language == "ru"


def test_links_and_addresses_are_not_read_as_language():
    guess = identify_language("https://example.com/world/news/kabul-bank-attack info@example.com")

    assert guess.reason.startswith("und: too short")


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fa-AF", "fa"),
        ("uk_UA", "uk"),
        ("prs", "fa"),
        ("en-GB", "en"),
        ("EN-us", "en"),
        (" ru ", "ru"),
        ("zh-Hant-TW", "zh"),
        ("pbt", "ps"),
        ("urd", "ur"),
        ("ar_AR", "ar"),
        ("ru-RU, ru", "ru"),
        ("iw", "he"),
        ("de, en", None),
        ("x-default", None),
        ("und", None),
        ("mul", None),
        ("english", None),
        ("12", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_language_tag(tag, expected):
    assert normalise_language_tag(tag) == expected


def test_a_huge_text_costs_no_more_than_a_few_windows():
    article = _first("ar")
    huge = _body(article) * 10_000  # about 20 million characters
    identify_language(_body(article))  # the model is loaded before the clock starts

    started = time.process_time()
    guess = identify_language(huge, article.title * 1000)
    cpu_s = time.process_time() - started

    assert guess.language == "ar"
    assert cpu_s < 0.05


def test_the_model_is_loaded_once_for_all_threads(monkeypatch):
    from py3langid.langid import LanguageIdentifier

    model = language._language_model()
    loads = []

    def slow_load(*args: object, **kwargs: object) -> LanguageIdentifier:
        loads.append(args)
        time.sleep(0.05)  # long enough for every thread to ask for it meanwhile
        return model

    monkeypatch.setattr(language, "_model", None)
    monkeypatch.setattr(LanguageIdentifier, "from_model_file", slow_load)
    guesses = []
    threads = [
        threading.Thread(target=lambda: guesses.append(identify_language(ARABIC_SCRIPT[0][1])))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loads) == 1
    assert [guess.language for guess in guesses] == ["ar"] * 8
