"""The extraction worker's part of an article: extracted, tagged and printed in one call."""

import pytest

from mediamon.dedup.fingerprint import story_print
from mediamon.pipeline import worker
from mediamon.settings import DedupSettings
from mediamon.store import raw_pages
from mediamon.tagging.matcher import Tagger
from mediamon.tagging.watchlist import parse_watchlist

PARAGRAPHS = [
    f"Paragraph {i}: Hamas said on Monday that talks in Cairo over the truce would resume "
    f"after {i} days, as mediators from Egypt and Qatar met both delegations again."
    for i in range(8)
]
PAGE = (
    "<html><head><title>Truce talks to resume</title></head><body><article>"
    "<h1>Truce talks to resume</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    + "</article></body></html>"
).encode()
TAGGER = Tagger(
    parse_watchlist({"groups": [{"id": "hamas", "name": "Hamas", "aliases": ["Hamas"]}]}),
    version=7,
)


@pytest.fixture
def started_worker():
    worker.initialise(worker.WorkerContext(TAGGER, DedupSettings()))
    yield
    worker.initialise(None)


def page(body: bytes = PAGE, feed_title: str | None = None) -> worker.PageToPrepare:
    return worker.PageToPrepare(body, "text/html", "https://a.example/truce", feed_title)


def test_a_worker_started_without_its_context_refuses_to_guess():
    with pytest.raises(RuntimeError, match="initialise"):
        worker.prepare_pages([page()])


def test_a_prepared_page_is_tagged_and_printed_as_the_main_process_would(started_worker):
    [prepared] = worker.prepare_pages([page()])
    assert prepared.extracted.status == "stored"
    assert prepared.tags.groups == ["hamas"]
    expected = story_print(prepared.extracted.text, prepared.title, DedupSettings())
    assert prepared.text_print == expected
    assert raw_pages.unpack(prepared.html_packed, raw_pages.CODEC) == PAGE.decode()
    assert {"extract", "tag", "fingerprint", "compress"} <= set(prepared.timings)


def test_a_page_without_an_article_is_neither_tagged_nor_printed(started_worker):
    [prepared] = worker.prepare_pages([page(b"<html><body></body></html>", "Feed title")])
    assert prepared.extracted.status != "stored"
    assert prepared.tags is None and prepared.text_print is None


def test_a_page_that_breaks_extraction_fails_alone_in_its_batch(started_worker, monkeypatch):
    real_extract = worker.extract_article

    def extract_article(html: str, url: str):
        if "poison" in html:
            raise ValueError("no root element")
        return real_extract(html, url)

    monkeypatch.setattr(worker, "extract_article", extract_article)
    results = worker.prepare_pages([page(), page(b"<html>poison</html>"), page()])
    assert results[1] == "ValueError: no root element"
    assert [r.tags.groups for r in (results[0], results[2])] == [["hamas"], ["hamas"]]


def test_extraction_workers_load_no_database_driver():
    """Workers are forked per run: they import only the pure modules they need."""
    import subprocess
    import sys

    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, mediamon.pipeline.worker; print('psycopg' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert loaded == "False"
