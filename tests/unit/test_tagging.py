"""Tagging rules, one case each."""

import logging

import pytest

from mediamon.tagging.cache import compiled_tagger
from mediamon.tagging.matcher import Tagger
from mediamon.tagging.watchlist import WatchlistError, empty_watchlist_allowed, parse_watchlist

WATCHLIST = parse_watchlist(
    {
        "groups": [
            {"id": "isis", "name": "Islamic State", "aliases": ["Islamic State", "ISIS", "Daesh"]},
            {
                "id": "isis-k",
                "name": "ISIS-K",
                "parent": "isis",
                "aliases": ["ISIS-K", "Islamic State Khorasan Province"],
            },
            {"id": "taliban", "name": "Taliban", "aliases": ["Taliban"]},
            {"id": "ttp", "name": "TTP", "aliases": ["Pakistani Taliban", "TTP"]},
            {"id": "al-qaeda", "name": "al-Qaeda", "aliases": ["al-Qaeda"]},
            {
                "id": "aqap",
                "name": "AQAP",
                "parent": "al-qaeda",
                "aliases": ["al-Qaeda in the Arabian Peninsula"],
            },
            {"id": "hamas", "name": "Hamas", "aliases": ["Hamas"]},
            {"id": "hezbollah", "name": "Hezbollah", "aliases": ["Hezbollah"]},
            {
                "id": "ira",
                "name": "IRA",
                "aliases": ["New IRA"],
                "ambiguous": ["IRA"],
                "context": ["Belfast", "Northern Ireland"],
            },
        ]
    }
)
TAGGER = Tagger(WATCHLIST, version=1)


def groups(text, title=""):
    return TAGGER.tag(title, text).groups


def test_alias_inside_a_word_is_no_match():
    assert groups("The crisis deepened; Mr Hamasaki spoke.") == []


def test_acronym_matches_only_in_capitals():
    assert groups("Isis, the goddess, was worshipped in Egypt.") == []
    assert groups("ISIS claimed the attack.") == ["isis"]


def test_other_aliases_match_in_any_case():
    assert groups("Fighters loyal to DAESH and daesh alike.") == ["isis"]


def test_curly_apostrophe_possessive_matches():
    assert groups("Hezbollah\u2019s leader spoke.") == ["hezbollah"]


def test_attached_hyphenated_forms_match():
    assert groups("The Taliban-led government and the Hamas\u2011run ministry.") == [
        "hamas",
        "taliban",
    ]


def test_longest_overlapping_name_wins():
    assert groups("The Pakistani Taliban claimed it.") == ["ttp"]
    assert groups("al-Qaeda in the Arabian Peninsula said.") == ["aqap"]


def test_en_dash_in_alias_matches_hyphen_spelling():
    assert groups("ISIS\u2013K fighters") == ["isis-k"]


def test_ambiguous_alias_needs_context():
    assert groups("Put more into your IRA before April.") == []
    assert groups("Police in Belfast blamed the IRA.") == ["ira"]


def test_ambiguous_alias_is_confirmed_by_a_plain_alias():
    assert groups("The New IRA said the IRA would continue.") == ["ira"]


def test_parents_are_added_to_groups_with_ancestors():
    tags = TAGGER.tag("", "ISIS-K claimed the attack.")
    assert tags.groups == ["isis-k"] and tags.groups_with_ancestors == ["isis", "isis-k"]


def test_mentions_record_field_offset_and_snippet():
    tags = TAGGER.tag("Hamas statement", "Yesterday Hamas said")
    title, body = tags.mentions
    assert (title.field, title.offset, title.text) == ("title", 0, "Hamas")
    assert (body.field, body.offset) == ("text", 10)
    assert "Yesterday Hamas said" in body.snippet
    assert tags.counts == {"hamas": 2}


def test_watchlist_with_unknown_parent_is_refused():
    with pytest.raises(WatchlistError, match="unknown parent"):
        parse_watchlist({"groups": [{"id": "a", "name": "A", "parent": "b", "aliases": ["A"]}]})


def test_watchlist_fingerprint_changes_with_content():
    edited = parse_watchlist(
        {"groups": [{"id": "hamas", "name": "Hamas", "aliases": ["Hamas", "HAMAS"]}]}
    )
    assert edited.sha256 != WATCHLIST.sha256


def test_an_alias_that_is_a_common_word_is_accepted_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="mediamon.tagging.watchlist"):
        parse_watchlist(
            {
                "groups": [
                    {"id": "is", "name": "Islamic State", "aliases": ["Islamic State", "IS"]},
                    {"id": "state", "name": "State", "aliases": ["state"]},
                ]
            }
        )
    (warning,) = caplog.records
    assert warning.levelno == logging.WARNING
    assert "2 alias(es) are common words" in warning.getMessage()
    assert "'IS' (group is, en)" in warning.getMessage()
    assert "'state' (group state, en)" in warning.getMessage()


@pytest.mark.parametrize("alias", ["Estado", "der", "Les", "The State"])
def test_common_words_of_other_languages_and_phrases_warn(alias, caplog):
    with caplog.at_level(logging.WARNING, logger="mediamon.tagging.watchlist"):
        parse_watchlist({"groups": [{"id": "g", "name": "G", "aliases": [alias]}]})
    assert "common words" in caplog.text


