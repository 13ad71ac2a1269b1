"""An article's language, identified from its text; the page's declarations are evidence.

`<html lang>`, `og:locale` and `Content-Language` are wrong or missing on many pages (a
template may declare "en" on every page), so the text decides. A declaration multiplies the
odds of the language it names by DECLARATION_ODDS: enough to break a near tie on a short
text, never enough to outweigh clear text.

The model is py3langid's (naive Bayes over byte n-grams, ~140 languages), shipped inside its
package: nothing is downloaded. It is loaded once per process, on first use (about a second
of CPU decompressing it, ~90 MiB), or from the model cache (`preload_language_model(cache_dir)`:
0.17 s). CPU is bounded whatever the text's length: a text of three windows or more is
scored on WINDOWS windows of WINDOW_CHARS characters spread from its start to its end (the
title leads the first), a shorter one whole. Each window votes, weighted by its letters:

- for an expected language: the model's full ranking renormalised over EXPECTED_LANGUAGES,
  against the best language outside them discounted by OTHER_LANGUAGE_PRIOR. (Restricting
  the model itself with `set_languages` labels a text in another language confidently as
  the nearest expected one: Bulgarian as Russian, Catalan as Spanish.) Labels of languages
  with little press that the model gives our short texts (Nigerian Pidgin for Nigerian
  English, Aragonese for Spanish) are set aside;
- or for that other language ("und: other language (bg)").

"und" when the text has fewer than MIN_LETTERS letters, when no language holds MIXED_SHARE
of the votes ("mixed"), or when the winner, with the page's evidence, stays below
MIN_CONFIDENCE ("uncertain"; "text and page disagree" when the text alone was clear).

`python -m bench.language` measures it on the demo newsroom's 82 articles: all right
whether their pages declare the language rightly, not at all or as "en"; ~0.4 ms CPU each.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mediamon.model_cache import cache_key, cached_model

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

UNDETERMINED = "und"
# The languages the deployment monitors.
EXPECTED_LANGUAGES: frozenset[str] = frozenset({
    "en", "ru", "uk", "ar", "fa", "ps", "ur", "fr", "de", "es", "tr",  # the demo newsroom's
    "it", "pt", "nl", "pl", "zh", "ja", "ko", "hi", "id", "ms", "sw", "so", "am", "ha",
})  # fmt: skip

# Model labels that are a variety written as one of our languages (dialects, Chinese
# varieties): their probability counts for that language.
_MODEL_VARIETIES = {"ary": "ar", "arz": "ar", "yue": "zh", "wuu": "zh"}
# Languages with little press of their own that the model names for short texts in ours
# (Nigerian English as Nigerian Pidgin, Spanish as Aragonese or Extremaduran, Persian as
# Southern Uzbek, English or French as Latin): their probability is set aside, as noise.
_UNLIKELY_LABELS = frozenset({
    "pcm", "an", "ext", "oc", "lij", "vec", "wa", "gcf", "gcr", "bcl", "la", "grc", "hbo", "vo",
    "uzs",
})  # fmt: skip
# The model's label for text in no language (digits, code, symbols).
_NO_LANGUAGE = "zxx"

MIN_LETTERS = 20  # fewer letters (title and text together) than this: too short
WINDOW_CHARS = 120
WINDOWS = 4
MIN_WINDOW_LETTERS = 10  # a window with fewer letters (a run of figures) does not vote
# The winner must hold this share of the votes (letters of the windows voting for it).
MIXED_SHARE = 0.6
MIN_CONFIDENCE = 0.7
# A text outside the expected languages is this much less likely, a priori, than one in
# them: the model's best other language counts for this share of its probability. It
# wins a window's vote only in a window of OTHER_MIN_LETTERS letters (a list of Afghan
# place names in Cyrillic looks Tajik).
OTHER_LANGUAGE_PRIOR = 0.25
OTHER_MIN_LETTERS = 40
# A page's declaration multiplies the odds of the language it names by this much; it
# breaks a tie when it names one of the text's two likeliest languages, holding TIE_SHARE.
DECLARATION_ODDS = 3.0
TIE_SHARE = 0.3

_NEGLIGIBLE = 0.001  # probability mass too small to change a decision
_SNAP_CHARS = 30  # how far a window's edge moves to fall between words
_URL_OR_EMAIL = re.compile(r"https?://\S+|www\.\S+|\S+@\S+\.\S+")
_NOT_LETTER = re.compile(r"[\W\d_]+")
# Han, kana and hangul: one character carries about a word, so it counts as three letters.
_CJK = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")

# ISO 639-2/3 codes (and deprecated ones) pages use for the languages we see, as ISO 639-1.
_TAG_ALIASES = {
    "prs": "fa", "pes": "fa", "fas": "fa", "per": "fa",
    "pus": "ps", "pbt": "ps", "pbu": "ps", "pst": "ps",
    "ara": "ar", "arb": "ar", "ary": "ar", "arz": "ar", "apc": "ar", "ajp": "ar", "acm": "ar",
    "urd": "ur", "eng": "en", "rus": "ru", "ukr": "uk", "fra": "fr", "fre": "fr",
    "deu": "de", "ger": "de", "spa": "es", "tur": "tr", "ita": "it", "por": "pt",
    "nld": "nl", "dut": "nl", "pol": "pl", "zho": "zh", "chi": "zh", "cmn": "zh",
    "yue": "zh", "wuu": "zh", "jpn": "ja", "kor": "ko", "hin": "hi", "ind": "id",
    "msa": "ms", "may": "ms", "zsm": "ms", "swa": "sw", "swh": "sw", "som": "so",
    "amh": "am", "hau": "ha", "tgk": "tg",
    "iw": "he", "in": "id", "ji": "yi", "jw": "jv",
}  # fmt: skip
_TWO_LETTERS = re.compile(r"[a-z]{2}")
_TAG_CHARS = 64  # a declaration longer than this is junk; only its start is read


@dataclass(frozen=True)
class LanguageGuess:
    """What identify_language concluded, and why."""

    language: str  # ISO 639-1 code, or "und"
    confidence: float  # 0..1 (for "und": the best candidate's share, or 0)
    reason: str  # one short line, e.g. "text, page agrees" or "und: too short"
    declared: str | None  # the page's declared language, normalised, if its declarations agreed


@dataclass(frozen=True)
class _Window:
    """One scored window: its letters, its vote and its probabilities."""

    letters: int
    vote: str  # an expected language, or "other:<code>"
    probabilities: dict[str, float]  # expected languages and "other:<code>", summing to 1


_model: LanguageIdentifier | None = None
_model_lock = threading.Lock()


def _new_lock_in_child() -> None:
    """A forked worker gets a free lock: a thread of its parent may have held this one."""
    global _model_lock
    _model_lock = threading.Lock()


os.register_at_fork(after_in_child=_new_lock_in_child)


def _read_model_file() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    # The model file is inside the package; norm_probs gives probabilities.
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def _model_cache_key() -> str:
    """What the loaded model is made of: py3langid's version and model file, and the
    versions of what pickles it (Python, NumPy)."""
    import importlib.metadata

    import numpy
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    return cache_key([
        importlib.metadata.version("py3langid"),
        (MODEL_DIR / MODEL_FILE).read_bytes(),  # 4.5 MB: hashed in ~10 ms
        "norm_probs",
        numpy.__version__,
        sys.version,
    ])  # fmt: skip


def _load_model(cache_dir: Path | None) -> LanguageIdentifier:
    if cache_dir is None:
        return _read_model_file()
    from py3langid.langid import LanguageIdentifier

    return cached_model(
        cache_dir, "py3langid", _model_cache_key(), LanguageIdentifier, _read_model_file
    )


def _language_model(cache_dir: Path | None = None) -> LanguageIdentifier:
    """py3langid's model, loaded on first use, once per process (threads wait for it)."""
    global _model
    model = _model
    if model is None:
        with _model_lock:
            if _model is None:
                _model = _load_model(cache_dir)
            model = _model
    return model


