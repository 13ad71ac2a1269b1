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
from dataclasses import dataclass

from rensa import RMinHash

MINHASH_SEED = 1_000_003

_WORD = re.compile(r"\w+")
_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .,'\-]{1,40}(?:,\s*[A-Z][A-Za-z .]{1,30})?\s*(?:\([A-Za-z .&]{1,30}\))?\s*[\u2014\u2013\-]+\s*"
)
_NOISE_LINE = re.compile(
    r"^\s*(?:related|read more|more|see also|also read|watch|listen)\s*:"
    r"|^\s*(?:editor'?s note|update|correction)\s*:"
    r"|copyright\s+(?:©\s*)?\d{4}|all rights reserved|\(c\)\s*\d{4}"
    r"|^\s*reporting by\b|^\s*(?:additional )?reporting (?:by|from)\b|;\s*editing by\b"
    r"|originally (?:appeared|published) (?:on|in|at)\b|republished with permission"
    r"|^\s*(?:share|follow us|sign up|subscribe)\b.{0,80}$",
    re.IGNORECASE,
)


def line_hash(line: str) -> int:
    """Stable 63-bit hash of a whitespace- and case-normalised line (fits PostgreSQL bigint)."""
    normalised = " ".join(_WORD.findall(line.lower()))
    digest = hashlib.blake2b(normalised.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def body_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def story_lines(text: str, outlet_boilerplate: set[int] = frozenset()) -> list[str]:
    """The body's lines that carry the story: syndication noise and outlet boilerplate dropped."""
    kept = []
    for line in body_lines(text):
        if _NOISE_LINE.search(line) or line_hash(line) in outlet_boilerplate:
            continue
        if not kept:
            line = _DATELINE.sub("", line)
        kept.append(line)
    return kept


def normalised_text_hash(lines: Iterable[str]) -> str:
    """Exact-copy level: the same words in the same order, whatever the spacing or case."""
    words = " ".join(_WORD.findall(" ".join(lines).lower()))
    return hashlib.sha256(words.encode()).hexdigest()


def shingles(lines: Iterable[str], size: int) -> list[str]:
    words = _WORD.findall(" ".join(lines).lower())
    if len(words) < size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


@dataclass(frozen=True)
class Fingerprint:
    text_hash: str
    shingle_hashes: frozenset[int]
    minhash: tuple[int, ...]

    @property
    def size(self) -> int:
        return len(self.shingle_hashes)

    def shingle_bytes(self) -> bytes:
        return array.array("I", sorted(self.shingle_hashes)).tobytes()

    def bands(self, band_count: int) -> list[tuple[int, int]]:
        """(band, bucket) pairs: each bucket hashes `rows` consecutive MinHash values."""
        rows = len(self.minhash) // band_count
        out = []
        for band in range(band_count):
            chunk = self.minhash[band * rows : (band + 1) * rows]
            digest = hashlib.blake2b(repr(chunk).encode(), digest_size=8).digest()
            out.append((band, int.from_bytes(digest, "big", signed=True)))
        return out


def fingerprint(lines: list[str], shingle_size: int, num_perm: int) -> Fingerprint:
    grams = shingles(lines, shingle_size)
    hashes = frozenset(zlib.crc32(gram.encode()) for gram in grams)
    minhash = RMinHash(num_perm=num_perm, seed=MINHASH_SEED)
    if grams:
        minhash.update(grams)
    return Fingerprint(normalised_text_hash(lines), hashes, tuple(minhash.digest()))


def shingle_set(data: bytes) -> frozenset[int]:
    values = array.array("I")
    values.frombytes(data)
    return frozenset(values)


def resemblance(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def containment(a: frozenset[int], b: frozenset[int]) -> float:
    """Share of the smaller set found in the larger (an excerpt scores high)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
