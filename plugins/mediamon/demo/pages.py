"""HTML pages and RSS/Atom feeds of the demo newsroom's outlets.

Five page templates, each with the clutter real news sites have around an article: navigation,
bylines and datelines, share bars, advertisement slots, related and trending lists, newsletter
boxes, reader comments, cookie banners and a consent wall, dates in meta tags, JSON-LD or only
in the byline."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape


@dataclass(frozen=True)
class Outlet:
    slug: str
    name: str
    language: str
    template: str  # classic | magazine | wire | portal | rtl
    feed_format: str  # rss | atom
    charset: str = "utf-8"
    # Where the charset is declared: "header" (Content-Type), "meta", or "both".
    charset_declared: str = "both"


@dataclass
class Page:
    """What a template needs to render one article page."""

    outlet: Outlet
    url: str
    title: str
    paragraphs: list[str]
    byline: str
    published: datetime
    declared_language: str | None
    og_locale: str | None = None
    canonical_url: str | None = None
    trending: list[tuple[str, str]] = field(default_factory=list)
    related: list[tuple[str, str]] = field(default_factory=list)


def _paragraphs(paragraphs: list[str], ad_every: int = 4) -> str:
    parts = []
    for n, text in enumerate(paragraphs, start=1):
        parts.append(f"<p>{escape(text)}</p>")
        if ad_every and n % ad_every == 0 and n < len(paragraphs):
            parts.append('<div class="ad-slot" aria-hidden="true">Advertisement</div>')
    return "\n".join(parts)


def _links(items: list[tuple[str, str]]) -> str:
    return "".join(f'<li><a href="{escape(url)}">{escape(title)}</a></li>' for url, title in items)


def _head(page: Page) -> str:
    meta = [
        f'<meta charset="{page.outlet.charset}">'
        if page.outlet.charset_declared in ("meta", "both")
        else "",
        f"<title>{escape(page.title)} | {escape(page.outlet.name)}</title>",
        f'<meta property="og:title" content="{escape(page.title)}">',
        f'<meta property="og:site_name" content="{escape(page.outlet.name)}">',
        f'<meta name="description" content="{escape(page.paragraphs[0][:160])}">',
    ]
    if page.og_locale:
        meta.append(f'<meta property="og:locale" content="{page.og_locale}">')
    if page.outlet.template in ("classic", "portal", "rtl"):
        meta.append(
            f'<meta property="article:published_time" content="{page.published.isoformat()}">'
        )
        meta.append(f'<meta name="author" content="{escape(page.byline)}">')
    if page.canonical_url:
        meta.append(f'<link rel="canonical" href="{escape(page.canonical_url)}">')
    if page.outlet.template == "wire":
        meta.append(
            '<script type="application/ld+json">'
            + json.dumps(
                {
                    "@context": "https://schema.org",
                    "@type": "NewsArticle",
                    "headline": page.title,
                    "datePublished": page.published.isoformat(),
                    "author": {"@type": "Person", "name": page.byline},
                    "publisher": {"@type": "Organization", "name": page.outlet.name},
                },
                ensure_ascii=False,
            ).replace("</", "<\\/")
            + "</script>"
        )
    return "".join(m for m in meta if m)


def _html_open(page: Page) -> str:
    attributes = f' lang="{page.declared_language}"' if page.declared_language else ""
    if page.outlet.template == "rtl":
        attributes += ' dir="rtl"'
    return f"<!DOCTYPE html>\n<html{attributes}><head>{_head(page)}</head>\n"


def _nav(page: Page) -> str:
    sections = ["World", "Politics", "Business", "Security", "Culture", "Sport", "Opinion"]
    items = "".join(
        f'<li><a href="/{page.outlet.slug}/section/{s.lower()}/">{s}</a></li>' for s in sections
    )
    return (
        f'<header class="masthead"><a href="/{page.outlet.slug}/">{escape(page.outlet.name)}</a>'
        f'</header><nav class="site-nav"><ul>{items}</ul></nav>\n'
    )


def _byline(page: Page) -> str:
    when = page.published.strftime("%d %B %Y, %H:%M UTC")
    return (
        f'<p class="byline">By {escape(page.byline)} | '
        f'<time datetime="{page.published.isoformat()}">{when}</time></p>'
    )


def _footer(page: Page) -> str:
    return (
        f"<footer><p>© 2026 {escape(page.outlet.name)}. All rights reserved.</p>"
        '<p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a> | '
        '<a href="/contact">Contact us</a> | <a href="/advertise">Advertise with us</a></p>'
        '<div class="cookie-banner">We use cookies to improve your experience. By continuing '
        "to browse you agree to our use of cookies. <button>OK</button></div></footer>"
        "</body></html>\n"
    )


def _classic(page: Page) -> str:
    return (
        _html_open(page)
        + "<body>"
        + _nav(page)
        + '<main><article class="story"><header><h1 class="headline">'
        + escape(page.title)
        + "</h1>"
        + _byline(page)
        + '</header><section class="article-text">\n'
        + _paragraphs(page.paragraphs)
        + '</section><div class="share">Share this article: Facebook Twitter WhatsApp Email'
        "</div></article></main>\n"
        + '<aside class="trending"><h3>Trending now</h3><ol>'
        + _links(page.trending)
        + "</ol></aside>\n"
        + _footer(page)
    )


def _magazine(page: Page) -> str:
    related = ""
    if page.related:
        related = (
            '<div class="related-box"><h4>More on this story</h4><ul>'
            + _links(page.related)
            + "</ul></div>"
        )
    middle = len(page.paragraphs) // 2
    comments = (
        '<section class="comments"><h3>3 comments</h3>'
        '<div class="comment"><b>reader_1984</b><p>Terrible news. Thoughts with the families.</p></div>'
        '<div class="comment"><b>J. Okafor</b><p>Why is nobody asking who let this happen?</p></div>'
        '<div class="comment"><b>mariam.k</b><p>Good reporting, thank you.</p></div></section>'
    )
    return (
        _html_open(page)
        + "<body>"
        + _nav(page)
        + '<div class="page"><div class="story-header"><span class="kicker">Latest</span><h1>'
        + escape(page.title)
        + "</h1>"
        + f'<div class="author">{escape(page.byline)}</div>'
        + f'<div class="date">{page.published.strftime("%B %d, %Y")}</div></div>'
        + '<div class="story-body">\n'
        + _paragraphs(page.paragraphs[:middle], ad_every=0)
        + related
        + _paragraphs(page.paragraphs[middle:], ad_every=0)
        + '</div><div class="newsletter"><h4>Get the morning briefing</h4><p>The day\'s '
        'essential stories in your inbox before breakfast.</p><input type="email">'
        "<button>Sign up</button></div>"
        + comments
        + '<aside class="most-read"><h3>Most read</h3><ol>'
        + _links(page.trending)
        + "</ol></aside></div>\n"
        + _footer(page)
    )


def _wire(page: Page) -> str:
    return (
        _html_open(page)
        + "<body>"
        + f'<div class="topbar">{escape(page.outlet.name)} — news as it happens</div>'
        + '<div itemscope itemtype="https://schema.org/NewsArticle"><h1 itemprop="headline">'
        + escape(page.title)
        + "</h1>"
        + f'<div class="meta">{escape(page.byline)} · '
        + f"{page.published.strftime('%Y-%m-%d %H:%M')} GMT</div>"
        + '<div itemprop="articleBody">\n'
        + _paragraphs(page.paragraphs, ad_every=0)
        + '</div></div><div class="tags">Topics: World · Security · Breaking</div>\n'
        + '<div class="latest"><h3>Latest headlines</h3><ul>'
        + _links(page.trending)
        + "</ul></div>\n"
        + _footer(page)
    )


def _portal(page: Page) -> str:
    consent = (
        '<div id="consent-wall" class="overlay"><div class="dialog"><h2>We value your privacy'
        "</h2><p>We and our 212 partners store and access information on your device to serve "
        "personalised ads and content, measure them and improve our services.</p>"
        "<button>Accept all</button><button>Manage options</button></div></div>"
    )
    return (
        _html_open(page)
        + "<body>"
        + consent
        + _nav(page)
        + "<main><article><h1>"
        + escape(page.title)
        + "</h1>"
        + _byline(page)
        + '<figure><img src="/static/placeholder.jpg" alt=""><figcaption>File photo. '
        "Photograph: agency archive</figcaption></figure>\n"
        + _paragraphs(page.paragraphs, ad_every=3)
        + '<ul class="story-tags"><li>Security</li><li>World</li></ul></article></main>'
        + '<aside class="teasers"><h3>Read more</h3><ul>'
        + _links(page.trending)
        + "</ul></aside>\n"
        + _footer(page)
    )


_TEMPLATES = {
    "classic": _classic,
    "magazine": _magazine,
    "wire": _wire,
    "portal": _portal,
    "rtl": _classic,
}


def render_page(page: Page) -> bytes:
    """The page's bytes, in its outlet's charset."""
    return _TEMPLATES[page.outlet.template](page).encode(page.outlet.charset, "xmlcharrefreplace")


@dataclass(frozen=True)
class FeedEntry:
    title: str
    link: str
    guid: str
    published: datetime
    summary: str


def render_feed(outlet_name: str, home: str, feed_format: str, entries: list[FeedEntry]) -> bytes:
    """An RSS 2.0 or Atom feed, newest entries first."""
    entries = sorted(entries, key=lambda e: e.published, reverse=True)
    updated = entries[0].published if entries else datetime(2026, 11, 1)
    if feed_format == "atom":
        items = "".join(
            f'<entry><title>{escape(e.title)}</title><link href="{escape(e.link)}"/>'
            f"<id>{escape(e.guid)}</id><updated>{e.published.isoformat()}</updated>"
            f"<published>{e.published.isoformat()}</published>"
            f"<summary>{escape(e.summary)}</summary></entry>"
            for e in entries
        )
        text = (
            '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{escape(outlet_name)}</title><id>{escape(home)}</id>"
            f'<link href="{escape(home)}"/><updated>{updated.isoformat()}</updated>{items}</feed>\n'
        )
    else:
        items = "".join(
            f"<item><title>{escape(e.title)}</title><link>{escape(e.link)}</link>"
            f'<guid isPermaLink="{"true" if e.guid == e.link else "false"}">{escape(e.guid)}</guid>'
            f"<pubDate>{format_datetime(e.published, usegmt=True)}</pubDate>"
            f"<description>{escape(e.summary)}</description></item>"
            for e in entries
        )
        text = (
            '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
            f"<title>{escape(outlet_name)}</title><link>{escape(home)}</link>"
            f"<description>Latest from {escape(outlet_name)}</description>{items}"
            "</channel></rss>\n"
        )
    return text.encode("utf-8")