def preload_language_model(cache_dir: Path | None = None) -> None:
    """Load the model now, e.g. before forking workers that share it: from `cache_dir`'s
    copy when it has one (0.17 s of CPU), else from its package (about a second), then
    kept there for the next process."""
    _language_model(cache_dir)


def normalise_language_tag(tag: str | None) -> str | None:
    """A declared language as an ISO 639-1 code: "fa-AF" -> "fa", "uk_UA" -> "uk",
    "prs" -> "fa"; None for no tag, "und"/"mul"/"x-default", or junk."""
    if not tag:
        return None
    codes: set[str] = set()
    # Content-Language may list several languages: a page declaring two declares neither.
    for part in tag[:_TAG_CHARS].split(","):
        primary = part.split(";")[0].strip().replace("_", "-").split("-")[0].lower()
        if not primary:
            continue
        code = _TAG_ALIASES.get(primary, primary)
        if not _TWO_LETTERS.fullmatch(code):
            return None
        codes.add(code)
    return codes.pop() if len(codes) == 1 else None


def identify_language(
    text: str, title: str | None = None, declared: Sequence[str | None] = ()
) -> LanguageGuess:
    """The language of an article from its text and title; `declared`: what the page says
    (`<html lang>`, `og:locale`, `Content-Language`, any of them None)."""
    declaration = _agreed_declaration(declared)
    windows: list[_Window] = []
    letters = 0
    for sample in _sample(text or "", (title or "")[:WINDOW_CHARS]):
        if "http" in sample or "www." in sample or "@" in sample:
            sample = _URL_OR_EMAIL.sub(" ", sample)
        sample_letters = _letters(sample)
        letters += sample_letters
        if sample_letters >= MIN_WINDOW_LETTERS:
            windows.append(_score(sample, sample_letters))
    if letters < MIN_LETTERS or not windows:
        return LanguageGuess(UNDETERMINED, 0.0, f"und: too short ({letters} letters)", declaration)
    return _decide(windows, declaration)


