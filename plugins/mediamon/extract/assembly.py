"""The article's text, assembled from trafilatura's passes and what the page shows (pure).

Three repairs, each measured with `python -m bench.extraction` on trafilatura's evaluation
pages (snippets that must and must not be found) and on the article-extraction benchmark:

- Prose the precision pass dropped: a line of the balanced pass that is a whole sentence
  of PROSE_MIN_WORDS words or more, missing from the precision text, is put back in its
  place. Headlines of other stories, link lists and captions are shorter or end without a
  full stop, and stay out.
- The lead: trafilatura often leaves out a standfirst set apart from the body. The page's
  description (its meta or Open Graph description) is put first when the page shows it as
  text and the extracted text lacks it.
- The headline: a first line repeating the page's title is the headline, which is stored
  apart (`Extracted.title`), not article text.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
_SPACE = re.compile(r"\s+")
# A balanced-pass line put back must be this long and end as a sentence ends.
PROSE_MIN_WORDS = 20
_PROSE_END = (".", "!", "?", "…", '"', "”", "“", "»", "«", ")", "。", "！", "？", ":")
# A shorter description is a dateline or a label, not a lead (and has too few trigrams).
LEAD_MIN_WORDS = 5
# The text already holds the lead when it has this share of the lead's word trigrams.
LEAD_PRESENT_SHARE = 0.3
# The page shows the lead when the first this many characters of it are in the page's text.
LEAD_SHOWN_CHARS = 200
_LEAD_TRAILER = ". …"  # a description cut short ends "..." or "…"
# The headline is looked for among the first lines (a lead or a kicker may come before it);
# a shorter line is only dropped when it is the whole title.
HEADLINE_LINES = 3
HEADLINE_PART_MIN_CHARS = 15


def word_trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def collapsed(text: str) -> str:
    """`text` with each run of whitespace as one space."""
    return _SPACE.sub(" ", text).strip()


def _key(line: str) -> str:
    return " ".join(_WORD.findall(line.lower()))


def is_prose(line: str) -> bool:
    line = line.strip()
    return len(_WORD.findall(line)) >= PROSE_MIN_WORDS and line.endswith(_PROSE_END)


def with_prose_of(first: str, second: str) -> str:
    """`first` with the prose lines of `second` it lacks, each after the line of `second`
    before it that `first` holds (at the start when there is none)."""
    first_lines = first.split("\n")
    position: dict[str, int] = {}
    for index, line in enumerate(first_lines):
        position.setdefault(_key(line), index)
    after: dict[int, list[str]] = {}
    anchor = -1
    for line in second.split("\n"):
        key = _key(line)
        if not key:
            continue
        if key in position:
            anchor = position[key]
        elif is_prose(line):
            after.setdefault(anchor, []).append(line)
    if not after:
        return first
    merged = list(after.get(-1, []))
    for index, line in enumerate(first_lines):
        merged.append(line)
        merged.extend(after.get(index, []))
    return "\n".join(merged)


def with_lead(text: str, description: str | None, page_text: str) -> str:
    """`text` headed by the page's description when it is a lead of LEAD_MIN_WORDS words or
    more, the page shows it (in `page_text`, whitespace collapsed) and `text` holds less
    than LEAD_PRESENT_SHARE of it."""
    lead = (description or "").strip()
    shown = collapsed(lead).rstrip(_LEAD_TRAILER).strip()
    if (
        not text
        or len(_WORD.findall(shown)) < LEAD_MIN_WORDS
        or shown[:LEAD_SHOWN_CHARS] not in page_text
        or _key(shown) in _key(text)
    ):
        return text
    lead_grams = word_trigrams(shown)
    if len(lead_grams & word_trigrams(text)) >= LEAD_PRESENT_SHARE * len(lead_grams):
        return text
    return f"{lead}\n{text}"


def without_headline(text: str, title: str | None) -> str:
    """`text` without a line among its first HEADLINE_LINES that repeats `title` (whole, or
    a part of HEADLINE_PART_MIN_CHARS or more), unless nothing else would be left."""
    title_key = _key(title or "")
    if not title_key:
        return text
    lines = text.split("\n")
    for index, line in enumerate(lines[:HEADLINE_LINES]):
        key = _key(line)
        if key and (key == title_key or (len(key) >= HEADLINE_PART_MIN_CHARS and key in title_key)):
            rest = lines[:index] + lines[index + 1 :]
            return "\n".join(rest) if any(_key(other) for other in rest) else text
    return text
