"""Raw pages as raw_pages keeps them."""

import gzip

import pytest

from mediamon.store import raw_pages

HTML = "<html><body><p>Zürich — 12 °C, « quotes »</p></body></html>"


def test_a_packed_page_unpacks_to_the_same_text():
    assert raw_pages.unpack(raw_pages.pack(HTML), raw_pages.CODEC) == HTML


def test_a_page_stored_gzipped_before_migration_0005_still_unpacks():
    assert raw_pages.unpack(gzip.compress(HTML.encode()), "gzip") == HTML


def test_an_unknown_codec_is_refused_by_name():
    with pytest.raises(ValueError, match="brotli"):
        raw_pages.unpack(b"", "brotli")
