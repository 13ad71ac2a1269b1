"""Compiled taggers cached on disk, keyed by the watchlist file's bytes and the matcher code.

Parsing a 50,000-alias YAML file and building its automatons costs about 1.5 s of CPU in
every worker process that starts; unpickling the finished tagger costs about 0.1 s. The
key covers the file's content, the source of the tagger's modules (the matcher and the
modules it compiles and matches with, the watchlist model) and the Python version, so an
edit to any of them rebuilds it. The cache directory is ours alone
(pickles are trusted input).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import sys
from pathlib import Path

from mediamon.model_cache import read_pickle, write_pickle
from mediamon.tagging import (
    affixes,
    automaton,
    common_words,
    link_lines,
    matcher,
    morphology,
    normalise,
    surroundings,
    watchlist,
)
from mediamon.tagging.matcher import Tagger
from mediamon.tagging.morphology import arabic, form, german, slavic, turkish
from mediamon.tagging.watchlist import check_loaded, read_watchlist_file, watchlist_from_yaml

# The forms generated for Russian and Ukrainian names come from these packages' data.
_MORPHOLOGY_PACKAGES = ("pymorphy3", "pymorphy3-dicts-ru", "pymorphy3-dicts-uk")
# The tagger's code: what it compiles and how it matches.
_TAGGER_MODULES = (
    matcher,
    automaton,
    affixes,
    surroundings,
    link_lines,
    normalise,
    morphology,
    form,
    slavic,
    german,
    arabic,
    turkish,
    common_words,
    watchlist,
)


def _package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _cache_key(watchlist_bytes: bytes) -> str:
    digest = hashlib.sha256(watchlist_bytes)
    for module in _TAGGER_MODULES:
        digest.update(Path(str(module.__file__)).read_bytes())
    for package in _MORPHOLOGY_PACKAGES:
        digest.update(f"{package}=={_package_version(package)}".encode())
    digest.update(sys.version.encode())
    return digest.hexdigest()


def compiled_tagger(watchlist_path: Path, cache_dir: Path | None) -> Tagger:
    """The tagger for the watchlist at `watchlist_path` (version not yet set)."""
    raw = read_watchlist_file(watchlist_path)
    cached_path = cache_dir / f"tagger-{_cache_key(raw)}.pickle" if cache_dir else None
    if cached_path is not None and (tagger := read_pickle(cached_path, Tagger)) is not None:
        check_loaded(tagger.watchlist, watchlist_path)  # refusals and warnings, as on a miss
        return tagger
    tagger = Tagger(watchlist_from_yaml(raw, watchlist_path))
    _ = tagger.watchlist.sha256  # computed once, kept in the cached pickle
    if cached_path is not None:
        write_pickle(cached_path, tagger)
    return tagger
