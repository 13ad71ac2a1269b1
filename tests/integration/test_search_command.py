"""`mediamon search`, `mediamon export`'s filters and `mediamon index setup`, run as commands
against the real PostgreSQL and Elasticsearch of the local stack.

The articles are written for these tests: one Kabul bombing reported by an outlet, copied by
another (a syndicated copy) and reported in Russian (one event); a Houthi strike at sea; a
market story with no publication time; and an older story that belongs to no event.
"""

from __future__ import annotations

import dataclasses
import json
import socket
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import pytest
from psycopg.rows import dict_row

from mediamon.search.elastic import client
from mediamon.search.index_setup import ensure_index
from mediamon.search.indexer import index_articles
from mediamon.settings import PROJECT_ROOT

MEDIAMON = str(PROJECT_ROOT / ".venv" / "bin" / "mediamon")


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    text: str
    language: str
    groups: list[str]
    groups_with_ancestors: list[str]
    published_at: datetime | None
    first_seen_at: datetime
    event: str | None  # the name of the event's first report


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


REPORTS = [
    Report(
        "bombing", "Suicide bomber kills 14 outside Kabul bank",
        "A suicide bomber killed 14 people queuing for salaries outside a bank in Kabul.",
        "en", ["isis-k"], ["isis", "isis-k"], at(3, 8), at(3, 8), "bombing",
    ),
    Report(
        "copy", "Suicide bomber kills 14 outside Kabul bank",
        "A suicide bomber killed 14 people queuing for salaries outside a bank in Kabul.",
        "en", ["isis-k"], ["isis", "isis-k"], at(3, 10), at(3, 10), "bombing",
    ),
    Report(
        "russian", "Взрыв у банка в Кабуле: погибли 14 человек",
        "Смертник взорвал себя у банка в Кабуле, погибли 14 человек.",
        "ru", ["isis-k"], ["isis", "isis-k"], at(3, 12), at(3, 12), "bombing",
    ),
    Report(
        "tanker", "Houthis hit tanker in Gulf of Aden",
        "A Houthi missile struck the tanker Coral Meridian off Aden; the crew put out a fire.",
        "en", ["houthis"], ["houthis"], at(5, 9), at(5, 9), "tanker",
    ),
    Report(
        "market", "Kabul flower market reopens",
        "Traders at the Kabul flower market reopened their stalls after the winter.",
        "en", [], [], None, at(6, 7), "market",
    ),
    Report(
        "archive", "Aden port reopens to container ships",
        "Container ships docked in Aden for the first time in months.",
        "en", [], [], at(1, 6), at(1, 6), None,
    ),
]  # fmt: skip


@pytest.fixture
def stored(clean_stack, tmp_path):
    """The reports stored in PostgreSQL and indexed: {name: article id}."""
    ids: dict[str, int] = {}
    with psycopg.connect(clean_stack.database_url, row_factory=dict_row) as conn:
        for report in REPORTS:
            url = f"https://{report.name}.example/story"
            ids[report.name] = conn.execute(
                "INSERT INTO articles (canonical_url, url, source, title, text, language, groups,"
                " groups_with_ancestors, published_at, first_seen_at)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                (url, url, f"{report.name}.example", report.title, report.text,
                 report.language, report.groups, report.groups_with_ancestors,
                 report.published_at, report.first_seen_at),
            ).fetchone()["id"]  # fmt: skip
        cluster = conn.execute(
            "INSERT INTO clusters (original_article_id, size) VALUES (%s, 2) RETURNING id",
            (ids["bombing"],),
        ).fetchone()["id"]
        conn.execute(
            "UPDATE articles SET cluster_id = %s, is_original = (id = %s),"
            " duplicate_of = CASE WHEN id = %s THEN NULL ELSE %s END WHERE id = ANY(%s)",
            (cluster, ids["bombing"], ids["bombing"], ids["bombing"],
             [ids["bombing"], ids["copy"]]),
        )  # fmt: skip
        conn.execute(
            "UPDATE articles SET syndicated_from = 'https://bombing.example/story' WHERE id = %s",
            (ids["copy"],),
        )
        for first in {r.event for r in REPORTS if r.event}:
            members = [r for r in REPORTS if r.event == first]
            conn.execute(
                "INSERT INTO events (id, first_report_at, last_report_at, size, languages, title)"
                " VALUES (%s, %s, %s, %s, %s, %s)",
                (ids[first], members[0].first_seen_at, members[-1].first_seen_at, len(members),
                 sorted({r.language for r in members}), members[0].title),
            )  # fmt: skip
            conn.execute(
                "UPDATE articles SET event_id = %s WHERE id = ANY(%s)",
                (ids[first], [ids[r.name] for r in members]),
            )
    es = client(clean_stack.elasticsearch_url)
    ensure_index(es, clean_stack.index)
    report = index_articles(clean_stack.database_url, es, clean_stack.index, sorted(ids.values()))
    assert report.indexed == len(REPORTS)
    es.indices.refresh(index=clean_stack.index)
    return ids


