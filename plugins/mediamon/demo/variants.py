"""Variants of a source article, as other outlets publish it: pure functions of the text and a
seeded random generator, so a build is the same for the same seed.

A syndicated copy keeps the story (the clusterer must group it); a rewrite keeps the facts
and changes the words (an event, not a copy); borrowed background makes a different story
that shares paragraphs with another (a hard negative for the clusterer)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field

# Agencies and the boilerplate lines they add, per language (English where a language has none).
AGENCIES = {
    "en": ["Global Wire", "Continental Press", "Newsline Agency"],
    "ru": ["Агентство «Новости Востока»", "Информбюро «Меридиан»"],
    "uk": ["Агенція «Полісся-Інфо»"],
    "ar": ["وكالة الأنباء المشرقية"],
    "fa": ["خبرگزاری آسیای میانه"],
    "ps": ["د خبرونو آژانس"],
    "ur": ["مشرق نیوز ایجنسی"],
    "fr": ["Agence Continentale"],
    "de": ["Nachrichtenagentur Kontinent"],
    "es": ["Agencia Continental"],
    "tr": ["Kıta Haber Ajansı"],
}
_CREDIT = {
    "en": "© 2026 {agency}. All rights reserved. This material may not be republished without permission.",
    "ru": "© 2026 {agency}. Все права защищены.",
    "uk": "© 2026 {agency}. Усі права захищено.",
    "ar": "© 2026 {agency}. جميع الحقوق محفوظة.",
    "fa": "© ۲۰۲۶ {agency}. تمامی حقوق محفوظ است.",
    "fr": "© 2026 {agency}. Tous droits réservés.",
    "de": "© 2026 {agency}. Alle Rechte vorbehalten.",
    "es": "© 2026 {agency}. Todos los derechos reservados.",
    "tr": "© 2026 {agency}. Tüm hakları saklıdır.",
}
_EDITOR_NOTE = {
    "en": "Editor's note: This story has been updated with new details from officials.",
    "ru": "Примечание редакции: материал дополнен новыми подробностями.",
    "fr": "Note de la rédaction : cet article a été mis à jour.",
    "de": "Anmerkung der Redaktion: Dieser Artikel wurde aktualisiert.",
    "es": "Nota del editor: esta noticia ha sido actualizada.",
    "tr": "Editörün notu: Bu haber güncellenmiştir.",
}
_RELATED = {"en": "RELATED: {title}", "ru": "ЧИТАЙТЕ ТАКЖЕ: {title}", "fr": "À LIRE AUSSI : {title}",
            "de": "MEHR ZUM THEMA: {title}", "es": "RELACIONADO: {title}", "tr": "İLGİLİ: {title}",
            "ar": "اقرأ أيضا: {title}"}  # fmt: skip
_READ_MORE = {"en": "Read the full story at {outlet}.", "ru": "Полностью читайте на сайте {outlet}.",
              "fr": "Lire l'article complet sur {outlet}.", "de": "Den ganzen Artikel lesen Sie bei {outlet}.",
              "es": "Lea la noticia completa en {outlet}.", "tr": "Haberin tamamı {outlet} sitesinde.",
              "ar": "اقرأ القصة كاملة على موقع {outlet}."}  # fmt: skip
_BACKGROUND = {"en": "Background", "ru": "Предыстория", "uk": "Передісторія", "fr": "Contexte",
               "de": "Hintergrund", "es": "Antecedentes", "tr": "Arka plan", "ar": "خلفية",
               "fa": "پیشینه", "ps": "شالید", "ur": "پس منظر"}  # fmt: skip

# Light copy-editing an editor does to a wire story (English only: a few house-style words).
_COPYEDIT = {
    "said": "told reporters",
    "killed": "left dead",
    "wounded": "injured",
    "on Monday": "on Monday morning",
    "officials": "authorities",
    "police": "security forces",
    "attack": "assault",
    "spokesman": "spokesperson",
    "about": "around",
    "at least": "no fewer than",
}
# A content-syndication rewrite replaces nearly every word it can (English only).
_REWRITE = {
    **_COPYEDIT,
    "said": "stated",
    "told": "informed",
    "claimed": "took responsibility for",
    "people": "individuals",
    "arrested": "detained",
    "city": "capital",
    "group": "organisation",
    "government": "administration",
    "ministry": "department",
    "witnesses": "onlookers",
    "later": "subsequently",
    "after": "following",
    "before": "prior to",
    "because": "as",
    "also": "additionally",
    "more than": "upwards of",
    "fighters": "militants",
    "soldiers": "troops",
    "security": "safety",
    "statement": "communique",
    "residents": "locals",
    "began": "started",
    "large": "sizeable",
    "small": "minor",
    "near": "close to",
    "several": "a number of",
    "many": "numerous",
    "the attack": "the incident",
    "hospital": "medical facility",
    "building": "structure",
    "area": "district",
    "told Reuters": "said in an interview",
    "However,": "Even so,",
    "But": "Yet",
}


@dataclass
class Variant:
    """A page's text: its title, paragraphs, and what was done to make it."""

    title: str
    paragraphs: list[str]
    ops: list[str] = field(default_factory=list)
    canonical_to_source: bool = False


