"""What an article says about its event, besides its meaning: pure functions, no I/O.

Only the headline and the lead are read: that is where a report states its event (place,
toll, who claimed it); later paragraphs carry background shared by other events.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# Languages whose pieces the packaged encoder (USE multilingual v3) has no vocabulary for:
# same-event cosine across languages 0.26-0.40 (doc/research/event-encoders.md).
WEAK_ENCODER_LANGUAGES = frozenset({"uk", "fa", "ps", "ur"})

# Any script's decimal digits (Persian ۱۴, Arabic-Indic ١٤, Devanagari ...): `\d` matches
# them and int() reads them, so a toll is the same number in every language.
_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:[ ,.\u00a0\u066c]\d{3})*(?![\d])")


@dataclass(frozen=True)
class Evidence:
    """The signals one article brings to event assignment."""

    groups: frozenset[str]  # tracked groups named (tagger ids)
    numbers: frozenset[int]  # numbers of the headline and lead, years left out
    published_at: datetime
    language: str


def lead_text(title: str | None, text: str, max_chars: int = 600) -> str:
    """The headline and the first paragraph (cut at `max_chars`): what is encoded."""
    lead = text.strip().split("\n", 1)[0][:max_chars]
    return f"{title.strip()}. {lead}" if title else lead


def numbers_of(text: str) -> frozenset[int]:
    """Numbers that can identify an incident (tolls, counts), in any script's digits.

    Years (1900-2099) are left out: a follow-up names the year of the event it follows. So
    are 0 and 1, which every text has.
    """
    found: set[int] = set()
    for match in _NUMBER.finditer(text):
        digits = "".join(ch for ch in match.group() if ch.isdigit())
        try:
            value = int(digits)
        except ValueError:
            continue
        if value > 1 and not (1900 <= value <= 2099 and len(digits) == 4):
            found.add(value)
    return frozenset(found)


def evidence_of(
    title: str | None, text: str, groups: list[str], published_at: datetime, language: str
) -> Evidence:
    lead = lead_text(title, text)
    return Evidence(frozenset(groups), numbers_of(lead), published_at, language.split("-")[0])
