"""The article's text beyond trafilatura's passes: dropped prose put back, the lead the page
shows, the headline left to the title, furniture lines left out."""

from __future__ import annotations

from test_extraction_passes import FIRST_SECTION, SECOND_SECTION

from mediamon.extract.article import extract_article
from mediamon.extract.assembly import with_lead, with_prose_of, without_headline

HEADLINE = "Ferry terminal approved after two years of hearings"
LEAD = (
    "The island's ferry terminal will be rebuilt by 2027 after the harbour authority "
    "overruled objections from residents and fishermen."
)
BORDERED = SECOND_SECTION[5]  # a paragraph precision mode drops (a bordered box)
# Enough navigation that the precision text is under a third of the page's visible text.
NAVIGATION = (
    "<nav><ul>"
    + "".join(f'<li><a href="/section/{i}">Harbour news section {i}</a></li>' for i in range(80))
    + "</ul></nav>"
)


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def page(body: str, description: str | None = None) -> str:
    meta = f'<meta name="description" content="{description}">' if description else ""
    return (
        f"<html><head><title>{HEADLINE} | Island Post</title>{meta}</head>"
        f"<body>{body}</body></html>"
    )


def test_a_sentence_only_the_balanced_pass_keeps_is_put_back_in_its_place():
    bordered = f'<div style="border-left: 2px solid #ccc"><p>{BORDERED}</p></div>'
    html = page(
        f"{NAVIGATION}<article>{paragraphs(FIRST_SECTION)}{bordered}"
        f"{paragraphs(SECOND_SECTION[:3])}</article>"
    )
    lines = extract_article(html).text.split("\n")
    assert lines.index(BORDERED) == lines.index(FIRST_SECTION[-1]) + 1
    assert lines[-1] == SECOND_SECTION[2]


def test_a_short_line_only_the_balanced_pass_keeps_stays_out():
    other_story = "Council raises ferry fares for the winter timetable"
    bordered = f'<div style="border-left: 2px solid #ccc"><p>{other_story}</p></div>'
    html = page(
        f"{NAVIGATION}<article>{paragraphs(FIRST_SECTION)}{bordered}"
        f"{paragraphs(SECOND_SECTION[:3])}</article>"
    )
    assert other_story not in extract_article(html).text


def test_the_lead_the_page_shows_apart_from_the_body_comes_first():
    html = page(
        f'<header><h1>{HEADLINE}</h1><p class="standfirst">{LEAD}</p></header>'
        f"<article>{paragraphs(FIRST_SECTION + SECOND_SECTION)}</article>",
        description=LEAD,
    )
    lines = extract_article(html).text.split("\n")
    assert lines[:2] == [LEAD, FIRST_SECTION[0]]


def test_a_description_the_page_does_not_show_is_not_added():
    html = page(f"<article>{paragraphs(FIRST_SECTION + SECOND_SECTION)}</article>", LEAD)
    assert LEAD not in extract_article(html).text


def test_a_lead_the_text_already_holds_is_not_repeated():
    html = page(f"<article>{paragraphs([LEAD, *FIRST_SECTION, *SECOND_SECTION])}</article>", LEAD)
    assert extract_article(html).text.count("fishermen.") == 1


def test_the_headline_repeated_in_the_body_is_left_to_the_title():
    html = page(
        f"<article><h1>{HEADLINE}</h1>{paragraphs(FIRST_SECTION + SECOND_SECTION)}</article>"
    )
    extracted = extract_article(html)
    assert extracted.text.split("\n")[0] == FIRST_SECTION[0]
    assert extracted.title is not None and HEADLINE in extracted.title


def test_furniture_between_paragraphs_is_left_out():
    furniture = ["Read also: Council raises ferry fares for winter", "Photo: Island Post/J. Smith"]
    html = page(
        f"<article>{paragraphs(FIRST_SECTION)}{paragraphs(furniture)}"
        f"{paragraphs(SECOND_SECTION)}</article>"
    )
    text = extract_article(html).text
    assert not any(line in text for line in furniture)
    assert SECOND_SECTION[0] in text


def test_prose_goes_after_the_line_before_it_and_at_the_start_when_none_is_shared():
    first = "alpha line one.\ngamma line three."
    opening = " ".join(["An opening sentence with many words"] * 4) + "."
    middle = " ".join(["A middle sentence with many words"] * 4) + "."
    second = f"{opening}\nalpha line one.\n{middle}\ngamma line three."
    assert with_prose_of(first, second).split("\n") == [
        opening,
        "alpha line one.",
        middle,
        "gamma line three.",
    ]


def test_a_headline_alone_is_kept_rather_than_leaving_no_text():
    assert without_headline(HEADLINE, HEADLINE) == HEADLINE


def test_no_lead_is_made_into_a_text_of_its_own():
    assert with_lead("", LEAD, f"<p>{LEAD}</p>") == ""


def test_a_description_of_a_few_words_is_no_lead():
    text = "BAAR, SWITZERLAND\n" + FIRST_SECTION[0]
    assert with_lead(text, "BAAR, SWITZERLAND", f"BAAR, SWITZERLAND {FIRST_SECTION[0]}") == text