def _phrase(table: dict[str, str], language: str) -> str | None:
    return table.get(language) or (table["en"] if language in ("en",) else None)


def _substitute(text: str, table: dict[str, str], rng: random.Random, share: float) -> str:
    for old, new in table.items():
        pattern = re.compile(rf"\b{re.escape(old)}\b")
        text = pattern.sub(_sometimes(new, rng, share), text)
    return text


def _sometimes(
    replacement: str, rng: random.Random, share: float
) -> Callable[[re.Match[str]], str]:
    """A substitution that replaces a match by `replacement` with probability `share`."""

    def substitute(match: re.Match[str]) -> str:
        return replacement if rng.random() < share else match.group(0)

    return substitute


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z\"“])", paragraph) if s]


def syndicated_copy(
    title: str,
    paragraphs: list[str],
    language: str,
    dateline: str,
    rng: random.Random,
    hard: float,
    related_title: str,
) -> Variant:
    """A wire copy on another outlet: new headline, agency dateline and credit line, and a
    few edits, more of them the harder the build."""
    agency = rng.choice(AGENCIES.get(language, AGENCIES["en"]))
    body = list(paragraphs)
    ops: list[str] = []
    if dateline and rng.random() < 0.7:
        body[0] = f"{dateline} ({agency}) — {body[0]}"
        ops.append("dateline")
    if len(body) > 5 and rng.random() < 0.3 + 0.4 * hard:
        body = body[: len(body) - rng.randint(1, 2)]
        ops.append("truncate")
    if language == "en" and rng.random() < 0.3 + 0.5 * hard:
        body = [_substitute(p, _COPYEDIT, rng, 0.5) for p in body]
        ops.append("copyedit")
    if len(body) > 4 and rng.random() < 0.2 + 0.4 * hard:
        at = rng.randrange(1, len(body) - 1)
        body[at : at + 2] = [f"{body[at]} {body[at + 1]}"]
        ops.append("merge")
    related = _phrase(_RELATED, language)
    if related and len(body) > 3 and rng.random() < 0.3:
        body.insert(len(body) // 2, related.format(title=related_title))
        ops.append("related")
    note = _phrase(_EDITOR_NOTE, language)
    if note and rng.random() < 0.25:
        body.insert(0, note)
        ops.append("editor-note")
    credit = _CREDIT.get(language)
    if credit and rng.random() < 0.6:
        body.append(credit.format(agency=agency))
        ops.append("credit")
    new_title = title
    if rng.random() < 0.5:
        new_title = f"{title} — {agency}"
        ops.append("headline")
    copy = Variant(new_title, body, ops)
    copy.canonical_to_source = rng.random() < 0.3
    if copy.canonical_to_source:
        ops.append("canonical")
    return copy


def excerpt(
    title: str, paragraphs: list[str], language: str, outlet: str, rng: random.Random
) -> Variant:
    """The first paragraphs of a story and a line sending the reader to the original."""
    keep = min(len(paragraphs), rng.randint(2, 4))
    body = list(paragraphs[:keep])
    more = _phrase(_READ_MORE, language)
    if more:
        body.append(more.format(outlet=outlet))
    return Variant(title, body, ["excerpt"])


def rewrite(title: str, paragraphs: list[str], rng: random.Random) -> Variant:
    """Same facts, most words and the order of sentences changed (English)."""
    body = []
    for paragraph in paragraphs:
        sentences = _sentences(_substitute(paragraph, _REWRITE, rng, 0.95))
        if len(sentences) > 1 and rng.random() < 0.7:
            sentences = sentences[1:] + sentences[:1]
        body.append(" ".join(sentences))
    if len(body) > 3:
        middle = body[1:-1]
        rng.shuffle(middle)
        body = [body[0], *middle, body[-1]]
    return Variant(_substitute(title, _REWRITE, rng, 1.0), body, ["rewrite"])


def with_background(paragraphs: list[str], borrowed: list[str], language: str) -> list[str]:
    """A story followed by background paragraphs taken from another story."""
    heading = _BACKGROUND.get(language, _BACKGROUND["en"])
    return [*paragraphs, heading, *borrowed]
