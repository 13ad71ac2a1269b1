"""Publication dates: parsing, plausibility and provenance."""

from datetime import UTC, datetime, timedelta

from mediamon.extract.dates import choose_published_at, parse_datetime, plausible

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def test_iso_datetime_with_offset_is_converted_to_utc():
    assert parse_datetime("2019-11-19T13:02:00+0100") == datetime(2019, 11, 19, 12, 2, tzinfo=UTC)


def test_naive_values_are_taken_as_utc():
    assert parse_datetime("2019-11-19 08:00:00") == datetime(2019, 11, 19, 8, 0, tzinfo=UTC)


def test_rfc2822_dates_parse():
    assert parse_datetime("Wed, 20 Nov 2019 23:24:00 +0000") == datetime(
        2019, 11, 20, 23, 24, tzinfo=UTC
    )


def test_garbage_is_none():
    assert parse_datetime("last Tuesday-ish") is None


def test_future_and_pre_1990_dates_are_implausible():
    assert not plausible(NOW + timedelta(days=2), NOW)
    assert not plausible(datetime(1989, 12, 31, tzinfo=UTC), NOW)
    assert plausible(datetime(2019, 1, 1, tzinfo=UTC), NOW)


def test_page_date_wins_when_plausible():
    when, source = choose_published_at(
        "2019-11-19T10:00:00Z", datetime(2019, 11, 20, tzinfo=UTC), NOW, NOW
    )
    assert (when, source) == (datetime(2019, 11, 19, 10, tzinfo=UTC), "page")


def test_implausible_page_date_falls_back_to_feed():
    feed = datetime(2019, 11, 20, tzinfo=UTC)
    assert choose_published_at("2099-01-01", feed, NOW, NOW) == (feed, "feed")


def test_without_any_date_first_seen_is_used():
    assert choose_published_at(None, None, NOW, NOW) == (NOW, "first_seen")
