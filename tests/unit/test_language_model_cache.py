"""The language model is kept ready in the model cache, keyed by what it was built from, so
that a process (each Airflow task) does not decompress it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from py3langid.langid import LanguageIdentifier

from mediamon.extract import language

ENGLISH = "The minister said the talks would resume next week in the capital."


@pytest.fixture
def fresh_process(monkeypatch):
    """As in a process that has not loaded the model yet; counts reads of the package's file."""
    reads: list[int] = []
    read_model_file = language._read_model_file

    def counted() -> LanguageIdentifier:
        reads.append(1)
        return read_model_file()

    monkeypatch.setattr(language, "_read_model_file", counted)

    def start() -> None:
        monkeypatch.setattr(language, "_model", None)

    start()
    return start, reads


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("py3langid-*.pickle"))


def test_the_model_is_read_from_its_package_once_then_from_the_cache(tmp_path, fresh_process):
    start, reads = fresh_process
    language.preload_language_model(tmp_path)
    start()
    language.preload_language_model(tmp_path)

    assert len(reads) == 1
    assert len(_entries(tmp_path)) == 1
    assert language.identify_language(ENGLISH).language == "en"


def test_the_cached_model_ranks_as_the_packaged_one(tmp_path, fresh_process):
    start, _reads = fresh_process
    packaged = language._read_model_file()
    language.preload_language_model(tmp_path)
    start()
    language.preload_language_model(tmp_path)
    assert language._language_model().rank(ENGLISH) == packaged.rank(ENGLISH)


def test_another_py3langid_version_gets_an_entry_of_its_own(tmp_path, fresh_process, monkeypatch):
    start, reads = fresh_process
    language.preload_language_model(tmp_path)
    start()
    monkeypatch.setattr("importlib.metadata.version", lambda name: "99.0")
    language.preload_language_model(tmp_path)

    assert len(reads) == 2
    assert len(_entries(tmp_path)) == 2


@pytest.mark.parametrize("content", [b"", b"not a pickle", b"\x80\x05K\x01."])  # the last: 1
def test_an_unreadable_entry_is_rebuilt_not_trusted(tmp_path, fresh_process, content):
    start, reads = fresh_process
    language.preload_language_model(tmp_path)
    (entry,) = _entries(tmp_path)
    entry.write_bytes(content)
    start()
    language.preload_language_model(tmp_path)

    assert len(reads) == 2
    assert language.identify_language(ENGLISH).language == "en"
    start()
    language.preload_language_model(tmp_path)  # the rebuilt entry is good again
    assert len(reads) == 2


def test_an_unwritable_cache_still_gives_the_model(tmp_path, fresh_process):
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    language.preload_language_model(blocked / "cache")
    assert language.identify_language(ENGLISH).language == "en"


def test_without_a_cache_directory_nothing_is_written(tmp_path, fresh_process, monkeypatch):
    monkeypatch.chdir(tmp_path)
    language.preload_language_model()
    assert language.identify_language(ENGLISH).language == "en"
    assert list(tmp_path.iterdir()) == []
