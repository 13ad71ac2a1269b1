"""`mediamon search` request bodies (search/query.py) and how a refused query reads."""

from __future__ import annotations

from datetime import date

from mediamon.search.query import (
    MAX_LIMIT,
    SearchFilters,
    articles_request,
    events_request,
    first_reports_request,
    outside_events_query,
    text_query,
    time_window,
)
from mediamon.search.searching import query_reason


def filters_of(filters: SearchFilters) -> list[dict]:
    return articles_request(filters, 20)["query"]["bool"]["filter"]


def test_a_query_string_searches_title_and_text_with_every_word_required():
    query = text_query("Kabul bank")["query_string"]
    assert query["query"] == "Kabul bank"
    assert query["fields"] == ["title", "text"]
    assert query["default_operator"] == "AND"


def test_a_query_string_is_lenient_about_terms_aimed_at_other_field_types():
    assert text_query("event_size:big")["query_string"]["lenient"] is True


def test_a_blank_query_matches_every_article():
    assert text_query("  ") == {"match_all": {}}


def test_no_filters_means_no_filter_clauses():
    assert filters_of(SearchFilters("Kabul")) == []


def test_a_group_matches_the_group_and_its_affiliates():
    assert filters_of(SearchFilters(groups=("isis", "houthis"))) == [
        {"terms": {"groups_with_ancestors": ["isis", "houthis"]}}
    ]


def test_a_language_filter_is_a_terms_clause_on_language():
    assert filters_of(SearchFilters(languages=("ru",))) == [{"terms": {"language": ["ru"]}}]


def test_the_window_takes_since_inclusive_and_until_as_a_whole_day():
    window = time_window(date(2026, 11, 3), date(2026, 11, 5))
    published, unpublished = window["bool"]["should"]
    assert published == {"range": {"published_at": {"gte": "2026-11-03", "lt": "2026-11-06"}}}
    assert window["bool"]["minimum_should_match"] == 1
    assert unpublished["bool"]["must_not"] == {"exists": {"field": "published_at"}}


def test_an_article_without_a_publication_time_counts_by_its_first_seen_time():
    _, unpublished = time_window(date(2026, 11, 3), None)["bool"]["should"]
    assert unpublished["bool"]["filter"] == {"range": {"first_seen_at": {"gte": "2026-11-03"}}}


def test_no_dates_means_no_window():
    assert time_window(None, None) is None


def test_originals_keeps_only_the_story_clusters_originals():
    assert filters_of(SearchFilters(originals=True)) == [{"term": {"is_original": True}}]


def test_hits_come_newest_first_with_ties_in_article_order():
    request = articles_request(SearchFilters(), 20)
    assert [next(iter(key)) for key in request["sort"]] == [
        "published_at",
        "first_seen_at",
        "article_id",
    ]
    assert {next(iter(key.values()))["order"] for key in request["sort"]} == {"desc"}


def test_hits_carry_highlights_of_the_text_and_not_the_text_itself():
    request = articles_request(SearchFilters("Kabul"), 20)
    assert "text" in request["highlight"]["fields"]
    assert request["highlight"]["encoder"] == "html"
    assert "text" not in request["_source"]


def test_the_limit_is_the_request_size_within_the_result_window():
    assert articles_request(SearchFilters(), 7)["size"] == 7
    assert MAX_LIMIT == 10_000


def test_events_collapse_on_the_event_id_and_leave_out_articles_without_one():
    request = events_request(SearchFilters("Kabul", languages=("en",)), 5)
    assert request["collapse"] == {"field": "event_id"}
    assert {"exists": {"field": "event_id"}} in request["query"]["bool"]["filter"]
    assert {"terms": {"language": ["en"]}} in request["query"]["bool"]["filter"]
    assert request["aggs"] == {"events": {"cardinality": {"field": "event_id"}}}


def test_articles_without_an_event_are_counted_apart_with_the_same_filters():
    query = outside_events_query(SearchFilters("Kabul", originals=True))
    assert query["bool"]["must_not"] == [{"exists": {"field": "event_id"}}]
    assert query["bool"]["filter"] == [{"term": {"is_original": True}}]


def test_an_events_first_report_is_its_earliest_article_whatever_the_filters():
    request = first_reports_request([4, 9])
    assert request["query"] == {"terms": {"event_id": [4, 9]}}
    assert request["collapse"] == {"field": "event_id"}
    assert request["sort"][0] == {"published_at": {"order": "asc", "missing": "_last"}}
    assert request["size"] == 2


def test_a_refused_query_reads_as_the_root_cause_and_the_parsers_first_line():
    error = {
        "root_cause": [{"type": "query_shard_exception", "reason": "Failed to parse query [a:(b]"}],
        "type": "search_phase_execution_exception",
        "failed_shards": [
            {
                "reason": {
                    "type": "query_shard_exception",
                    "reason": "Failed to parse query [a:(b]",
                    "caused_by": {
                        "type": "parse_exception",
                        "reason": "Cannot parse 'a:(b': Encountered ...",
                        "caused_by": {
                            "type": "parse_exception",
                            "reason": 'Encountered "<EOF>" at line 1, column 4.\nWas expecting:\n  ...',
                        },
                    },
                }
            }
        ],
    }
    assert query_reason(error) == (
        'Failed to parse query [a:(b]: Encountered "<EOF>" at line 1, column 4.'
    )
