"""Files people hand to mediamon (feed lists, watchlists) are read within bounds."""

from __future__ import annotations

import time

import pytest

from mediamon.bounded_input import MAX_ALIASES, InputRefused, load_yaml
from mediamon.feeds import sources
from mediamon.feeds.sources import FeedListError, parse_opml, parse_text, parse_yaml
from mediamon.tagging.watchlist import WatchlistError, load_watchlist, watchlist_from_yaml


def nested_aliases(levels: int) -> str:
    """A "billion laughs" in YAML: each level's list repeats the previous one nine times."""
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


# Seven levels: 9**7 (4.8 million) strings once expanded, from 700 bytes of YAML.
BOMB = nested_aliases(7)


def test_nested_aliases_in_a_feed_list_are_refused_at_once():
    started = time.perf_counter()
    with pytest.raises(FeedListError, match="aliases repeat more than 100,000 values"):
        parse_yaml(BOMB + "feeds: [*l6]\n")
    assert time.perf_counter() - started < 0.5


def test_nested_aliases_in_a_watchlist_are_refused_at_once(tmp_path):
    path = tmp_path / "watchlist.yaml"
    path.write_text(BOMB + "groups: [{id: a, name: *l6, aliases: [A]}]\n")
    with pytest.raises(WatchlistError, match="aliases repeat more than 100,000 values"):
        load_watchlist(path)


def test_more_aliases_than_the_bound_are_refused():
    document = "a: &a x\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n"
    with pytest.raises(InputRefused, match=f"more than {MAX_ALIASES} aliases"):
        load_yaml(document, 10_000)


def test_a_few_aliases_are_fine():
    assert load_yaml("x: &ctx [Belfast]\ny: *ctx\n", 1000) == {"x": ["Belfast"], "y": ["Belfast"]}


def test_a_recursive_alias_is_refused():
    with pytest.raises(InputRefused, match="refers to a node containing it"):
        load_yaml("a: &a [1, *a]\n", 1000)


def test_deep_nesting_is_refused_not_a_crash():
    # libyaml's composer recursed in C: this 100 KB document crashed the process.
    with pytest.raises(InputRefused, match="nests deeper than 64 levels"):
        load_yaml("- " * 50_000 + "x\n", 1_000_000)


def test_a_document_over_the_size_bound_is_refused():
    with pytest.raises(InputRefused, match="larger than 10 bytes"):
        load_yaml("feeds: [https://a.example/rss]", 10)


def test_a_feed_list_file_over_the_size_bound_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MAX_FEED_LIST_BYTES", 100)
    path = tmp_path / "feeds.txt"
    path.write_text("https://a.example/rss\n" * 10)
    with pytest.raises(FeedListError, match="larger than 100 bytes"):
        sources.read_feed_list(path)


def test_error_messages_quote_a_bounded_value():
    wide = "[" + ", ".join(["x" * 1000] * 1000) + "]"
    with pytest.raises(FeedListError) as refused:
        parse_yaml(f"feeds: [{wide}]\n")
    assert len(str(refused.value)) < 500  # the value: a megabyte


def test_watchlist_errors_quote_a_bounded_value(tmp_path):
    groups = "[" + ", ".join(["y" * 1000] * 1000) + "]"
    with pytest.raises(WatchlistError) as refused:
        watchlist_from_yaml(f"groups: [{groups}]\n", tmp_path / "w.yaml")
    assert len(str(refused.value)) < 500  # the value: a megabyte


def test_a_feed_url_with_credentials_is_refused_with_its_reason():
    with pytest.raises(FeedListError, match="user name or password") as refused:
        parse_text("https://reader:s3cret@private.example/rss")
    assert "s3cret" not in str(refused.value)


def test_a_feed_url_over_4000_characters_is_refused():
    with pytest.raises(FeedListError, match="over the 4,000 accepted"):
        parse_text("https://a.example/rss?" + "q" * 4000)


def test_an_opml_file_declaring_entities_is_refused():
    opml = (
        b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<opml version="2.0"><body><outline text="&b;" xmlUrl="https://a.example/rss"/></body></opml>'
    )
    with pytest.raises(FeedListError, match="declares XML entities"):
        parse_opml(opml)
