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
