"""Text fingerprints for story clustering (pure functions).

The body is first stripped of what syndication adds or changes (datelines, wire credits,
copyright lines, editor's notes, RELATED links) and of lines the outlet repeats on many
pages; then it is cut into word shingles. A MinHash signature (rensa) over the shingles
feeds LSH banding; the shingle hashes themselves are kept to verify candidates exactly.
"""

from __future__ import annotations

import array
import hashlib
import re
import zlib
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cached_property

from rensa import RMinHash

from mediamon.settings import DedupSettings

MINHASH_SEED = 1_000_003

_WORD = re.compile(r"\w+")
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .,'\-]{1,40}(?:,\s*[A-Z][A-Za-z .]{1,30})?\s*(?:\([A-Za-z .&]{1,30}\))?\s*[\u2014\u2013\-]+\s*"
)
# Lines that syndication adds: labels at the start of a line ...
_NOISE_LINE_START = re.compile(
    r"\s*(?:related|read more|more|see also|also read|watch|listen)\s*:"
    r"|\s*(?:editor'?s note|update|correction)\s*:"
    r"|\s*reporting by\b|\s*(?:additional )?reporting (?:by|from)\b"
    r"|\s*(?:share|follow us|sign up|subscribe)\b.{0,80}$",
    re.IGNORECASE,
)
# ... and credits anywhere in it, searched for only when one of their words is there
# (a search per line for all of them was a tenth of clustering's CPU).
_NOISE_LINE_ANYWHERE = re.compile(
    r"copyright\s+(?:©\s*)?\d{4}|all rights reserved|\(c\)\s*\d{4}|;\s*editing by\b"
    r"|originally (?:appeared|published) (?:on|in|at)\b|republished with permission",
    re.IGNORECASE,
)
_NOISE_LINE_WORDS = (
    "copyright",
    "rights reserved",
    "(c)",
    "editing by",
    "originally",
    "republished",
)
# Page furniture that extraction lets through inside lines: ad labels, share bars, bylines,
# "read the full story" pointers. Removed wherever it stands, so it cannot make an excerpt
# look unlike its story (or two briefs of one template look alike).
_NOISE_PHRASE = re.compile(
    r"\bAdvertisement\b"
    r"|\bShare this (?:article|story)\b:?(?:\s*(?:Facebook|Twitter|X|Email|WhatsApp|LinkedIn|Reddit))*"
    r"|\b(?:Read|See) the (?:full|whole|original) (?:story|article)\b[^.]{0,60}\.?"
    r"|\bContinue reading\b[^.]{0,60}\.?"
    r"|\bBy [A-Z][\w.'\- ]{1,40} \| \d{4}-\d{2}-\d{2}\b"
)
# A line holds one of those phrases only if it holds one of these (the scan costs more).
_NOISE_PHRASE_WORDS = (
    "Advertisement",
    "Share this",
    "Read the ",
    "See the ",
    "Continue reading",
    "By ",
)
LEAD_SHINGLES = 50


