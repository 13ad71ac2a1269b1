"""One spelling per variant of a letter, with offsets back to the original text.

Aliases and article text go through the same steps, so a name matches however it is typed:
- one character for one (offsets unchanged): typographic apostrophes, dashes and spaces;
  quotation marks and hyphens become spaces ("ЧВК «Вагнер»", "Al-Qaeda" / "Al Qaeda");
  Latin letters lose their accents (État/Etat, Qaïda/Qaida, DEAŞ/DEAS, dotted and dotless
  Turkish i), ё becomes е; Arabic-script letter forms become one (ی ى ے ي, ک ك, ة ہ ه,
  أ إ آ ا, ټ ٹ, ګ گ, ۀ ه); the zero-width non-joiner, which separates Persian words and
  suffixes (حزب‌الله, داعشی‌ها), becomes a space;
- lengths change: harakat, tatweel, bidi and other zero-width marks and soft hyphens are
  removed;
  presentation forms and ligatures (ﷲ, PDF-extracted Arabic) are expanded (NFKC); runs of
  spaces become one.
`Normalised.original_span` maps a span of the normalised text back to the original.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

ZWNJ = "\u200c"

_TYPOGRAPHY = {
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u2032": "'",
    "\u0060": "'",
    "\u2010": " ",
    "\u2011": " ",
    "\u2012": " ",
    "\u2013": " ",
    "\u2014": " ",
    "\u2015": " ",
    "\u2212": " ",
    "-": " ",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\u2007": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u2004": " ",
    "\u2005": " ",
    "\u2006": " ",
    "\u2008": " ",
    "\u200a": " ",
    "\u205f": " ",
    "\u3000": " ",
    "\t": " ",
    "\n": " ",
    "\r": " ",
    "\u000b": " ",
    "\u000c": " ",
    "\u2028": " ",
    "\u2029": " ",
    ZWNJ: " ",
}
_QUOTES = '"«»„“”‟‹›‚〝〞＂'
_ARABIC_LETTERS = {
    "\u06cc": "\u064a",  # Persian yeh
    "\u0649": "\u064a",  # alef maqsura
    "\u06d2": "\u064a",  # Urdu yeh barree
    "\u06cd": "\u064a",  # Pashto feminine yeh
    "\u06a9": "\u0643",  # keheh
    "\u06aa": "\u0643",  # swash kaf
    "\u06ab": "\u06af",  # Pashto kaf with ring -> gaf
    "\u0629": "\u0647",  # ta marbuta
    "\u06c1": "\u0647",  # heh goal
    "\u06c2": "\u0647",  # heh goal with hamza
    "\u06d5": "\u0647",  # ae
    "\u06c0": "\u0647",  # heh with yeh above (ezafe)
    "\u06be": "\u0647",  # heh doachashmee
    "\u0623": "\u0627",  # alef with hamza above
    "\u0625": "\u0627",  # alef with hamza below
    "\u0622": "\u0627",  # alef with madda
    "\u0671": "\u0627",  # alef wasla
    "\u067c": "\u0679",  # Pashto tteh -> Urdu tteh
}


def _latin_base(char: str) -> str | None:
    """The unaccented letter of an accented Latin letter (None when it has no accent)."""
    decomposed = unicodedata.normalize("NFD", char)
    base = decomposed[0]
    if len(decomposed) > 1 and base.isascii() and base.isalpha():
        return base
    return None


def _accent_table() -> dict[str, str]:
    table = {}
    for code in [*range(0x00C0, 0x0250), *range(0x1E00, 0x1F00)]:
        base = _latin_base(chr(code))
        if base is not None:
            table[chr(code)] = base
    # No decomposition, yet typed for one another: Turkish dotless/dotted i, ё.
    table.update({"ı": "i", "İ": "I", "ё": "е", "Ё": "Е", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L"})
    return table


_NON_ASCII_SAME_LENGTH: dict[str, str] = {
    **{k: v for k, v in _TYPOGRAPHY.items() if not k.isascii()},
    **{q: " " for q in _QUOTES if not q.isascii()},
    **_ARABIC_LETTERS,
    **_accent_table(),
}
_ASCII_SAME_LENGTH = [(k, v) for k, v in _TYPOGRAPHY.items() if k.isascii()] + [('"', " ")]
# Finds which foldable characters a text holds; each is then replaced by str.replace, which
# is much cheaper than a translate table or a per-match callback on Arabic-script text.
_FOLDABLE = re.compile("[" + re.escape("".join(_NON_ASCII_SAME_LENGTH)) + "]")

_DELETED = (
    "\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e4\u06e7\u06e8\u06ea-\u06ed"  # harakat
    "\u0640"  # tatweel
    "\u200b\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff\u00ad\u034f"  # invisible
    "\u0300-\u036f"  # combining accents (decomposed text)
)
_EXPANDED = "\ufb00-\ufb06\ufb50-\ufdff\ufe70-\ufefc"  # ligatures and presentation forms
# Scans for one character class are much faster than one with alternatives (which tries
# each alternative at every character); marks and presentation forms are only sought in
# non-ASCII text.
_MARKS = re.compile(f"[{_DELETED}{_EXPANDED}]")
_SPACES = re.compile("  +")


def fold_same_length(text: str) -> str:
    """The one-for-one folds (typography, quotes, hyphens, accents, letter forms)."""
    for variant, plain in _ASCII_SAME_LENGTH:
        if variant in text:
            text = text.replace(variant, plain)
    if text.isascii():
        return text
    for variant in set(_FOLDABLE.findall(text)):
        text = text.replace(variant, _NON_ASCII_SAME_LENGTH[variant])
    return text


def _replacement(matched: str) -> str:
    first = matched[0]
    if first == " ":
        return " "
    if "\ufb00" <= first <= "\ufefc":
        return fold_same_length(unicodedata.normalize("NFKC", first))
    return ""


@dataclass(frozen=True, slots=True)
class Normalised:
    """A text in its normalised spelling: `cased` keeps letter case, `folded` is lower
    case (same length); spans of either map back with `original_span`."""

    cased: str
    folded: str
    # Segments of the normalised text (empty: same offsets as the original). A segment
    # that replaced original characters maps as a whole (`original_ends` >= 0).
    normalised_starts: tuple[int, ...] = ()
    original_starts: tuple[int, ...] = ()
    original_ends: tuple[int, ...] = ()

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        if not self.normalised_starts:
            return start, end
        return self._original(start, False), self._original(end - 1, True)

    def _original(self, position: int, after: bool) -> int:
        index = bisect_right(self.normalised_starts, position) - 1
        original_end = self.original_ends[index]
        if original_end >= 0:  # a replaced run: the whole run
            return original_end if after else self.original_starts[index]
        offset = self.original_starts[index] + position - self.normalised_starts[index]
        return offset + 1 if after else offset


def fold_case(text: str) -> str:
    """Lower case without changing the length (so offsets map back to the original)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def normalise(text: str) -> Normalised:
    """`text` in the matcher's spelling, with the map back to its offsets."""
    cased = fold_same_length(text)
    matches = list(_SPACES.finditer(cased)) if "  " in cased else []
    if not cased.isascii():
        marks = list(_MARKS.finditer(cased))
        if marks:
            matches = sorted(matches + marks, key=lambda m: m.start())
    if not matches:
        return Normalised(cased, fold_case(cased))
    pieces: list[str] = []
    normalised_starts: list[int] = []
    original_starts: list[int] = []
    original_ends: list[int] = []
    length = 0
    kept_from = 0
    for match in matches:
        if match.start() > kept_from:
            normalised_starts.append(length)
            original_starts.append(kept_from)
            original_ends.append(-1)
            pieces.append(cased[kept_from : match.start()])
            length += match.start() - kept_from
        replacement = _replacement(match.group())
        if replacement:
            normalised_starts.append(length)
            original_starts.append(match.start())
            original_ends.append(match.end())
            pieces.append(replacement)
            length += len(replacement)
        kept_from = match.end()
    if kept_from < len(cased) or not normalised_starts:
        normalised_starts.append(length)
        original_starts.append(kept_from)
        original_ends.append(-1)
        pieces.append(cased[kept_from:])
    joined = "".join(pieces)
    return Normalised(
        joined,
        fold_case(joined),
        tuple(normalised_starts),
        tuple(original_starts),
        tuple(original_ends),
    )


def normalise_name(name: str) -> str:
    """A watchlist name in the matcher's spelling (case kept), without outer spaces."""
    return normalise(name).cased.strip()


_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def is_arabic_script(text: str) -> bool:
    return _ARABIC_SCRIPT.search(text) is not None


def is_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None
