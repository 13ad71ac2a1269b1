"""Property tests and a bounded fuzzing run over the decoders that face untrusted bytes."""

from __future__ import annotations

import contextlib
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mediamon.extract.article import decode_html
from mediamon.feeds.parse import FeedRejected, parse_feed
from mediamon.fetch.urls import InvalidURL, normalise_url

FUZZ_BUDGET_S = 20.0
HOSTILE_FRAGMENTS = [
    "&#1114112;",
    "&#xD800;",
    "&#0;",
    "\x00",
    "&amp;",
    "&lol;",
    "<![CDATA[x]]>",
    "<!-- -->",
    '<!DOCTYPE r [<!ENTITY a "b">]>',
    "<!DOCTYPE html>",
    "\ufeff",
    "\u202e",
    "&#x1F600;",
    "<",
    ">",
    "]]>",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "http://[::1]/",
    "http://example.com/%zz",
]


@given(st.text())
def test_utf8_text_decodes_to_itself(text):
    if not text.startswith("\ufeff"):
        assert decode_html(text.encode("utf-8"))[0] == text


@given(
    st.binary(max_size=4096),
    st.sampled_from([None, "text/html", "text/html; charset=utf-8", "charset=bogus"]),
)
def test_any_bytes_decode_without_error(body, content_type):
    text, codec = decode_html(body, content_type)
    assert isinstance(text, str) and codec


@given(st.binary(max_size=4096))
def test_any_bytes_parse_to_entries_or_a_refusal(body):
    try:
        feed = parse_feed(body)
    except FeedRejected:
        return
    for entry in feed.entries:
        assert entry.page_url.startswith(("http://", "https://"))
        assert "\x00" not in (entry.title or "")


@given(st.text(max_size=200))
def test_url_normalisation_accepts_or_refuses_cleanly(raw):
    with contextlib.suppress(InvalidURL):
        assert normalise_url(normalise_url(raw)) == normalise_url(raw)


def _rss_documents():
    piece = st.one_of(st.text(max_size=40), st.sampled_from(HOSTILE_FRAGMENTS))
    field = st.lists(piece, max_size=6).map("".join)
    item = st.tuples(field, field, field).map(
        lambda t: f"<item><title>{t[0]}</title><link>{t[1]}</link><guid>{t[2]}</guid></item>"
    )
    return st.tuples(
        st.sampled_from(HOSTILE_FRAGMENTS + [""]), field, st.lists(item, max_size=5)
    ).map(
        lambda d: (
            f'<?xml version="1.0"?>{d[0]}<rss version="2.0"><channel><title>{d[1]}</title>{"".join(d[2])}</channel></rss>'
        )
    )


_FUZZ_STARTED: list[float] = []


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_rss_documents(), st.sampled_from(["utf-8", "latin-1", "utf-16"]))
def test_fuzz_the_feed_parser_wrapper_for_a_bounded_time(document, encoding):
    """Hostile RSS built from fragments; stops drawing new cases after FUZZ_BUDGET_S."""
    if not _FUZZ_STARTED:
        _FUZZ_STARTED.append(time.monotonic())
    if time.monotonic() - _FUZZ_STARTED[0] > FUZZ_BUDGET_S:
        return
    body = document.encode(encoding, "replace" if encoding == "latin-1" else "surrogatepass")
    try:
        feed = parse_feed(body)
    except FeedRejected:
        return
    assert all("\x00" not in (e.title or "") for e in feed.entries)
