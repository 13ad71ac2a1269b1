"""Page furniture among an extracted text's lines (pure: a line in, its kind or None out).

trafilatura keeps some of a page's furniture as lines of the article: "read also" headings
and teasers, newsletter, share and comment prompts, picture credits, "updated" stamps,
reading times. They are recognised by their wording, in the languages mediamon's press
writes most, and only on short lines: a sentence of the article that happens to start
with "Related" or "Foto" is longer than furniture is.

Measured with `python -m bench.extraction` on trafilatura's evaluation pages and the
article-extraction benchmark: dropping these lines removes 20 of the 230 leaked must-not
snippets for 2 of 2,746 found must-have ones (one "Empfehlungen von ..." heading, one
"Veröffentlicht am ..." line), and benchmark F1 rises by 0.0003.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Furniture(StrEnum):
    """Why a line is furniture, not article text."""

    POINTER = "pointer"  # a "read also" heading
    TEASER = "teaser"  # "Read also: <another story's headline>"
    PROMPT = "prompt"  # newsletter, share, print, comments, tags, contents, an ad label
    STAMP = "stamp"  # "Updated ...", "Veröffentlicht am ..."
    CREDIT = "credit"  # "Photo: ...", "© ...", an agency's name alone
    READING_TIME = "reading_time"  # "Lesezeit: 3 Minuten"
    SOCIAL = "social"  # "Follow us on ...", "Share this story with a friend"


def _alternatives(*phrases: str) -> str:
    return "|".join(phrases)


# Each phrase is a regular expression; the languages follow each other in one order:
# English, German, French, Spanish, Italian, Polish, Portuguese, Dutch, Russian, Turkish.
_POINTER = _alternatives(
    r"read (also|more|next)|see also|related( (articles?|stories|posts|content|topics|news|links))?",
    r"more (on|from|about) (this|the) (topic|story|subject)|you (may|might) also (like|be interested)",
    r"recommended( for you| reading)?|most (read|popular|viewed)|further reading|top stories|trending",
    r"(auch|ebenfalls) (interessant|lesen)|lesen sie (auch|mehr|weiter|hier)",
    r"mehr (zum thema|dazu|lesen|erfahren)|verwandte (artikel|themen|beiträge)",
    r"weitere (themen|artikel|beiträge|nachrichten|meldungen|informationen|links|infos)",
    r"(das|dies) könnte (dich|sie|euch) auch interessieren|zum thema|top-themen",
    r"passend zum thema|empfehlungen",
    r"(à )?lire (aussi|également|la suite)|voir aussi|sur le même (sujet|thème)",
    r"articles? (similaires|liés|connexes)|en savoir plus",
    r"(lee|lea|leer) (también|más)|te puede interesar|también te (puede|podría) interesar",
    r"ver también|noticias relacionadas|más información|relacionad[oa]s?",
    r"leggi (anche|pure)|potrebbe interessarti|articoli correlati|approfondimenti",
    r"(czytaj|zobacz|przeczytaj) (też|także|również|więcej)|polecamy",
    r"leia (também|mais)|veja também|saiba mais|(matérias|notícias) relacionadas",
    r"lees (ook|meer|verder)|meer (lezen|weten|nieuws)|gerelateerde artikelen",
    r"читайте (также|еще|ещё)|смотрите также|по теме|подробнее|ещё по теме|см\. также",
    r"ayrıca (bakınız|okuyun)|ilgili haberler|devamını oku",
)
_TEASER = _alternatives(
    r"see more|see it now|read more|related|also on [\w.]+|also|more|don'?t miss|watch|video",
    r"listen|pictured|trending|top story",
    r"lesen sie auch|lesen sie|auch interessant|mehr zum thema|mehr dazu|siehe auch",
    r"bildergalerie|zum thema",
    r"lire aussi|à lire aussi|voir aussi|à voir aussi|regarder|vidéo",
    r"lea más|lea|lee|mira|mire|puedes ver|ver más|ver también|te recomendamos",
    r"le puede interesar|lectura recomendada",
    r"leggi anche|guarda|vedi anche",
    r"czytaj też|czytaj także|czytaj również|zobacz też|zobacz także|przeczytaj też",
    r"leia também|leia mais|veja também|veja mais|assista",
    r"lees ook|bekijk ook",
    r"читайте также|читайте|смотрите также|смотрите",
)
_PROMPT = _alternatives(
    r"newsletter|subscribe|sign up|abonnieren|abonniere|jetzt anmelden|zum newsletter",
    r"inscrivez-vous|abonnez-vous|suscríbete|suscribirse|iscriviti|zapisz się|assine",
    r"abonneer|подпишитесь",
    r"share (this|on|via)|teilen|artikel teilen|partager|compartir|condividi|udostępnij",
    r"compartilhe|drucken|print( this)?( article| page)?|e-?mail( this)?|tweet|whatsapp",
    r"facebook|twitter|linkedin|pinterest",
    r"advertisement|anzeige|werbung|publicité|publicidad|pubblicità|reklama|реклама",
    r"publicidade|advertentie",
    r"inhaltsverzeichnis|table of contents|contents|inhalt|sommaire|índice|indice",
    r"spis treści|содержание",
    r"(leave|post|write) a (reply|comment)|comments?|kommentare?|kommentieren",
    r"commentaires?|comentarios?|commenti|komentarze?",
    r"tags?|schlagw(ö|o)rte?|stichw(ö|o)rte?|themen|kategorien?|categories|category",
    r"mots-clés|etiquetas|argomenti|tagi",
)
_STAMP = _alternatives(
    r"(last )?(updated|modified|published)|letzte (änderung|aktualisierung)",
    r"zuletzt (aktualisiert|geändert)|stand|veröffentlicht( am)?|veröffentlichung|erstellt( am)?",
    r"mis à jour|publié le|actualizado|publicado|aggiornato|pubblicato",
    r"zaktualizowano|opublikowano|atualizado|bijgewerkt|обновлено|опубликовано",
)
_CREDIT = _alternatives(
    r"foto|fotos|photo|photos|bild|bilder|image|images|picture|credit|credits|quelle|source",
    r"titelbild|abbildung|grafik|illustration|image illustrative|crédit|crédits|fuente",
    r"imagen|fonte|źródło|zdjęcie|фото|источник",
)
_AGENCY = _alternatives(
    r"getty images|afp|reuters|dpa|ap photo|epa|imago|shutterstock|istock(photo)?",
    r"picture alliance|keystone|ansa|pap|efe|tass|ria novosti",
)
_READING_TIME = _alternatives(
    r"^\W*(reading time|lesezeit|temps de lecture|tiempo de lectura|tempo de leitura"
    r"|tempo di lettura|czas czytania|время чтения|leestijd)\b",
    r"^\W*\d+\s*(min|minutes?|minuten|minutos|minuti)\.?\s*"
    r"(read|lesezeit|de lecture|de lectura|de leitura|di lettura)\W*$",
)
_SOCIAL = _alternatives(
    r"share (it|this)( story| article)? with|follow (us|\w+( \w+){0,5}) on (facebook|twitter|instagram|x\b)",
    r"like us on facebook|folgen sie uns|suivez-nous|síguenos|seguici",
)

_POINTER_LINE = re.compile(rf"^\W*({_POINTER})\b\W*", re.IGNORECASE)
_TEASER_LINE = re.compile(rf"^\W*({_TEASER})\s*[:|»>›]", re.IGNORECASE)
_PROMPT_LINE = re.compile(rf"^\W*({_PROMPT})\W*$", re.IGNORECASE)
_STAMP_LINE = re.compile(rf"^\W*({_STAMP})\b", re.IGNORECASE)
_CREDIT_LINE = re.compile(rf"^\W*({_CREDIT})\b\s*[:/|©]", re.IGNORECASE)
_AGENCY_NAME = re.compile(rf"\b({_AGENCY})\b", re.IGNORECASE)
_READING_TIME_LINE = re.compile(_READING_TIME, re.IGNORECASE)
_SOCIAL_PROMPT = re.compile(rf"\b({_SOCIAL})\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_SENTENCE_END = (".", "!", "?")

# Furniture is short: a heading or a prompt is at most this many words, a teaser line
# (a pointer and another story's headline) at most TEASER_MAX_WORDS.
FURNITURE_MAX_WORDS = 12
POINTER_MAX_WORDS = 8
TEASER_MAX_WORDS = 25
AGENCY_MAX_WORDS = 6


def furniture_kind(line: str) -> Furniture | None:
    """What kind of furniture `line` is, or None when it may be article text."""
    line = line.strip()
    if not line:
        return None
    words = len(_WORD.findall(line))
    if words <= FURNITURE_MAX_WORDS:
        if words <= POINTER_MAX_WORDS and _POINTER_LINE.match(line):
            return Furniture.POINTER
        if _PROMPT_LINE.match(line):
            return Furniture.PROMPT
        if words <= POINTER_MAX_WORDS and _STAMP_LINE.match(line):
            return Furniture.STAMP
        if _CREDIT_LINE.match(line) or line.startswith(("©", "(c)", "(C)", "Copyright")):
            return Furniture.CREDIT
        if (
            words <= AGENCY_MAX_WORDS
            and _AGENCY_NAME.search(line)
            and not line.endswith(_SENTENCE_END)
        ):
            return Furniture.CREDIT
    if words <= TEASER_MAX_WORDS:
        if _TEASER_LINE.match(line):
            return Furniture.TEASER
        if words <= POINTER_MAX_WORDS and _READING_TIME_LINE.match(line):
            return Furniture.READING_TIME
        if _SOCIAL_PROMPT.search(line):
            return Furniture.SOCIAL
    return None


def without_furniture(text: str) -> str:
    """`text` without its furniture lines."""
    return "\n".join(line for line in text.split("\n") if furniture_kind(line) is None)
