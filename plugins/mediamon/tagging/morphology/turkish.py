"""Turkish acronyms written with Turkish letters (IŞİD) also in sentence case (Işid), in a
Turkish article only."""

from __future__ import annotations

_TURKISH_LETTERS = set("ŞşĞğİı")


def turkish_title_case(acronym: str) -> str | None:
    """IŞİD -> Işid: Turkish writes acronyms read as words also in sentence case."""
    if " " in acronym or "-" in acronym or not (set(acronym) & _TURKISH_LETTERS):
        return None
    letters = [c for c in acronym if c.isalpha()]
    if len(letters) < 4 or not all(c.isupper() for c in letters):
        return None
    rest = acronym[1:].replace("I", "ı").replace("İ", "i").lower()
    return acronym[0] + rest
