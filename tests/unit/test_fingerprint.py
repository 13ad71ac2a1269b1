"""Story fingerprints: syndication noise removed, similarity measured on shingles."""

from mediamon.dedup.fingerprint import (
    excerpt_containment,
    fingerprint,
    line_hash,
    resemblance,
    story_lines,
    story_print,
)
from mediamon.settings import DedupSettings

WORDS = [
    "flooding",
    "valley",
    "river",
    "officials",
    "rescue",
    "bridge",
    "homes",
    "rain",
    "storm",
    "water",
    "police",
    "roads",
]
BODY = "\n".join(
    f"In part {i} the {WORDS[i]} story says {WORDS[i + 1]} and {WORDS[i + 2]} crews met {WORDS[i + 3]} at dawn {i}."
    for i in range(8)
)
OTHER = "\n".join(
    f"A different report number {i} covers markets, shares and earnings growth {i}."
    for i in range(12)
)


def fp(lines):
    return fingerprint(lines, 5, 128)


def test_dateline_is_stripped_from_the_first_line():
    assert (
        story_lines("MOSCOW (AP) \u2014 Officials said on Monday.")[0]
        == "Officials said on Monday."
    )


def test_wire_credit_copyright_and_related_lines_are_dropped():
    text = (
        BODY + "\nRELATED: Another story\nCopyright 2019 The Associated Press. All rights reserved."
    )
    assert story_lines(text) == story_lines(BODY)


def test_outlet_boilerplate_lines_are_dropped():
    from mediamon.dedup.fingerprint import line_hash

    text = "Sign up for our newsletter today and win\n" + BODY
    assert story_lines(
        text, {line_hash("Sign up for our newsletter today and win")}
    ) == story_lines(BODY)


def test_same_words_different_spacing_have_the_same_text_hash():
    assert fp(["A  story, told."]).text_hash == fp(["a story told"]).text_hash


def test_an_excerpt_is_contained_in_the_opening_of_its_story():
    full = fp(story_lines(BODY))
    excerpt = fp(story_lines(BODY)[:3])
    assert excerpt_containment(full.shingle_sequence, excerpt.shingle_sequence) == 1.0
    assert resemblance(full.shingle_hashes, excerpt.shingle_hashes) < 0.5


def test_a_follow_up_repeating_an_earlier_story_further_down_is_not_an_excerpt():
    earlier = fp(story_lines(BODY)[:3])
    follow_up = fp(story_lines(OTHER + "\n" + "\n".join(story_lines(BODY)[:3])))
    assert excerpt_containment(follow_up.shingle_sequence, earlier.shingle_sequence) < 0.5


def test_the_headline_repeated_in_the_body_is_dropped():
    assert story_lines(
        "Floods hit the valley\n" + BODY, title="Floods hit the valley"
    ) == story_lines(BODY)


def test_section_labels_and_repeated_lines_are_dropped():
    text = BODY.splitlines()[0] + "\nAnalysis\n" + BODY
    assert story_lines(text) == story_lines(BODY)


def test_page_furniture_inside_a_line_is_removed():
    line = "Rescue crews reached the valley. Advertisement Read the full story at the original publisher."
    assert story_lines(line) == ["Rescue crews reached the valley."]


def test_identical_bodies_share_every_lsh_bucket():
    a, b = fp(story_lines(BODY)), fp(story_lines(BODY))
    assert a.bands(64) == b.bands(64)


PRINT_STORY = "\n".join(
    f"Paragraph {i}: the river rose {i} metres overnight and crews moved families uphill."
    for i in range(8)
)


def test_a_template_line_the_noise_filters_drop_anyway_leaves_a_print_valid():
    pointer = "Read the full story at the original publisher."
    text = f"{PRINT_STORY}\n{pointer}"
    made_without_it = story_print(text, None, DedupSettings())
    assert made_without_it.holds_for({line_hash(pointer)})


def test_a_template_line_that_carried_words_makes_a_print_stale():
    footer = "Wire Daily is published by the Wire Daily Company of Springfield."
    text = f"{PRINT_STORY}\n{footer}"
    made_without_it = story_print(text, None, DedupSettings())
    assert not made_without_it.holds_for({line_hash(footer)})
    assert story_print(text, None, DedupSettings(), frozenset({line_hash(footer)})).holds_for(
        {line_hash(footer)}
    )
