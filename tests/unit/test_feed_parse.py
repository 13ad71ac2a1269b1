"""Feed parsing: entries out, hostile constructs refused or cleaned."""

import pytest

from mediamon.feeds.parse import FeedRejected, parse_feed
from mediamon.feeds.sources import FeedListError, parse_opml, parse_text, parse_yaml

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<link>https://news.example.com/</link>
<item><title>One</title><link>https://news.example.com/a?utm_source=rss</link>
<guid>g1</guid><pubDate>Wed, 20 Nov 2019 23:24:00 +0000</pubDate></item>
<item><title>No link</title><guid isPermaLink="false">g2</guid></item>
</channel></rss>"""


def test_rss_entries_are_parsed_with_normalised_links():
    feed = parse_feed(RSS)
    assert [e.page_url for e in feed.entries] == ["https://news.example.com/a"]
    assert feed.entries[0].guid == "g1"
    assert feed.site_url == "https://news.example.com/"


def test_an_entry_without_link_is_skipped_with_a_reason():
    feed = parse_feed(RSS)
    assert feed.skipped == ["entry has no link"]


def test_entity_declarations_are_refused():
    body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss version="2.0"><channel><title>&a;</title></channel></rss>'
    with pytest.raises(FeedRejected, match="entities"):
        parse_feed(body)


def test_html_page_is_not_a_feed():
    with pytest.raises(FeedRejected, match="HTML page"):
        parse_feed(b"<html><body><p>We use cookies. Accept all?</p></body></html>")


def test_out_of_range_character_references_and_nul_are_cleaned():
    body = RSS.replace(b"<title>One</title>", b"<title>On&#1114112;e\x00 &#xD800;x</title>")
    title = parse_feed(body).entries[0].title
    assert "\x00" not in title and title.startswith("On")


def test_yaml_feed_list_reads_urls_and_options():
    specs = parse_yaml(
        "feeds:\n  - url: https://a.example/rss\n    respect_robots: false\n  - https://b.example/rss\n"
    )
    assert [(s.url, s.respect_robots) for s in specs] == [
        ("https://a.example/rss", False),
        ("https://b.example/rss", True),
    ]


def test_opml_feed_list_reads_xml_urls():
    opml = b'<opml version="2.0"><body><outline text="A" xmlUrl="https://a.example/rss"/></body></opml>'
    assert [s.url for s in parse_opml(opml)] == ["https://a.example/rss"]


def test_text_feed_list_ignores_comments_and_blank_lines():
    assert [s.url for s in parse_text("# mine\n\nhttps://a.example/rss\n")] == [
        "https://a.example/rss"
    ]


def test_a_feed_list_with_a_bad_url_is_one_clear_error():
    with pytest.raises(FeedListError, match="not an http"):
        parse_text("file:///etc/passwd")


# -- links: relative, enclosures, size policy, credentials -----------------------------------


def _rss(items: str, prolog: str = '<?xml version="1.0" encoding="utf-8"?>') -> bytes:
    return (
        f'{prolog}<rss version="2.0"><channel><title>T</title>'
        f"<link>https://news.example.com/</link>{items}</channel></rss>"
    ).encode()


def test_relative_links_resolve_against_the_feed_url():
    body = _rss(
        "<item><guid>a</guid><link>/2024/a.html</link></item>"
        "<item><guid>b</guid><link>b.html</link></item>"
    )
    feed = parse_feed(body, "application/rss+xml", base_url="https://news.example.com/feeds/rss")
    assert [e.page_url for e in feed.entries] == [
        "https://news.example.com/2024/a.html",
        "https://news.example.com/feeds/b.html",
    ]


def test_ids_are_kept_as_listed_when_links_resolve():
    # feedparser resolves ids against the base too: a stored guid must not change.
    body = _rss(
        "<item><guid>88</guid><link>https://news.example.com/a</link></item>"
        "<item><guid>89</guid><link>b.html</link></item>"
    )
    feed = parse_feed(body, base_url="https://news.example.com/feeds/rss")
    assert [e.guid for e in feed.entries] == ["88", "89"]


def test_a_guid_that_is_no_url_is_not_taken_for_a_relative_link():
    body = _rss("<item><title>Only an id</title><guid>12345</guid></item>")
    feed = parse_feed(body, base_url="https://news.example.com/feeds/rss")
    assert feed.entries == [] and feed.skipped == ["entry has no link (its guid is not a URL)"]


def test_a_podcast_enclosure_is_not_taken_for_the_article():
    body = _rss(
        '<item><guid isPermaLink="false">ep1</guid><title>Episode 1</title>'
        '<enclosure url="https://cdn.example.com/ep1.mp3"'
        ' type="audio/mpeg" length="123"/></item>'
    )
    feed = parse_feed(body)
    assert feed.entries == []
    assert feed.skipped == ["entry has no article link (only enclosure audio/mpeg)"]


def test_an_atom_alternate_html_link_is_the_article():
    body = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
    <title>T</title><entry><id>urn:a</id><title>A</title>
    <link rel="enclosure" type="audio/mpeg" href="https://cdn.example.com/a.mp3"/>
    <link rel="alternate" type="text/html" href="https://news.example.com/a"/></entry></feed>"""
    assert [e.page_url for e in parse_feed(body).entries] == ["https://news.example.com/a"]


