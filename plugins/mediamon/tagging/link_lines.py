"""Lines that link to other stories ("RELATED: ...", "ЧИТАЙТЕ ТАКЖЕ: ...", "اقرأ أيضا: ..."):
blanked before matching, because what they name is not mentioned in this article."""

from __future__ import annotations

import re


def blank_link_lines(text: str) -> str:
    """Link lines replaced by spaces of the same length (offsets stay true)."""
    # Searched for only when a marker ends right before one of the text's colons: the
    # pattern's scan costs more than looking behind each colon.
    colon = text.find(":")
    while colon >= 0:
        before = text[max(0, colon - _LONGEST_MARKER) : colon].rstrip(" \t").lower()
        if before.endswith(_LINK_LINE_WORDS):
            return _LINK_LINE.sub(lambda m: " " * len(m.group(0)), text)
        colon = text.find(":", colon + 1)
    return text


# Lines that link to other stories ("RELATED: ...", "ЧИТАЙТЕ ТАКЖЕ: ...", "اقرأ أيضا: ...")
# are not mentions in this article: a marker at the start of a line in any case, or in
# capitals anywhere, then a colon.
_LINK_MARKERS = (
    "related|read more|see also|also read|more on this|recommended"
    "|читайте также|читайте ещё|читайте еще|смотрите также|см\\. также"
    "|читайте також|дивіться також"
    "|à lire aussi|a lire aussi|lire aussi|voir aussi|sur le même sujet"
    "|mehr zum thema|lesen sie auch|auch interessant|siehe auch"
    "|relacionado|relacionada|lea también|lee también|te puede interesar|ver también"
    "|ilgili|ilgili haber|bunu da okuyun"
    "|اقرأ أيضا|اقرأ أيضاً|إقرأ أيضا|اقرأ ايضا|شاهد أيضا|مواضيع ذات صلة"
    "|بیشتر بخوانید|همچنین بخوانید|مطالب مرتبط|یہ بھی پڑھیں|مزید پڑھیں|دا هم ولولئ"
)
_LINK_LINE = re.compile(
    rf"(?:^[ \t]*(?i:{_LINK_MARKERS})[ \t]*:"
    r"|\b(?:RELATED|READ MORE|SEE ALSO|ALSO READ|ЧИТАЙТЕ ТАКЖЕ|ЧИТАЙТЕ ТАКОЖ|À LIRE AUSSI"
    r"|LIRE AUSSI|MEHR ZUM THEMA|LESEN SIE AUCH|RELACIONADO|LEA TAMBIÉN|İLGİLİ)[ \t]*:).*$",
    re.MULTILINE,
)
# Their words as str.lower() writes them (Turkish İ lowers to i and a combining dot).
_LINK_LINE_WORDS = (
    *_LINK_MARKERS.replace("\\", "").split("|"),
    "İLGİLİ".lower(),
    "İlgili".lower(),
)
_LONGEST_MARKER = max(len(word) for word in _LINK_LINE_WORDS) + 4
