"""Precision pass or balanced pass: the fuller text wins on evidence, not on length alone."""

from __future__ import annotations

from mediamon.extract.article import SHORT_TEXT_CHARS, extract_article, second_pass_wins

FIRST_SECTION = [
    "The harbour authority approved the new ferry terminal on Tuesday after two years of "
    "public hearings, and construction is expected to start in the spring of next year.",
    "The terminal replaces the wooden pier built in 1962, which has been closed to vehicles "
    "since a storm damaged its supports last winter and cut the island off for weeks.",
    "Local businesses welcomed the decision, saying the closure had cut the number of summer "
    "visitors to the island by almost a third compared with the year before.",
]
SECOND_SECTION = [
    "Engineers will drive forty steel piles into the seabed before the concrete deck is "
    "poured, a method chosen because the work can go on through the winter storms.",
    "The contractor has promised that the old pier will stay open to foot passengers "
    "throughout the works, with a temporary ramp for wheelchairs and bicycles.",
    "Fishermen had asked for a separate landing stage, and the authority agreed to add one "
    "at the northern end, where the water is deep enough even at the lowest tides.",
    "The total cost is estimated at forty-two million, of which the national infrastructure "
    "fund will pay two thirds and the regional council the remainder.",
    "Opponents argued that a smaller terminal would have been enough, but the authority said "
    "the ferries on the route are getting larger every year and need longer berths.",
    "A citizens' panel will meet every three months to hear complaints about noise, dust "
    "and lorry traffic, and its minutes will be published on the council's website.",
    "Work on the access road is due to begin in March, when the car park by the old "
    "chandlery will close and a shuttle bus will run from the station instead.",
    "The authority expects the first ferry to berth at the new terminal in the summer "
    "after next, if the piling is not delayed by the weather or by supply problems.",
]


def text(paragraphs: list[str]) -> str:
    return "\n".join(paragraphs)


def page_with_collapsed_second_section() -> str:
    """An article whose long second section sits in a collapsible block."""
    first = "".join(f"<p>{p}</p>" for p in FIRST_SECTION)
    second = "".join(f"<p>{p}</p>" for p in SECOND_SECTION)
    return (
        "<html><head><title>Ferry terminal approved</title></head><body><article>"
        f"<h1>Ferry terminal approved</h1>{first}"
        f'<div class="expandable"><h2>How it will be built</h2>{second}</div>'
        "</article></body></html>"
    )


def test_a_long_second_section_that_precision_mode_drops_is_kept():
    extracted = extract_article(page_with_collapsed_second_section())
    assert FIRST_SECTION[0] in extracted.text
    assert all(paragraph in extracted.text for paragraph in SECOND_SECTION)


def test_a_second_pass_that_adds_twice_the_text_and_keeps_the_first_wins():
    first = text(FIRST_SECTION)
    assert second_pass_wins(first, text(FIRST_SECTION + SECOND_SECTION))


def test_a_second_pass_that_adds_a_little_text_loses():
    first = text(FIRST_SECTION + SECOND_SECTION[:4])
    assert not second_pass_wins(first, text(FIRST_SECTION + SECOND_SECTION))


def test_a_second_pass_that_repeats_the_article_adds_nothing_and_loses():
    """A page that repeats its article (a metadata block, a print copy) is not fuller."""
    first = text(FIRST_SECTION + SECOND_SECTION)
    assert not second_pass_wins(first, text(FIRST_SECTION + SECOND_SECTION) * 4)


def test_a_longer_second_pass_over_another_region_of_the_page_loses():
    appeal = "The decision can still be appealed to the regional court within six weeks."
    first = text([*FIRST_SECTION, appeal])
    assert len(first) >= SHORT_TEXT_CHARS  # long enough to check what the second pass keeps
    assert not second_pass_wins(first, text(SECOND_SECTION))


def test_a_short_first_pass_loses_to_a_much_longer_second_pass_whatever_it_holds():
    assert second_pass_wins(FIRST_SECTION[0][:120], text(SECOND_SECTION))


def test_an_empty_second_pass_never_wins():
    assert not second_pass_wins("", "")
    assert not second_pass_wins(text(FIRST_SECTION), "")
