"""The demo newsroom's outlets: who publishes in which language, with which page template,
feed format and charset."""

from __future__ import annotations

from mediamon.demo.pages import Outlet

ALL_LANGUAGES = frozenset({"en", "ru", "uk", "ar", "fa", "ps", "ur", "fr", "de", "es", "tr"})

ENGLISH_OUTLETS = [
    Outlet("global-dispatch", "Global Dispatch", "en", "classic", "rss"),
    Outlet("capital-post", "Capital Post", "en", "magazine", "atom"),
    Outlet("harbor-times", "Harbor Times", "en", "wire", "rss"),
    Outlet("frontier-news", "Frontier News", "en", "portal", "rss"),
    Outlet("daily-ledger", "Daily Ledger", "en", "classic", "atom", "windows-1252", "meta"),
    Outlet("metro-wire", "Metro Wire", "en", "wire", "rss"),
    Outlet("evening-courier", "Evening Courier", "en", "magazine", "rss"),
]
# Outlets that publish only what others wrote: wire copies, excerpts and rewrites.
WIRE_DIGEST = Outlet("wire-digest", "Wire Digest", "en", "classic", "atom")
REWRITE_HUB = Outlet("newsflow-hub", "Newsflow Hub", "en", "portal", "rss")
WORLD_DIGEST = Outlet("world-digest", "World Digest", "en", "classic", "atom")
LANGUAGE_OUTLETS = {
    "ru": Outlet("vestnik-vostoka", "Вестник Востока", "ru", "classic", "rss", "windows-1251"),
    "uk": Outlet("kyivskyi-kurier", "Київський кур'єр", "uk", "magazine", "rss"),
    "ar": Outlet("al-mashriq", "المشرق", "ar", "rtl", "rss"),
    "fa": Outlet("kabul-nameh", "کابل‌نامه", "fa", "rtl", "atom"),
    "ps": Outlet("da-sahar-khabar", "د سحر خبر", "ps", "rtl", "rss"),
    "ur": Outlet("akhbar-e-alam", "اخبار عالم", "ur", "rtl", "rss"),
    "fr": Outlet("le-courrier-du-monde", "Le Courrier du monde", "fr", "portal", "rss"),
    "de": Outlet("tagesspiegel-ost", "Ostdeutsche Rundschau", "de", "classic", "atom"),
    "es": Outlet("el-observador-global", "El Observador Global", "es", "wire", "rss"),
    "tr": Outlet("gunun-haberi", "Günün Haberi", "tr", "classic", "rss"),
}
LOCALES = {"en": "en_GB", "ru": "ru_RU", "uk": "uk_UA", "ar": "ar_AR", "fa": "fa_IR", "ps": "ps_AF",
           "ur": "ur_PK", "fr": "fr_FR", "de": "de_DE", "es": "es_ES", "tr": "tr_TR"}  # fmt: skip
