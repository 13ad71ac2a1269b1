"""Page bytes to text: UTF-8 read as UTF-8 even with a few stray bytes, legacy pages as theirs."""

from __future__ import annotations

import pytest

from mediamon.extract.article import decode_html

POLISH = (
    "Mieszkańcy trzech gmin sprzeciwiają się budowie spalarni odpadów nad rzeką. "
    "Według radnych inwestor nie przedstawił żadnych wyliczeń dotyczących hałasu, "
    "a mieszkańcy obawiają się, że ciężarówki będą jeździć przez środek wsi. "
    "Wójt zapowiedział, że gmina złoży odwołanie, jeśli wojewoda wyda pozwolenie. "
    "Na zebraniu w szkole pojawiło się ponad dwieście osób; część z nich przyniosła "
    "transparenty z hasłem „Nie dla spalarni”. Następne spotkanie odbędzie się w piątek."
)
RUSSIAN = (
    "Жители трёх районов выступили против строительства мусоросжигательного завода. "
    "По словам депутатов, инвестор не представил никаких расчётов уровня шума, а люди "
    "опасаются, что грузовики будут ездить через центр посёлка. Глава администрации "
    "пообещал, что район подаст жалобу, если губернатор выдаст разрешение. На собрание "
    "в школе пришли более двухсот человек; следующая встреча состоится в пятницу."
)
FRENCH = (
    "Les habitants de trois communes s'opposent à la construction d'un incinérateur "
    "au bord de la rivière. Selon les élus, l'investisseur n'a présenté aucune étude "
    "sur le bruit, et les riverains craignent que les camions traversent le centre du "
    "village. Le maire a annoncé que la commune ferait appel si le préfet délivrait le "
    "permis. Plus de deux cents personnes étaient présentes à l'école ; la prochaine "
    "réunion aura lieu vendredi, à côté de l'église."
)
ENGLISH = (
    "Residents of three towns said they “will not accept” the incinerator planned by the "
    "river. The council’s report, published on Monday, did not include the noise study "
    "that the investor’s own consultants had promised — a point raised twice at the meeting."
)


def page(text: str, charset: str | None = None) -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>News</title></head>"
        f"<body><article><p>{text}</p></article></body></html>"
    )


@pytest.mark.parametrize("charset", ["utf-8", None], ids=["declared", "undeclared"])
def test_a_polish_utf8_page_with_one_stray_byte_is_read_as_utf8(charset):
    body = page(POLISH, charset).encode("utf-8").replace(b"budowie", b"budowie \x96", 1)
    text, encoding = decode_html(body)
    assert encoding == "utf-8"
    assert "sprzeciwiają się" in text and "Następne spotkanie odbędzie się w piątek" in text
    assert text.count("\ufffd") == 1


@pytest.mark.parametrize("charset", ["utf-8", None], ids=["declared", "undeclared"])
def test_a_russian_utf8_page_with_a_few_stray_bytes_is_read_as_utf8(charset):
    # A stray windows-1252 "é" after each of the three sentence ends inside the paragraph.
    body = page(RUSSIAN, charset).encode("utf-8").replace(b". ", b". \xe9")
    text, encoding = decode_html(body)
    assert encoding == "utf-8"
    assert "мусоросжигательного завода" in text and "состоится в пятницу" in text
    assert text.count("\ufffd") == 3


def test_an_english_utf8_page_with_few_multibyte_characters_and_one_stray_byte_is_utf8():
    body = page(ENGLISH, "utf-8").encode("utf-8").replace(b"Monday", b"Monday\x92", 1)
    text, encoding = decode_html(body)
    assert encoding == "utf-8"
    assert "“will not accept”" in text and "council’s report" in text


@pytest.mark.parametrize(
    ("text", "codec", "charset"),
    [
        (RUSSIAN, "windows-1251", "windows-1251"),
        (RUSSIAN, "windows-1251", None),
        (RUSSIAN, "windows-1251", "utf-8"),  # a wrong label
        (FRENCH, "windows-1252", "windows-1252"),
        (FRENCH, "windows-1252", None),
        (FRENCH, "windows-1252", "utf-8"),  # a wrong label
        (FRENCH, "latin-1", "iso-8859-1"),
        (POLISH.replace("„", '"').replace("”", '"'), "iso-8859-2", "iso-8859-2"),
    ],
    ids=[
        "russian-1251-declared",
        "russian-1251-undeclared",
        "russian-1251-labelled-utf8",
        "french-1252-declared",
        "french-1252-undeclared",
        "french-1252-labelled-utf8",
        "french-latin1-declared",
        "polish-latin2-declared",
    ],
)
def test_a_legacy_page_decodes_to_its_own_text(text, codec, charset):
    decoded, _encoding = decode_html(page(text, charset).encode(codec))
    assert text in decoded


def test_a_valid_utf8_page_is_utf8_whatever_its_label_says():
    decoded, encoding = decode_html(page(FRENCH, "windows-1252").encode("utf-8"))
    assert encoding == "utf-8" and FRENCH in decoded