def test_a_watchlist_of_proper_names_loads_without_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="mediamon.tagging.watchlist"):
        parse_watchlist(WATCHLIST.as_dict())
    assert caplog.records == []


def test_an_empty_watchlist_is_refused():
    with pytest.raises(WatchlistError, match="no groups listed: re-tagging with it would remove"):
        parse_watchlist({"groups": []})


def test_an_empty_watchlist_loads_when_asked_for():
    assert parse_watchlist({"groups": []}, allow_empty=True).groups == ()
    with empty_watchlist_allowed():
        assert parse_watchlist({"groups": []}).groups == ()
    with pytest.raises(WatchlistError):
        parse_watchlist({"groups": []})


def test_an_empty_watchlist_from_the_tagger_cache_is_refused_too(tmp_path):
    path = tmp_path / "empty.yaml"
    path.write_text("groups: []\n")
    with empty_watchlist_allowed():
        assert compiled_tagger(path, tmp_path / "cache").watchlist.groups == ()
    with pytest.raises(WatchlistError, match="no groups listed"):
        compiled_tagger(path, tmp_path / "cache")


def test_an_over_long_group_id_is_refused():
    with pytest.raises(WatchlistError, match="group id longer than 100 characters"):
        parse_watchlist({"groups": [{"id": "g" * 101, "aliases": ["Hamas"]}]})


def test_mixed_case_abbreviations_match_only_as_written():
    tagger = Tagger(
        parse_watchlist(
            {
                "groups": [
                    {"id": "let", "name": "LeT", "aliases": ["LeT"]},
                    {"id": "jem", "name": "JeM", "aliases": ["JeM"]},
                ]
            }
        )
    )
    assert tagger.tag("", "Let them go; let JEM decide.").groups == []
    assert tagger.tag("", "LeT and JeM were blamed.").groups == ["jem", "let"]


def test_language_aliases_are_read_and_kept_in_the_watchlist_content():
    watchlist = parse_watchlist(
        {
            "groups": [
                {
                    "id": "isis",
                    "name": "IS",
                    "aliases": ["ISIS"],
                    "language_aliases": {"fr": ["EI"], "de": ["IS"]},
                }
            ]
        }
    )
    assert watchlist.groups[0].language_aliases == (("de", ("IS",)), ("fr", ("EI",)))
    assert watchlist.as_dict()["groups"][0]["language_aliases"] == {"de": ["IS"], "fr": ["EI"]}


def test_a_watchlist_without_language_aliases_keeps_its_fingerprint():
    assert "language_aliases" not in WATCHLIST.as_dict()["groups"][0]
    # The fingerprint the same content had before language aliases existed.
    assert WATCHLIST.sha256 == "7c38c12240a81d5d695e29698c03f3f0e4b864a09489212eee97e5a491c6edcb"


def test_a_group_named_only_by_language_aliases_loads():
    watchlist = parse_watchlist(
        {"groups": [{"id": "isis", "name": "IS", "language_aliases": {"de": ["IS"]}}]}
    )
    assert Tagger(watchlist).tag("", "Der IS drohte.", language="de").groups == ["isis"]


@pytest.mark.parametrize(
    ("language_aliases", "message"),
    [
        ({"German": ["IS"]}, "'German' is not a language code"),
        (["IS"], "language_aliases must map language codes to lists of aliases"),
        ({"de": "IS"}, "language_aliases of 'de' must be a list of non-empty strings"),
    ],
)
def test_malformed_language_aliases_are_refused_in_one_line(language_aliases, message):
    with pytest.raises(WatchlistError, match=message):
        parse_watchlist(
            {
                "groups": [
                    {"id": "g", "name": "G", "aliases": ["G"], "language_aliases": language_aliases}
                ]
            }
        )


def test_a_language_alias_warns_only_when_common_in_its_own_language(caplog):
    with caplog.at_level(logging.WARNING, logger="mediamon.tagging.watchlist"):
        parse_watchlist(
            {"groups": [{"id": "isis", "name": "IS", "language_aliases": {"de": ["IS"]}}]}
        )
    assert caplog.records == []
    with caplog.at_level(logging.WARNING, logger="mediamon.tagging.watchlist"):
        parse_watchlist({"groups": [{"id": "g", "name": "G", "language_aliases": {"fr": ["les"]}}]})
    assert "'les' (group g, fr)" in caplog.text


def test_the_tag_language_defaults_to_unknown():
    tagger = Tagger(
        parse_watchlist(
            {"groups": [{"id": "isis", "name": "IS", "language_aliases": {"de": ["IS"]}}]}
        )
    )
    assert tagger.tag("", "Der IS drohte.").groups == []


def test_ordinary_words_of_a_name_may_be_written_in_lower_case():
    tagger = Tagger(
        parse_watchlist(
            {"groups": [{"id": "trf", "name": "TRF", "aliases": ["The Resistance Front"]}]}
        )
    )
    assert tagger.tag("", "Police said the Resistance Front claimed it.").groups == ["trf"]
    assert tagger.tag("", "the resistance front of the party").groups == []