def test_a_3500_character_link_is_kept_whole():
    link = "https://news.example.com/a?q=" + "x" * (3500 - 29)
    feed = parse_feed(_rss(f"<item><guid>g</guid><link>{link}</link></item>"))
    assert [(e.link, e.page_url) for e in feed.entries] == [(link, link)]


def test_a_link_over_4000_characters_is_refused_not_cut():
    link = "https://news.example.com/a?q=" + "x" * 4500
    feed = parse_feed(
        _rss(
            f"<item><guid>long</guid><link>{link}</link></item>"
            "<item><guid>ok</guid><link>https://news.example.com/b</link></item>"
        )
    )
    assert [e.guid for e in feed.entries] == ["ok"]
    assert feed.skipped == ["entry link is 4,529 characters, over the 4,000 accepted"]


def test_long_ids_are_stored_as_the_hash_of_the_whole_id():
    shared = "urn:" + "i" * 2500
    feed = parse_feed(
        _rss(
            f"<item><guid>{shared}-one</guid><link>https://news.example.com/1</link></item>"
            f"<item><guid>{shared}-two</guid><link>https://news.example.com/2</link></item>"
        )
    )
    first, second = (e.guid for e in feed.entries)
    assert first.startswith("sha256:") and len(first) == 71 and first != second


def test_credentials_in_an_entry_link_are_not_kept():
    feed = parse_feed(
        _rss("<item><guid>g</guid><link>https://editor:s3cret@news.example.com/a</link></item>")
    )
    (entry,) = feed.entries
    assert (entry.link, entry.page_url) == (
        "https://news.example.com/a",
        "https://news.example.com/a",
    )


def test_entries_beyond_the_cap_are_counted_as_skipped():
    items = "".join(
        f"<item><guid>g{i}</guid><link>https://news.example.com/{i}</link></item>"
        for i in range(2003)
    )
    feed = parse_feed(_rss(items))
    assert len(feed.entries) == 2000
    assert feed.skipped == ["beyond the first 2,000 entries of the feed"] * 3


# -- DOCTYPE and entities: only the prolog's ---------------------------------------------------


def test_a_doctype_quoted_in_cdata_is_text():
    body = _rss(
        "<item><guid>xxe</guid><link>https://sec.example.com/xxe</link><description><![CDATA["
        'Attackers send <!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]> to parsers'
        "]]></description></item>"
    )
    (entry,) = parse_feed(body).entries
    assert entry.summary.startswith("Attackers send <!DOCTYPE r [<!ENTITY x SYSTEM")


def test_an_escaped_entity_declaration_in_a_description_is_text():
    body = _rss(
        "<item><guid>xxe</guid><link>https://sec.example.com/xxe</link><description>"
        "&lt;!DOCTYPE r [&lt;!ENTITY lol &quot;lol&quot;&gt;]&gt;</description></item>"
    )
    (entry,) = parse_feed(body).entries
    assert entry.summary == '<!DOCTYPE r [<!ENTITY lol "lol">]>'


def test_an_entity_declaration_after_a_prolog_comment_is_refused():
    prolog = '<?xml version="1.0"?><!-- ] > --><!DOCTYPE r [<!-- > --><!ENTITY a "<b>">]>'
    with pytest.raises(FeedRejected, match="entities"):
        parse_feed(_rss("<item><title>&a;</title></item>", prolog))


def test_an_entity_declaration_split_by_a_nul_is_refused():
    body = b'<!DOCTYPE r [<!EN\x00TITY a "aaaa">]><rss version="2.0"><channel><title>&a;</title></channel></rss>'
    with pytest.raises(FeedRejected, match="entities"):
        parse_feed(body)


def test_a_doctype_without_entities_is_dropped_and_the_feed_read():
    prolog = (
        '<?xml version="1.0"?><!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        ' "http://my.netscape.com/publish/formats/rss-0.91.dtd">'
    )
    body = _rss("<item><guid>g</guid><link>https://news.example.com/a</link></item>", prolog)
    assert [e.guid for e in parse_feed(body).entries] == ["g"]


# -- encodings --------------------------------------------------------------------------------

WIDE_ENCODINGS = ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]


@pytest.mark.parametrize("encoding", WIDE_ENCODINGS)
@pytest.mark.parametrize(
    "content_type", [None, "application/rss+xml", "text/xml", "application/xml; charset={}"]
)
def test_utf16_and_utf32_feeds_parse(encoding, content_type):
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        "<title>Journal de l’été ☃</title><item><guid>g</guid><title>Öl für Ülm</title>"
        "<link>https://news.example.com/é</link></item></channel></rss>"
    )
    feed = parse_feed(text.encode(encoding), content_type and content_type.format(encoding))
    assert feed.title == "Journal de l’été ☃"
    assert [(e.title, e.page_url) for e in feed.entries] == [
        ("Öl für Ülm", "https://news.example.com/%C3%A9")
    ]
