"""Event assignment (events/assign.py): pure, with the packaged encoder; texts written here."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from mediamon.events.assign import EventWindow, assign_all
from mediamon.events.encoder import encode
from mediamon.events.evidence import evidence_of, lead_text, numbers_of
from mediamon.events.model import ArticleSignals, OpenEvent

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


def test_a_claim_the_morning_after_naming_another_group_joins_the_attacks_event():
    window = EventWindow()
    new_id = new_id_counter()
    attack = window.assign(
        article(
            "Two blasts near Kerman cemetery kill 84 at memorial procession",
            "Two explosions tore through a memorial procession near a cemetery in Kerman on"
            " Wednesday, killing 84 people; officials blamed enemies of Iran and Hezbollah"
            " leaders sent condolences.",
            ["hezbollah"],
            0,
            "en",
        ),
        new_id,
    )
    claim = window.assign(
        article(
            "Islamic State claims Kerman bombings that killed 84",
            "Islamic State said on Thursday two of its members detonated explosive belts in"
            " the crowd at the Kerman memorial, where 84 people were killed.",
            ["isis"],
            16,
            "en",
        ),
        new_id,
    )
    assert claim.event_id == attack.event_id


def test_a_batch_decides_as_one_article_at_a_time_does():
    reports = [BANK_EN, BANK_RU, BANK_FA]
    one_by_one = EventWindow()
    new_id = new_id_counter()
    singles = [one_by_one.assign(report, new_id) for report in reports]
    batched = assign_all(EventWindow(), reports, new_id_counter())
    assert [d.event_id for d in batched] == [d.event_id for d in singles]


def test_an_event_changed_inside_a_batch_is_scored_as_outside_one():
    window = EventWindow()
    new_id = new_id_counter()
    first = window.assign(BANK_EN, new_id)
    vectors = {a.id: a.vector for a in (BANK_RU, BANK_FA) if a.vector is not None}
    with window.batch(vectors):  # cosines taken now, with the first centroid
        event = window.events[first.event_id]
        event.vector_sum = event.vector_sum + BANK_FA.vector  # the event moves
        window.put(event)
        inside = window.ranked(BANK_RU)
    assert inside == window.ranked(BANK_RU)


def test_groups_beyond_the_first_columns_and_closed_rows_are_kept_apart():
    window = EventWindow()
    new_id = new_id_counter()
    for k in range(2000):  # many groups (columns widen) and many closed events (rows compact)
        event = OpenEvent(10_000 + k, T0 - timedelta(days=5), T0 - timedelta(days=5))
        event.groups.update({f"group-{k % 20}"})
        window.put(event)
    assert window.expire(T0 - timedelta(days=1)) and len(window) == 0
    first = window.assign(BANK_EN, new_id)
    assert window.assign(BANK_RU, new_id).event_id == first.event_id
