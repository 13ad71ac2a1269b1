"""Furniture lines (pointers, teasers, prompts, credits, stamps) are recognised in the
languages of the press mediamon reads; sentences of an article are not."""

from __future__ import annotations

import pytest

from mediamon.extract.furniture import Furniture, furniture_kind, without_furniture


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("Read also", Furniture.POINTER),
        ("Auch interessant:", Furniture.POINTER),
        ("Lire aussi", Furniture.POINTER),
        ("Noticias relacionadas", Furniture.POINTER),
        ("Czytaj też", Furniture.POINTER),
        ("Читайте также", Furniture.POINTER),
        ("Read more: Flood defences fail in three river towns", Furniture.TEASER),
        (
            "Lea más: El Gobierno aprueba el nuevo presupuesto para la sanidad pública",
            Furniture.TEASER,
        ),
        (
            "Lesen Sie auch: Hafenbehörde genehmigt den Fähranleger nach zwei Jahren Streit",
            Furniture.TEASER,
        ),
        ("Zum Newsletter", Furniture.PROMPT),
        ("Share this", Furniture.PROMPT),
        ("Kommentare", Furniture.PROMPT),
        ("Anzeige", Furniture.PROMPT),
        ("Table of contents", Furniture.PROMPT),
        ("Updated 3 March 2026, 14:05", Furniture.STAMP),
        ("Veröffentlicht am 16.08.2026", Furniture.STAMP),
        ("Foto: Island Post / J. Smith", Furniture.CREDIT),
        ("© Island Post 2026", Furniture.CREDIT),
        ("AFP / Marco Rossi", Furniture.CREDIT),
        ("Lesezeit: 4 Minuten", Furniture.READING_TIME),
        ("5 min read", Furniture.READING_TIME),
        ("Like this story? Share it with a friend!", Furniture.SOCIAL),
        ("Follow the Island Post on Twitter and Instagram.", Furniture.SOCIAL),
    ],
)
def test_furniture_is_recognised(line: str, kind: Furniture) -> None:
    assert furniture_kind(line) == kind


@pytest.mark.parametrize(
    "line",
    [
        "Related research published last year found that ferry traffic to the island had "
        "doubled since the old pier was built.",
        "Photos taken by residents on Tuesday show the pier's supports leaning into the water.",
        "The agency AFP reported that three people were injured when the pier collapsed.",
        "Updated figures from the harbour authority show that the number of summer visitors "
        "fell by almost a third.",
        "Read the full report on the harbour authority's website before the hearing.",
        "",
    ],
)
def test_sentences_of_an_article_are_not_furniture(line: str) -> None:
    assert furniture_kind(line) is None


def test_only_the_furniture_lines_are_dropped():
    text = "The pier closed in March.\nRead also\nFerries now dock at the old quay."
    assert without_furniture(text) == "The pier closed in March.\nFerries now dock at the old quay."
