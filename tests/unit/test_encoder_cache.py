"""The event encoder's tokenizer is kept in the model cache, so that each process (each Airflow
task) unpickles it instead of parsing the SentencePiece model again."""

from __future__ import annotations

import numpy as np
import pytest

from mediamon.events import encoder

TEXT = "Взрыв у банка в Кабуле: погибли 14 человек"


@pytest.fixture
def fresh_encoder():
    """The encoder loaded again by the test; the process's own is put back afterwards."""
    loaded = encoder._model
    encoder._model = None
    yield
    encoder._model = loaded


def test_preloading_with_a_cache_directory_keeps_the_tokenizer_there(fresh_encoder, tmp_path):
    encoder.preload_encoder(tmp_path)
    assert [p.name.split("-")[0:2] for p in tmp_path.iterdir()] == [["usem3", "tokenizer"]]


def test_an_encoder_with_the_cached_tokenizer_encodes_as_one_built_from_the_package(
    fresh_encoder, tmp_path
):
    encoder.preload_encoder(None)
    from_package = encoder.encode(TEXT)
    encoder._model = None
    encoder.preload_encoder(tmp_path)  # builds the tokenizer and keeps it
    encoder._model = None
    encoder.preload_encoder(tmp_path)  # reads it back
    assert np.array_equal(encoder.encode(TEXT), from_package)


def test_an_unreadable_cached_tokenizer_is_built_again(fresh_encoder, tmp_path):
    encoder.preload_encoder(tmp_path)
    (cached,) = tmp_path.iterdir()
    cached.write_bytes(b"not a pickle")
    encoder._model = None
    encoder.preload_encoder(tmp_path)
    assert encoder.encode(TEXT).shape == (encoder.DIMENSIONS,)
