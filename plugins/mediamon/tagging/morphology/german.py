"""German forms: "-isch" adjectives take every ending, their noun the genitive s/es ("des
Islamischen Staates")."""

from __future__ import annotations

import itertools
import re

_GERMAN_ADJECTIVE = re.compile(r"^(.*isch)(e|er|es|en|em)$")
_GERMAN_ENDINGS = ("e", "er", "es", "en", "em")


def german_forms(name: str) -> list[str]:
    """A name with "-isch" adjectives in every ending, their noun also in the genitive."""
    words = name.split()
    if len(words) < 2:
        return []
    options: list[list[str]] = []
    inflected = False
    for index, word in enumerate(words):
        adjective = _GERMAN_ADJECTIVE.match(word) if index < len(words) - 1 else None
        if adjective and word[:1].isupper():
            options.append([adjective.group(1) + ending for ending in _GERMAN_ENDINGS])
            inflected = True
        elif inflected and word[:1].isupper() and word.isalpha():
            options.append([word, word + "s", word + "es"])
            inflected = False
        else:
            options.append([word])
            inflected = False
    forms = {" ".join(combination) for combination in itertools.product(*options)}
    forms.discard(name)
    return sorted(forms)
