"""Models kept on disk as pickles, ready to use, keyed by what they were built from.

A model shipped compressed inside its package (py3langid's: 4.5 MB of xz, ~1 s of CPU to
decompress and convert) is paid again by every process that loads it: each Airflow task.
Unpickling the finished model costs a fraction of that. The caller's key covers whatever the
model depends on (the package's version, its model file's bytes, the Python and NumPy
versions), so a change to any of them builds a new entry. Entries are written atomically
(concurrent tasks may race) and an unreadable one is rebuilt, never trusted; a read-only or
missing cache directory only means building every time. The directory is ours alone: pickles
are trusted input, as for the compiled watchlists (tagging/cache.py).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


def cache_key(parts: Iterable[str | bytes]) -> str:
    """A digest of `parts`, in order (bytes as they are, strings as UTF-8)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode()
        # Each part's length first: ("ab", "c") and ("a", "bc") are different keys.
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


def read_pickle(path: Path, kind: type[T]) -> T | None:
    """The `kind` object pickled at `path`; None when absent, unreadable or of another kind."""
    try:
        with path.open("rb") as cached:
            value = pickle.load(cached)
    except Exception:  # absent, truncated, or from another version of a class: rebuilt
        return None
    return value if isinstance(value, kind) else None


def write_pickle(path: Path, value: object) -> None:
    """Pickle `value` to `path` atomically (concurrent processes may race); a read-only or
    full directory is not an error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as scratch:
            try:
                pickle.dump(value, scratch, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:
                os.unlink(scratch.name)
                raise
        os.replace(scratch.name, path)
    except OSError:  # read-only or full: the model is built again next time
        pass


def cached_model(
    cache_dir: Path | None, name: str, key: str, kind: type[T], build: Callable[[], T]
) -> T:
    """The `kind` object cached as `<name>-<key>.pickle` in `cache_dir`; else `build()`'s,
    then cached (with no `cache_dir`, built every time)."""
    if cache_dir is None:
        return build()
    path = cache_dir / f"{name}-{key}.pickle"
    if (value := read_pickle(path, kind)) is not None:
        return value
    value = build()
    write_pickle(path, value)
    return value
