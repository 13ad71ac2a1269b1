"""Compiled taggers are cached by the watchlist file's content."""

from pathlib import Path

import pytest

from mediamon.tagging.cache import compiled_tagger
from mediamon.tagging.watchlist import WatchlistError

WATCHLIST = "groups:\n  - id: hamas\n    name: Hamas\n    aliases: [Hamas]\n"


def test_the_same_watchlist_is_compiled_once_and_then_read_from_the_cache(tmp_path: Path):
    path = tmp_path / "watchlist.yaml"
    path.write_text(WATCHLIST)
    cache = tmp_path / "cache"
    first = compiled_tagger(path, cache)
    assert len(list(cache.glob("tagger-*.pickle"))) == 1
    second = compiled_tagger(path, cache)
    assert second is not first
    assert second.tag(None, "Hamas said").groups == ["hamas"]


def test_an_edited_watchlist_is_compiled_anew(tmp_path: Path):
    path = tmp_path / "watchlist.yaml"
    path.write_text(WATCHLIST)
    cache = tmp_path / "cache"
    compiled_tagger(path, cache)
    path.write_text(WATCHLIST.replace("[Hamas]", "[Hamas, Harakat al-Muqawama]"))
    tagger = compiled_tagger(path, cache)
    assert tagger.tag(None, "Harakat al-Muqawama said").groups == ["hamas"]
    assert len(list(cache.glob("tagger-*.pickle"))) == 2


def test_a_corrupt_cache_entry_is_rebuilt_not_trusted(tmp_path: Path):
    path = tmp_path / "watchlist.yaml"
    path.write_text(WATCHLIST)
    cache = tmp_path / "cache"
    compiled_tagger(path, cache)
    entry = next(cache.glob("tagger-*.pickle"))
    entry.write_bytes(b"not a pickle")
    assert compiled_tagger(path, cache).tag(None, "Hamas said").groups == ["hamas"]


def test_an_unwritable_cache_still_gives_a_tagger(tmp_path: Path):
    path = tmp_path / "watchlist.yaml"
    path.write_text(WATCHLIST)
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("")
    assert compiled_tagger(path, blocked / "cache").tag(None, "Hamas").groups == ["hamas"]


def test_a_missing_watchlist_is_one_clear_error(tmp_path: Path):
    with pytest.raises(WatchlistError, match="cannot read watchlist"):
        compiled_tagger(tmp_path / "absent.yaml", tmp_path / "cache")