def _agreed_declaration(declared: Sequence[str | None]) -> str | None:
    codes = {code for code in map(normalise_language_tag, declared) if code}
    return codes.pop() if len(codes) == 1 else None


def _sample(text: str, title: str) -> list[str]:
    """What to score: a short text whole, after its title; a longer one as up to WINDOWS
    windows of WINDOW_CHARS characters spread from its start to its end (the first one led
    by the title), their edges moved to fall between words."""
    length = len(text)
    count = min(WINDOWS, length // WINDOW_CHARS)
    if count < 3:  # too short to split: each part would say little alone
        return [f"{title}\n{text}" if title else text]
    step = (length - WINDOW_CHARS) / (count - 1)
    windows = []
    for index in range(count):
        start = int(index * step)
        windows.append(_between_words(text, start, start + WINDOW_CHARS))
    if title:
        lead = _between_words(text, 0, max(0, WINDOW_CHARS - len(title)))
        windows[0] = f"{title}\n{lead}"
    return windows


def _between_words(text: str, start: int, end: int) -> str:
    """text[start:end], its edges moved (a little) to the nearest spaces inside it."""
    if start > 0:
        space = text.find(" ", start, start + _SNAP_CHARS)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", max(start, end - _SNAP_CHARS), end)
        end = space if space > start else end
    return text[start:end]


def _letters(text: str) -> int:
    letters = _NOT_LETTER.sub("", text)
    return len(letters) + 2 * len(_CJK.findall(letters))


def _score(window: str, letters: int) -> _Window:
    """The window's vote and its probabilities over the expected languages and the best other."""
    expected: dict[str, float] = {}
    other, other_probability = _NO_LANGUAGE, 0.0
    unread = 1.0
    for label, probability in _language_model().rank(window):
        language = _MODEL_VARIETIES.get(label, label)
        if language in EXPECTED_LANGUAGES:
            expected[language] = expected.get(language, 0.0) + probability
        elif language not in _UNLIKELY_LABELS and probability > other_probability:
            other, other_probability = language, probability
        unread -= probability
        if unread < _NEGLIGIBLE and expected:  # best first: the rest changes nothing
            break
    inside = sum(expected.values())
    # The best other language only: a long tail of small probabilities is the model's
    # doubt, not evidence of a language outside ours.
    outside = OTHER_LANGUAGE_PRIOR * other_probability
    total = inside + outside or 1.0
    probabilities = {language: p / total for language, p in expected.items()}
    probabilities[f"other:{other}"] = outside / total
    best = max(expected, key=expected.__getitem__)
    vote = best if expected[best] >= outside or letters < OTHER_MIN_LETTERS else f"other:{other}"
    return _Window(letters, vote, probabilities)


def _decide(windows: list[_Window], declaration: str | None) -> LanguageGuess:
    votes: dict[str, int] = {}
    for window in windows:
        votes[window.vote] = votes.get(window.vote, 0) + window.letters
    total = sum(votes.values())
    ranked = sorted(votes.items(), key=lambda item: -item[1])
    winner, share = ranked[0][0], ranked[0][1] / total
    if share < MIXED_SHARE:
        shares = _figures((vote, letters / total) for vote, letters in ranked[:2])
        return LanguageGuess(UNDETERMINED, round(share, 3), f"und: mixed ({shares})", declaration)
    if winner.startswith("other:"):
        code = winner.removeprefix("other:")
        reason = "und: no language" if code == _NO_LANGUAGE else f"und: other language ({code})"
        return LanguageGuess(UNDETERMINED, round(share, 3), reason, declaration)
    # The text's probabilities: those of the windows that voted for its language.
    voters = [window for window in windows if window.vote == winner]
    weight = sum(window.letters for window in voters)
    text: dict[str, float] = {}
    for window in voters:
        for key, probability in window.probabilities.items():
            text[key] = text.get(key, 0.0) + probability * window.letters / weight
    return _with_declaration(winner, text, declaration)


def _with_declaration(
    winner: str, text: dict[str, float], declaration: str | None
) -> LanguageGuess:
    """The text's language, with the odds of the language the page declares multiplied by
    DECLARATION_ODDS: "und" below MIN_CONFIDENCE, unless the page breaks a tie (it declares
    one of the text's two likeliest languages, with TIE_SHARE, and that one comes out first)."""
    odds = {key: p * (DECLARATION_ODDS if key == declaration else 1.0) for key, p in text.items()}
    best = max((key for key in odds if not key.startswith("other:")), key=odds.__getitem__)
    confidence = round(odds[best] / sum(odds.values()), 3)
    ranked = sorted(text, key=text.__getitem__, reverse=True)
    figures = _figures((key, text[key]) for key in ranked[:2])
    tie_broken = best == declaration and best in ranked[:2] and text[best] >= TIE_SHARE
    if confidence < MIN_CONFIDENCE and not tie_broken:
        if text[winner] >= MIN_CONFIDENCE:  # the text alone was clear: the page contradicts it
            reason = f"und: text and page disagree ({figures}; page {declaration})"
        else:
            reason = f"und: uncertain ({figures})"
        return LanguageGuess(UNDETERMINED, confidence, reason, declaration)
    if text[best] < MIN_CONFIDENCE:  # the text alone could not tell
        runner_up = next(key for key in ranked if key != best).removeprefix("other:")
        reason = f"page breaks a tie with {runner_up} ({figures})"
    elif declaration == best:
        reason = "text, page agrees"
    elif declaration is not None:
        reason = f"text, page declares {declaration}"
    else:
        reason = "text"
    return LanguageGuess(best, confidence, reason, declaration)


def _figures(pairs: Iterable[tuple[str, float]]) -> str:
    """("ru", 0.55), ("other:bg", 0.45) -> "ru 0.55, bg 0.45"."""
    return ", ".join(f"{key.removeprefix('other:')} {share:.2f}" for key, share in pairs)