def mediamon(settings, tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [MEDIAMON, *args],
        capture_output=True,
        text=True,
        env={
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "200",
            "MEDIAMON_STACK_DIR": str(tmp_path / "stack"),
            "MEDIAMON_DATABASE_URL": settings.database_url,
            "MEDIAMON_ELASTICSEARCH_URL": settings.elasticsearch_url,
            "MEDIAMON_INDEX": settings.index,
        },
        timeout=120,
    )


def found(settings, tmp_path, *args: str) -> list[dict]:
    """The JSON objects `mediamon search ... --format jsonl` prints, in order."""
    result = mediamon(settings, tmp_path, "search", *args, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def names(ids: dict[str, int], hits: list[dict]) -> list[str]:
    by_id = {article_id: name for name, article_id in ids.items()}
    return [by_id[hit["article_id"]] for hit in hits]


# -- mediamon search ----------------------------------------------------------------------
def test_search_finds_articles_by_words_of_their_text(clean_stack, stored, tmp_path):
    hits = found(clean_stack, tmp_path, "salaries")
    assert sorted(names(stored, hits)) == ["bombing", "copy"]


def test_search_requires_every_word_of_the_query(clean_stack, stored, tmp_path):
    assert names(stored, found(clean_stack, tmp_path, "Kabul market")) == ["market"]


def test_search_by_group_includes_the_groups_affiliates(clean_stack, stored, tmp_path):
    hits = found(clean_stack, tmp_path, "", "--group", "isis")
    assert sorted(names(stored, hits)) == ["bombing", "copy", "russian"]


def test_search_by_language(clean_stack, stored, tmp_path):
    assert names(stored, found(clean_stack, tmp_path, "", "--language", "ru")) == ["russian"]


def test_search_since_a_day_counts_an_unpublished_article_by_its_first_seen_time(
    clean_stack, stored, tmp_path
):
    hits = found(clean_stack, tmp_path, "", "--since", "2026-11-05")
    assert sorted(names(stored, hits)) == ["market", "tanker"]


def test_search_until_a_day_includes_the_whole_day(clean_stack, stored, tmp_path):
    hits = found(clean_stack, tmp_path, "", "--since", "2026-11-03", "--until", "2026-11-03")
    assert sorted(names(stored, hits)) == ["bombing", "copy", "russian"]


def test_search_originals_leaves_out_copies(clean_stack, stored, tmp_path):
    hits = found(clean_stack, tmp_path, "", "--group", "isis-k", "--originals")
    assert sorted(names(stored, hits)) == ["bombing", "russian"]


def test_search_lists_the_newest_first(clean_stack, stored, tmp_path):
    hits = found(clean_stack, tmp_path, "", "--until", "2026-11-05")
    assert names(stored, hits) == ["tanker", "russian", "copy", "bombing", "archive"]


def test_search_limit_keeps_the_newest(clean_stack, stored, tmp_path):
    result = mediamon(clean_stack, tmp_path, "search", "", "--limit", "2", "--format", "jsonl")
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert names(stored, hits) == ["tanker", "russian"]
    assert result.stderr.strip() == "2 of 6 matching article(s)"


def test_search_jsonl_has_the_documents_fields_and_highlights(clean_stack, stored, tmp_path):
    (hit,) = found(clean_stack, tmp_path, "Coral Meridian")
    assert hit["article_id"] == stored["tanker"]
    assert hit["url"] == "https://tanker.example/story"
    assert (hit["title"], hit["language"], hit["groups"]) == (
        "Houthis hit tanker in Gulf of Aden",
        "en",
        ["houthis"],
    )
    assert hit["published_at"].startswith("2026-11-05T09:00")
    assert (hit["event_id"], hit["event_size"]) == (stored["tanker"], 1)
    assert any("<em>Coral</em> <em>Meridian</em>" in part for part in hit["highlights"])
    assert "text" not in hit


def test_search_events_shows_each_event_once_with_its_first_report(clean_stack, stored, tmp_path):
    events = found(clean_stack, tmp_path, "", "--events", "--since", "2026-11-03")
    assert sorted(e["event_id"] for e in events) == sorted(
        stored[name] for name in ("bombing", "tanker", "market")
    )
    (bombing,) = [e for e in events if e["event_id"] == stored["bombing"]]
    assert (bombing["event_size"], bombing["event_languages"]) == (3, ["en", "ru"])
    assert bombing["latest"]["article_id"] == stored["russian"]
    assert bombing["first_report"]["article_id"] == stored["bombing"]


def test_search_events_first_report_is_the_events_even_outside_the_filters(
    clean_stack, stored, tmp_path
):
    (event,) = found(clean_stack, tmp_path, "", "--events", "--language", "ru")
    assert event["first_report"]["article_id"] == stored["bombing"]


def test_search_events_says_how_many_matching_articles_belong_to_no_event(
    clean_stack, stored, tmp_path
):
    result = mediamon(clean_stack, tmp_path, "search", "Aden", "--events")
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        "1 of 1 matching event(s)",
        "1 matching article(s) belong to no event yet: they are listed without --events",
    ]


