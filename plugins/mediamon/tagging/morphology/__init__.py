"""Surface forms of a watchlist name, generated once when the watchlist loads.

Names are written in their base (dictionary) form; articles use them inflected. Each
name expands here into the forms the matcher's automatons hold, so matching an article
stays one pass of Aho-Corasick however many forms there are. One module per language or
script: slavic (Russian and Ukrainian), german, arabic (Arabic script), turkish; what a
form needs around it is in form.py.
"""

from __future__ import annotations

from mediamon.tagging.morphology.arabic import arabic_forms
from mediamon.tagging.morphology.form import Form
from mediamon.tagging.morphology.german import german_forms
from mediamon.tagging.morphology.slavic import acronym_forms, slavic_forms
from mediamon.tagging.morphology.turkish import turkish_title_case
from mediamon.tagging.normalise import is_arabic_script, is_cyrillic


def forms(name: str, acronym: bool) -> list[Form]:
    """Every surface form of a watchlist name (the name itself first)."""
    if is_arabic_script(name):
        return arabic_forms(name)
    if is_cyrillic(name):
        if acronym:
            return [Form(name), *(Form(f, exact=True) for f in acronym_forms(name))]
        return [Form(f) for f in slavic_forms(name)]
    found = [Form(name), *(Form(f) for f in german_forms(name))]
    title = turkish_title_case(name) if acronym else None
    if title is not None:
        found.append(Form(title, languages=frozenset({"tr"}), exact=True))
    return found
