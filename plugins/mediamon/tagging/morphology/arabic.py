"""Arabic-script spellings: the words of a name apart (a zero-width non-joiner reads as a
space) or joined (حزب الله / حزب‌الله / حزبالله); a name whose first word has the article ال
also without it, where a preposition elides it (لل + حوثيين) and, for a nisba adjective
(الحوثي), bare (حوثي, حوثية); a final ه/ة also as Pashto's oblique ې (القاعدې). Attached
prefixes and suffixes are checked when a match is found (tagging/affixes.py).
"""

from __future__ import annotations

import re

from mediamon.tagging.morphology.form import ELIDED_ARTICLE, NISBA, Form
from mediamon.tagging.normalise import ZWNJ

_ALLAH_WORDS = ("الله", "اللہ", "ﷲ")
_ALLAH = re.compile(f"^(.{{2,}})({'|'.join(_ALLAH_WORDS)})$")
_ARTICLE = "ال"
_YEH = ("ي", "ی", "ى", "ے")
_FINAL_HEH = ("ه", "ة", "ہ", "ە")


def _arabic_words(name: str) -> list[str]:
    words: list[str] = []
    for word in re.split(f"[\\s{ZWNJ}]+", name.strip()):
        joined_allah = _ALLAH.match(word)  # انصارالله: the same two words as انصار الله
        words.extend(joined_allah.groups() if joined_allah else [word])
    return [w for w in words if w]


def arabic_forms(name: str) -> list[Form]:
    """Spellings of an Arabic-script name: its words apart (a zero-width non-joiner reads
    as a space) or joined, its article elided or dropped, a Pashto oblique ending."""
    words = _arabic_words(name)
    spellings = [" ".join(words)]
    if len(words) == 2 or ZWNJ in name:  # بوکوحرام, پکک
        spellings.append("".join(words))
    for index in range(1, len(words)):
        if words[index] in _ALLAH_WORDS:  # حزبالله اللبناني
            spellings.append(
                " ".join(
                    [*words[: index - 1], words[index - 1] + words[index], *words[index + 1 :]]
                )
            )
    if words[-1].endswith(_FINAL_HEH):  # Pashto feminine oblique: القاعده -> القاعدې
        spellings += [s[:-1] + "ې" for s in spellings]
    spellings = list(dict.fromkeys(spellings))
    forms = [Form(s) for s in spellings]
    if words[0].startswith(_ARTICLE) and len(words[0]) > 3:
        for spelling in spellings:
            stem = spelling[len(_ARTICLE) :]
            nisba = len(words) == 1 and stem.endswith(_YEH)
            forms.append(Form(stem, NISBA if nisba else ELIDED_ARTICLE))
    return forms