def test_search_table_shows_one_line_per_article(clean_stack, stored, tmp_path):
    result = mediamon(clean_stack, tmp_path, "search", "Houthis OR flower")
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["published", "lang", "outlet", "groups", "title", "event", "URL"]
    assert len(rows) == 2
    assert "Houthis hit tanker in Gulf of Aden" in rows[0] and "houthis" in rows[0]
    # Without a publication time: shown at its first-seen time, after the dated articles.
    assert "Kabul flower market reopens" in rows[1] and "2026-11-06 07:00" in rows[1]


def test_search_without_a_match_says_so_and_succeeds(clean_stack, stored, tmp_path):
    result = mediamon(clean_stack, tmp_path, "search", "Kabul tanker")
    assert (result.returncode, result.stdout) == (0, "")
    assert result.stderr.strip() == "no matching articles"


def test_an_invalid_query_is_one_error_line_and_exit_2(clean_stack, stored, tmp_path):
    result = mediamon(clean_stack, tmp_path, "search", "title:(Kabul")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        'error: query: Failed to parse query [title:(Kabul]: Encountered "<EOF>" at line 1,'
        " column 12."
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "error: not a date (YYYY-MM-DD): 'last week'"),
        (
            ["--since", "2026-11-05", "--until", "2026-11-03"],
            "error: --since 2026-11-05 is after --until 2026-11-03: the window is empty",
        ),
        (["--limit", "0"], "error: --limit must be 1 to 10000, got 0"),
        (["--format", "csv"], "error: unknown format 'csv' (table or jsonl)"),
    ],
)
def test_a_bad_option_value_is_one_error_line_and_exit_2(
    clean_stack, tmp_path, args: list[str], message: str
):
    result = mediamon(clean_stack, tmp_path, "search", "Kabul", *args)
    assert (result.returncode, result.stderr.splitlines()) == (2, [message])


