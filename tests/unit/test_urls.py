"""URL normalisation: one spelling per document."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediamon.fetch.urls import (
    InvalidURL,
    normalise_url,
    outlet_of,
    source_of,
    without_userinfo,
)


def test_scheme_and_host_are_lowercased():
    assert normalise_url("HTTPS://News.Example.COM/a") == "https://news.example.com/a"


def test_fragment_is_dropped():
    assert normalise_url("https://example.com/a#comments") == "https://example.com/a"


def test_utm_parameters_are_dropped():
    assert (
        normalise_url("https://example.com/a?utm_source=rss&utm_medium=feed")
        == "https://example.com/a"
    )


@pytest.mark.parametrize(
    "name", ["fbclid", "gclid", "mc_cid", "mc_eid", "msclkid", "_ga", "igshid"]
)
def test_known_tracking_parameters_are_dropped(name):
    assert normalise_url(f"https://example.com/a?{name}=x") == "https://example.com/a"


def test_meaningful_query_parameters_are_kept_in_order():
    url = "https://example.com/story.php?id=42&page=2&utm_campaign=x"
    assert normalise_url(url) == "https://example.com/story.php?id=42&page=2"


def test_default_port_is_dropped_and_other_ports_kept():
    assert normalise_url("http://example.com:80/a") == "http://example.com/a"
    assert normalise_url("http://example.com:8080/a") == "http://example.com:8080/a"


def test_dot_segments_are_resolved():
    assert normalise_url("https://example.com/a/./b/../c") == "https://example.com/a/c"


def test_empty_path_becomes_slash():
    assert normalise_url("https://example.com") == "https://example.com/"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://x/y", "/relative", ""]
)
def test_non_http_urls_are_refused(url):
    with pytest.raises(InvalidURL):
        normalise_url(url)


def test_source_drops_www():
    assert source_of("https://www.example.com/a") == "example.com"


def test_outlet_is_the_longest_site_prefix_with_a_path():
    sites = ["http://host/daily-ledger/", "http://host/"]
    assert outlet_of("http://host/daily-ledger/2019/a.html", sites) == "host/daily-ledger"
    assert outlet_of("http://other.org/a", sites) == "other.org"


@given(
    path=st.lists(st.text(alphabet="abcXYZ019-_.~ %", min_size=1, max_size=8), max_size=4),
    params=st.lists(
        st.tuples(st.sampled_from(["id", "p", "utm_x", "fbclid"]), st.text("ab1", max_size=3)),
        max_size=4,
    ),
)
def test_normalisation_is_idempotent(path, params):
    query = "&".join(f"{k}={v}" for k, v in params)
    url = "https://Example.com/" + "/".join(path) + (f"?{query}" if query else "")
    once = normalise_url(url)
    assert normalise_url(once) == once
    assert "utm_" not in once and "fbclid" not in once


def test_idn_hosts_are_encoded_as_browsers_do():
    # UTS-46 / IDNA 2008: ß is a letter of its own (IDNA 2003 made it "ss").
    assert normalise_url("https://faß.test/a") == "https://xn--fa-hia.test/a"
    assert normalise_url("https://Bücher.Example/") == "https://xn--bcher-kva.example/"


def test_idn_mapping_folds_full_width_characters():
    assert normalise_url("https://ＥＸＡＭＰＬＥ。com/") == "https://example.com/"


def test_user_name_and_password_are_dropped():
    assert normalise_url("https://editor:s3cret@example.com/a") == "https://example.com/a"


def test_credentials_are_removed_from_a_url_kept_as_listed():
    assert without_userinfo("https://editor:s3cret@Example.com:8443/a?b#c") == (
        "https://Example.com:8443/a?b#c"
    )


def test_a_url_of_4000_characters_is_accepted_whole():
    url = "https://example.com/" + "a" * (4000 - 20)
    assert normalise_url(url) == url


def test_a_url_over_4000_characters_is_refused():
    with pytest.raises(InvalidURL, match="4,001 characters, over the 4,000 accepted"):
        normalise_url("https://example.com/" + "a" * (4001 - 20))


def test_a_url_over_4000_characters_once_percent_encoded_is_refused():
    with pytest.raises(InvalidURL, match="once percent-encoded"):
        normalise_url("https://example.com/" + "é" * 1000)


def test_a_host_longer_than_dns_allows_is_refused():
    with pytest.raises(InvalidURL, match="longer than DNS allows"):
        normalise_url("https://" + "a" * 64 + ".example.com/")
