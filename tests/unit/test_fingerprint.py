"""Story fingerprints: syndication noise removed, similarity measured on shingles."""

from mediamon.dedup.fingerprint import containment, fingerprint, resemblance, story_lines

BODY = "\n".join(
    f"Paragraph {i} of the story tells what officials said about the flooding in the valley today."
    for i in range(8)
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


def test_an_excerpt_is_contained_in_the_full_story():
    full = fp(story_lines(BODY))
    excerpt = fp(story_lines(BODY)[:3])
    assert containment(full.shingle_hashes, excerpt.shingle_hashes) == 1.0
    assert resemblance(full.shingle_hashes, excerpt.shingle_hashes) < 0.5


def test_identical_bodies_share_every_lsh_bucket():
    a, b = fp(story_lines(BODY)), fp(story_lines(BODY))
    assert a.bands(64) == b.bands(64)