def test_search_with_elasticsearch_down_is_one_error_line(clean_stack, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = dataclasses.replace(clean_stack, elasticsearch_url=f"http://127.0.0.1:{port}")
    result = mediamon(down, tmp_path, "search", "Kabul")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: Elasticsearch at http://127.0.0.1:{port} does not answer the search"
        " (Connection refused); start it (`mediamon stack up`) or correct"
        " MEDIAMON_ELASTICSEARCH_URL"
    ]


def test_search_of_an_index_never_set_up_is_one_error_line(clean_stack, tmp_path):
    result = mediamon(clean_stack, tmp_path, "search", "Kabul")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"error: Elasticsearch at {clean_stack.elasticsearch_url} has no index or alias"
        f" '{clean_stack.index}': nothing has been indexed there (run `mediamon ingest`, or"
        " correct MEDIAMON_INDEX)"
    ]


# -- mediamon export ----------------------------------------------------------------------
def exported(settings, tmp_path, *args: str) -> list[int]:
    out = tmp_path / "export.jsonl"
    result = mediamon(settings, tmp_path, "export", "--out", str(out), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line)["id"] for line in out.read_text().splitlines()]


def test_export_until_a_day_includes_the_whole_day(clean_stack, stored, tmp_path):
    assert exported(clean_stack, tmp_path, "--until", "2026-11-03") == [
        stored[name] for name in ("bombing", "copy", "russian", "archive")
    ]


def test_export_since_counts_an_unpublished_article_by_its_first_seen_time(
    clean_stack, stored, tmp_path
):
    assert exported(clean_stack, tmp_path, "--since", "2026-11-06") == [stored["market"]]


def test_export_by_group_includes_the_groups_affiliates(clean_stack, stored, tmp_path):
    assert exported(clean_stack, tmp_path, "--group", "isis") == [
        stored[name] for name in ("bombing", "copy", "russian")
    ]


def test_export_originals_leaves_out_copies(clean_stack, stored, tmp_path):
    ids = exported(clean_stack, tmp_path, "--originals")
    assert stored["copy"] not in ids and len(ids) == len(REPORTS) - 1


def test_export_with_an_empty_window_is_one_error_line(clean_stack, tmp_path):
    result = mediamon(
        clean_stack, tmp_path, "export", "--since", "2026-11-05", "--until", "2026-11-03"
    )
    assert (result.returncode, result.stderr.splitlines()) == (
        2,
        ["error: --since 2026-11-05 is after --until 2026-11-03: the window is empty"],
    )


# -- mediamon index setup -----------------------------------------------------------------
def test_index_setup_applies_the_template_and_the_alias(clean_stack, tmp_path):
    result = mediamon(clean_stack, tmp_path, "index", "setup", "--no-kibana")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == (
        f"index template applied; alias {clean_stack.index} -> {clean_stack.index}-v1".split()
    )
    es = client(clean_stack.elasticsearch_url)
    assert list(es.indices.get_alias(name=clean_stack.index)) == [f"{clean_stack.index}-v1"]


# -- mediamon events --group -------------------------------------------------------------
def listed_events(settings, tmp_path, *args: str) -> list[int]:
    """The event ids `mediamon events` lists, in order."""
    result = mediamon(settings, tmp_path, "events", "--since", "2026-11-01", *args)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    return [] if lines == ["no events"] else [int(line.split()[0]) for line in lines]


def test_events_by_group_include_the_groups_affiliates_as_search_does(
    clean_stack, stored, tmp_path
):
    assert listed_events(clean_stack, tmp_path, "--group", "isis") == [stored["bombing"]]


def test_events_by_several_groups_list_any_of_them(clean_stack, stored, tmp_path):
    listed = listed_events(clean_stack, tmp_path, "--group", "isis-k", "--group", "houthis")
    assert listed == [stored["bombing"], stored["tanker"]]


def test_events_without_a_group_list_every_recent_event_largest_first(
    clean_stack, stored, tmp_path
):
    listed = listed_events(clean_stack, tmp_path)
    assert listed[0] == stored["bombing"]
    assert sorted(listed) == sorted([stored["bombing"], stored["tanker"], stored["market"]])
