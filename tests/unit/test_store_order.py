"""Extracted pages are stored in claim order: a page waits for the pages claimed before it,
for HOLD_SECONDS at most and HOLD_PAGES pages at most (pipeline/store_order.py)."""

from __future__ import annotations

from mediamon.pipeline.pages import Page
from mediamon.pipeline.store_order import HOLD_PAGES, HOLD_SECONDS, storable, to_store, wake_at

NOW = 1_000.0


def _extracted(*claims: int, at: float = NOW) -> list[Page]:
    return [Page(f"https://outlet.example/{n}", [], claim_seq=n, extracted_at=at) for n in claims]


def test_every_page_is_storable_once_nothing_claimed_is_still_on_its_way():
    assert storable(_extracted(3, 7, 9), None, NOW) == 3


def test_pages_claimed_after_one_still_on_its_way_wait_for_it():
    assert storable(_extracted(1, 2, 5, 6), 4, NOW) == 2


def test_a_page_held_hold_seconds_is_stored_with_every_page_before_it():
    pages = [*_extracted(5, at=NOW - 1), *_extracted(6, at=NOW - HOLD_SECONDS), *_extracted(8)]
    assert storable(pages, 4, NOW) == 2


def test_beyond_hold_pages_the_oldest_claims_are_stored_anyway():
    pages = _extracted(*range(10, 10 + HOLD_PAGES + 3))
    assert storable(pages, 4, NOW) == 3


def test_a_short_batch_waits_while_the_page_it_waits_for_is_being_extracted():
    assert to_store(_extracted(1, 2, 5), [], {4, 9}, NOW, batch_size=32) == 0


def test_a_short_batch_goes_when_the_page_it_waits_for_is_still_fetched():
    assert to_store(_extracted(1, 2, 5), [4], {9}, NOW, batch_size=32) == 2


def test_a_short_batch_goes_when_the_workers_are_idle():
    assert to_store(_extracted(1, 2, 5), [4], set(), NOW, batch_size=32) == 2


def test_a_full_batch_goes_while_the_workers_extract():
    assert to_store(_extracted(*range(4)), [], {9}, NOW, batch_size=4) == 4


def test_a_batch_holds_at_most_batch_size_pages():
    assert to_store(_extracted(*range(10)), [], set(), NOW, batch_size=4) == 4


def test_an_overdue_page_goes_although_the_page_it_waits_for_is_being_extracted():
    pages = _extracted(5, 6, at=NOW - HOLD_SECONDS)
    assert to_store(pages, [], {4}, NOW, batch_size=32) == 2


def test_held_pages_are_looked_at_again_when_the_first_is_overdue():
    pages = [*_extracted(5, at=NOW - 3), *_extracted(6, at=NOW - 1)]
    assert wake_at(pages) == NOW - 3 + HOLD_SECONDS
    assert wake_at([]) is None