def line_hash(line: str) -> int:
    """Stable 63-bit hash of a whitespace- and case-normalised line (fits PostgreSQL bigint)."""
    normalised = " ".join(_WORD.findall(line.lower()))
    digest = hashlib.blake2b(normalised.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def body_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _without_headline(line: str, title: str | None) -> str:
    """The first line without a leading copy of the headline (extraction often keeps it)."""
    if not title:
        return line
    title_words = _WORD.findall(title.lower())
    matches = list(_WORD.finditer(line))
    if not title_words or len(matches) < len(title_words):
        return line
    if [m.group(0).lower() for m in matches[: len(title_words)]] != title_words:
        return line
    return line[matches[len(title_words) - 1].end() :].lstrip(" .:-\u2014\u2013")


def story_lines(
    text: str, outlet_boilerplate: AbstractSet[int] = frozenset(), title: str | None = None
) -> list[str]:
    """The body's lines that carry the story: headline, syndication noise and outlet
    boilerplate dropped."""
    return [line for line, _ in _story(text, outlet_boilerplate, title)]


def story_words(
    text: str,
    outlet_boilerplate: AbstractSet[int] = frozenset(),
    title: str | None = None,
    line_hashes: dict[str, int] | None = None,
    reached: set[int] | None = None,
) -> list[str]:
    """`words_of(story_lines(...))`, without reading the lines twice.

    `line_hashes`: `line_hash` of the text's lines, when known. `reached` gets the hashes
    of the lines that passed the noise filters; the others changed nothing, so leaving
    them out as boilerplate would not either.
    """
    story = _story(text, outlet_boilerplate, title, line_hashes, reached)
    return [word for _, words in story for word in words]


def _story(
    text: str,
    outlet_boilerplate: AbstractSet[int],
    title: str | None,
    line_hashes: dict[str, int] | None = None,
    reached: set[int] | None = None,
) -> list[tuple[str, list[str]]]:
    """Each line of `story_lines`, with its words (as `words_of` finds them)."""
    kept: list[tuple[str, list[str]]] = []
    # The headline standing as a line of its own (templates repeat it) is not story text.
    seen: set[str] = {" ".join(_WORD.findall(title.lower()))} if title else set()
    known = line_hashes or {}
    for original in body_lines(text):
        if outlet_boilerplate:
            digest = known[original] if original in known else line_hash(original)
            if digest in outlet_boilerplate:
                continue
        if _is_noise_line(original):
            continue
        if any(word in original for word in _NOISE_PHRASE_WORDS):
            line = " ".join(_NOISE_PHRASE.sub(" ", original).split())
        else:
            line = " ".join(original.split())
        # Section labels ("Analysis", "Don't Miss") and lines a template repeats say
        # nothing about the story.
        words = _WORD.findall(line.lower())
        if len(words) < 3 or " ".join(words) in seen:
            continue
        seen.add(" ".join(words))
        if reached is not None:
            reached.add(known[original] if original in known else line_hash(original))
        if not kept:
            line = _without_headline(_DATELINE.sub("", line), title)
            if not line:
                continue
            words = _WORD.findall(line.lower())
        kept.append((line, words))
    return kept


def _is_noise_line(line: str) -> bool:
    if _NOISE_LINE_START.match(line):
        return True
    lowered = line.lower()
    return any(word in lowered for word in _NOISE_LINE_WORDS) and bool(
        _NOISE_LINE_ANYWHERE.search(line)
    )


def words_of(lines: Iterable[str]) -> list[str]:
    return _WORD.findall(" ".join(lines).lower())


def normalised_text_hash(words: list[str]) -> str:
    """Exact-copy level: the same words in the same order, whatever the spacing or case."""
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def shingles(words: list[str], size: int) -> list[str]:
    if len(words) < size:
        return [" ".join(words)] if words else []
    return list(map(" ".join, zip(*(words[i:] for i in range(size)), strict=False)))


@dataclass(frozen=True)
class Fingerprint:
    text_hash: str
    # Distinct shingle hashes in text order: the order tells an excerpt (the opening of its
    # story) from a follow-up that repeats an earlier story further down.
    shingle_sequence: tuple[int, ...]
    minhash: tuple[int, ...]
    # MinHash of the first LEAD_SHINGLES shingles: an excerpt ("the first paragraphs, then a
    # link to the original") resembles its story's lead far more than the whole story.
    lead_minhash: tuple[int, ...]

    @cached_property  # compared with every candidate of the article
    def shingle_hashes(self) -> frozenset[int]:
        return frozenset(self.shingle_sequence)

    @property
    def size(self) -> int:
        return len(self.shingle_sequence)

    def shingle_bytes(self) -> bytes:
        return array.array("I", self.shingle_sequence).tobytes()

    def bands(self, band_count: int) -> list[tuple[int, int]]:
        """(band, bucket) pairs of the whole text and of its lead, without repeats.

        Both live in one key space, so a lookup with either signature finds the other's
        buckets: excerpt against lead, and lead against excerpt.
        """
        pairs = _bands(self.minhash, band_count)
        # A text no longer than its lead has one signature: its bands once.
        if self.lead_minhash != self.minhash:
            pairs += _bands(self.lead_minhash, band_count)
        return list(dict.fromkeys(pairs))


def _bands(minhash: tuple[int, ...], band_count: int) -> list[tuple[int, int]]:
    """Each bucket hashes `rows` consecutive MinHash values of one band."""
    rows = len(minhash) // band_count
    chunks = [
        repr(minhash[start : start + rows]).encode() for start in range(0, band_count * rows, rows)
    ]
    return [
        (band, int.from_bytes(hashlib.blake2b(chunk, digest_size=8).digest(), "big", signed=True))
        for band, chunk in enumerate(chunks)
    ]


def fingerprint(lines: list[str], shingle_size: int, num_perm: int) -> Fingerprint:
    return fingerprint_words(words_of(lines), shingle_size, num_perm)


def fingerprint_words(words: list[str], shingle_size: int, num_perm: int) -> Fingerprint:
    """The fingerprint of a text given as its words (`words_of`)."""
    grams = shingles(words, shingle_size)
    sequence = tuple(dict.fromkeys(map(zlib.crc32, map(str.encode, grams))))
    return Fingerprint(
        normalised_text_hash(words),
        sequence,
        _minhash(grams, num_perm),
        _minhash(grams[:LEAD_SHINGLES], num_perm),
    )


def _minhash(grams: list[str], num_perm: int) -> tuple[int, ...]:
    minhash = RMinHash(num_perm=num_perm, seed=MINHASH_SEED)
    if grams:
        minhash.update(grams)
    return tuple(minhash.digest())


def shingle_sequence(data: bytes) -> tuple[int, ...]:
    values = array.array("I")
    values.frombytes(data)
    return tuple(values)


def resemblance(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def excerpt_containment(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Share of the shorter text found in the opening of the longer one.

    An excerpt, a truncated copy or a copy with a short new lede sits in the first
    n + LEAD_SHINGLES shingles of its story (n: the shorter text's size); a follow-up
    that repeats an earlier story as background carries it further down, and scores low.
    """
    short, long = sorted((a, b), key=len)
    if not short:
        return 0.0
    opening = set(long[: len(short) + LEAD_SHINGLES])
    return sum(h in opening for h in short) / len(short)


# -- a story's print: computed ahead in the extraction worker -------------------------------
@dataclass(frozen=True)
class StoryPrint:
    """What clustering needs from a story's text alone, before PostgreSQL tells which lines
    are its outlet's template: worth computing in the extraction worker, off the main process."""

    line_hashes: dict[str, int]  # each body line (stripped): its `line_hash`
    # The lines taken for the outlet's template, as far as the worker knew, and the lines
    # that passed the noise filters: the fingerprint and bands below are the final ones if
    # PostgreSQL's counts add no template line among the latter (see `holds_for`).
    template_lines: frozenset[int]
    reached_lines: frozenset[int]
    fingerprint: Fingerprint
    bands: list[tuple[int, int]]

    def holds_for(self, boilerplate: set[int]) -> bool:
        """Whether this print is the one made with `boilerplate` as the outlet's template."""
        return self.template_lines <= boilerplate and not (
            boilerplate - self.template_lines
        ).intersection(self.reached_lines)


def line_hashes_of(text: str) -> dict[str, int]:
    return {line.strip(): line_hash(line) for line in text.splitlines() if line.strip()}


def story_print(
    text: str,
    title: str | None,
    settings: DedupSettings,
    template_lines: frozenset[int] = frozenset(),
) -> StoryPrint:
    """The story's print, assuming `template_lines` are its outlet's template."""
    line_hashes = line_hashes_of(text)
    assumed = frozenset(h for h in line_hashes.values() if h in template_lines)
    reached: set[int] = set()
    print_ = fingerprint_of(text, title, line_hashes, assumed, settings, reached)
    return StoryPrint(
        line_hashes, assumed, frozenset(reached), print_, print_.bands(settings.bands)
    )


def fingerprint_of(
    text: str,
    title: str | None,
    line_hashes: dict[str, int],
    boilerplate: AbstractSet[int],
    settings: DedupSettings,
    reached: set[int] | None = None,
) -> Fingerprint:
    """The story's print with `boilerplate` taken as its outlet's template lines."""
    words = story_words(text, boilerplate, title, line_hashes, reached)
    return fingerprint_words(words, settings.shingle_size, settings.num_perm)
