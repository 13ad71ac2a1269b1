"""Event assignment (events/assign.py): pure, with the packaged encoder; texts written here."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from mediamon.events.assign import ArticleSignals, EventWindow, OpenEvent
from mediamon.events.encoder import encode
from mediamon.events.evidence import evidence_of, lead_text, numbers_of

T0 = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
_ids = itertools.count(1)


def article(title: str, lead: str, groups: list[str], hours: float, language: str):
    published = T0 + timedelta(hours=hours)
    return ArticleSignals(
        next(_ids),
        encode(lead_text(title, lead)),
        evidence_of(title, lead, groups, published, language),
    )


def new_id_counter():
    counter = itertools.count(1000)
    return lambda: next(counter)


BANK_EN = article(
    "Suicide bomber kills 14 outside Kabul bank",
    "A suicide bomber killed 14 people and wounded 31 outside a bank in Kabul on Tuesday"
    " morning; ISIS-K claimed the attack.",
    ["isis-k", "taliban"],
    0,
    "en",
)
BANK_RU = article(
    "Взрыв у банка в Кабуле: погибли 14 человек",
    "Смертник взорвал себя у банка в Кабуле во вторник утром, погибли 14 человек, 31 ранен;"
    " ответственность взяла ИГИЛ-Хорасан.",
    ["isis-k", "taliban"],
    3,
    "ru",
)
BANK_FA = article(
    "انفجار انتحاری مقابل بانک در کابل ۱۴ کشته برجای گذاشت",
    "یک مهاجم انتحاری صبح سه‌شنبه مقابل بانکی در کابل خود را منفجر کرد و ۱۴ نفر کشته و ۳۱"
    " نفر زخمی شدند؛ داعش خراسان مسئولیت را پذیرفت.",
    ["isis-k", "taliban"],
    5,
    "fa",
)


def test_reports_of_one_event_in_two_languages_join_one_event():
    window = EventWindow()
    new_id = new_id_counter()
    first = window.assign(BANK_EN, new_id)
    second = window.assign(BANK_RU, new_id)
    assert first.opened and not second.opened
    assert second.event_id == first.event_id


def test_a_language_the_encoder_does_not_cover_joins_through_groups_numbers_and_time():
    window = EventWindow()
    new_id = new_id_counter()
    first = window.assign(BANK_EN, new_id)
    persian = window.assign(BANK_FA, new_id)
    assert persian.event_id == first.event_id


def test_numbers_are_read_in_any_script_and_years_left_out():
    assert numbers_of("۱۴ کشته و ۳۱ زخمی") == {14, 31}
    assert numbers_of("the 2021 attack killed 170") == {170}


def test_a_follow_up_days_later_in_the_same_city_opens_a_new_event():
    window = EventWindow()
    new_id = new_id_counter()
    bombing = window.assign(BANK_EN, new_id)
    raid = window.assign(
        article(
            "Taliban raid Kabul hideout of ISIS-K cell behind bank bombing",
            "Taliban intelligence said on Saturday it arrested six men in Kabul it accused of"
            " carrying out the bank bombing.",
            ["isis-k", "taliban"],
            96,
            "en",
        ),
        new_id,
    )
    assert raid.opened and raid.event_id != bombing.event_id


def test_the_window_closes_events_whose_last_report_is_older():
    window = EventWindow()
    new_id = new_id_counter()
    window.assign(BANK_EN, new_id)
    closed = window.expire(T0 + window.weights.window + timedelta(hours=1))
    assert len(closed) == 1 and len(window) == 0


def test_a_report_matching_two_open_events_merges_them_and_says_so():
    window = EventWindow()
    new_id = new_id_counter()
    english = window.assign(BANK_EN, new_id)
    # The same incident opened a second time (as a report scored before the first existed).
    russian = OpenEvent(77, BANK_RU.evidence.published_at, BANK_RU.evidence.published_at)
    russian.add(BANK_RU)
    window.put(russian)
    bridge = window.assign(BANK_FA, new_id)
    assert set(bridge.merged) | {bridge.event_id} == {english.event_id, 77}
    assert len(bridge.merged) == 1 and len(window) == 1


def test_an_article_of_a_copy_cluster_joins_its_clusters_event():
    window = EventWindow()
    new_id = new_id_counter()
    bombing = window.assign(BANK_EN, new_id)
    unrelated = article(
        "Apple announces new laptops", "Apple unveiled new laptops on Tuesday.", [], 2, "en"
    )
    unrelated.cluster_event = bombing.event_id
    assert window.assign(unrelated, new_id).event_id == bombing.event_id
