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
import os
import pickle
import sys
import tempfile
from pathlib import Path

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


def _read(path: Path) -> Tagger | None:
    try:
        with path.open("rb") as cached:  # streamed: never the file and the tagger at once
            tagger = pickle.load(cached)
    except Exception:  # absent, truncated or stale: rebuilt, never trusted
        return None
    return tagger if isinstance(tagger, Tagger) else None


def _write(path: Path, tagger: Tagger) -> None:
    """Write atomically (concurrent workers may race); a read-only cache is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as scratch:
            pickle.dump(tagger, scratch, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(scratch.name, path)
    except OSError:
        pass


def compiled_tagger(watchlist_path: Path, cache_dir: Path | None) -> Tagger:
    """The tagger for the watchlist at `watchlist_path` (version not yet set)."""
    raw = read_watchlist_file(watchlist_path)
    cached_path = cache_dir / f"tagger-{_cache_key(raw)}.pickle" if cache_dir else None
    if cached_path is not None and (tagger := _read(cached_path)) is not None:
        check_loaded(tagger.watchlist, watchlist_path)  # refusals and warnings, as on a miss
        return tagger
    tagger = Tagger(watchlist_from_yaml(raw, watchlist_path))
    _ = tagger.watchlist.sha256  # computed once, kept in the cached pickle
    if cached_path is not None:
        _write(cached_path, tagger)
    return tagger
