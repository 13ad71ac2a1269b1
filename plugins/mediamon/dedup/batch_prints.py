"""A batch's story prints, each without its outlet's template lines (in Python, no database).

An outlet's template is the short lines found on BOILERPLATE_MIN_PAGES or more of its
pages. The round trips (clusters.py) read how many pages carry the batch's lines; here
each story is printed without the lines that are template by then, and each page counts
towards its outlet's template for the stories after it in the same batch.
"""

from __future__ import annotations

from collections import Counter

from mediamon.dedup.decisions import Story
from mediamon.dedup.fingerprint import Fingerprint, fingerprint_of, line_hashes_of
from mediamon.settings import DedupSettings

BOILERPLATE_MIN_PAGES = 3
BOILERPLATE_MAX_LINE = 400


def batch_line_hashes(stories: list[Story]) -> list[dict[str, int]]:
    """Each story's lines and their hashes."""
    # Each line hashed once: to look up the outlet's template, then to count it.
    return [
        story.text_print.line_hashes if story.text_print else line_hashes_of(story.text)
        for story in stories
    ]


def template_lookups(
    stories: list[Story], line_hashes: list[dict[str, int]]
) -> list[tuple[str, int]]:
    """The (outlet, line hash) pairs whose page counts the batch's prints need."""
    return sorted(
        {
            (story.source, h)
            for story, lines in zip(stories, line_hashes, strict=True)
            for h in lines.values()
        }
    )


def print_batch(
    stories: list[Story],
    line_hashes: list[dict[str, int]],
    pages: Counter[tuple[str, int]],
    templates: dict[str, frozenset[int]] | None,
    settings: DedupSettings,
) -> tuple[list[Fingerprint], list[list[tuple[int, int]]], Counter[tuple[str, int]]]:
    """Each story's fingerprint and LSH bands, in order, and the pages the batch adds to
    each (outlet, line hash).

    `pages` (pages of each outlet carrying each line) gets each story's lines as it goes;
    `templates` (outlet: its template lines found so far) gets the lines this batch found,
    for the extraction workers' next prints.
    """
    counted_here: Counter[tuple[str, int]] = Counter()
    fingerprints, bands = [], []
    for story, lines in zip(stories, line_hashes, strict=True):
        boilerplate = {h for h in lines.values() if pages[story.source, h] >= BOILERPLATE_MIN_PAGES}
        if templates is not None and boilerplate:
            # A new set rather than an update: the processing loop reads it meanwhile.
            templates[story.source] = templates.get(story.source, frozenset()) | boilerplate
        if story.text_print and story.text_print.holds_for(boilerplate):
            fp, pairs = story.text_print.fingerprint, story.text_print.bands
        else:
            fp = fingerprint_of(story.text, story.title, lines, boilerplate, settings)
            pairs = fp.bands(settings.bands)
        fingerprints.append(fp)
        # A text without shingles resembles nothing: its buckets are neither read nor stored.
        bands.append(pairs if fp.size else [])
        # This page counts towards its outlet's template for the articles after it.
        for digest in {d for line, d in lines.items() if len(line) < BOILERPLATE_MAX_LINE}:
            pages[story.source, digest] += 1
            counted_here[story.source, digest] += 1
    return fingerprints, bands, counted_here
