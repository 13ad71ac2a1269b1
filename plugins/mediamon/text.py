"""Text hygiene shared by every stage: what PostgreSQL and Elasticsearch will accept."""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab/newline/carriage return, DEL, and lone surrogates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """NFC-normalised text without NUL, other control characters or lone surrogates."""
    return unicodedata.normalize("NFC", _UNSAFE.sub("", value))
