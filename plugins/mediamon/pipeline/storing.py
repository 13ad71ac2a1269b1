"""Store extracted pages: articles, raw pages, clusters, outbox and entry rows, a batch per
transaction (fewer round trips, a short-held dedup lock)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from mediamon.dedup.clusters import Story, dedupe_stories
from mediamon.extract.content import build_article
from mediamon.pipeline.pages import Page, ProcessReport
from mediamon.pipeline.timing import StageClock, mark, since
from mediamon.pipeline.triage import close_known
from mediamon.settings import DedupSettings
from mediamon.store import articles, entries, event_window, outbox, raw_pages
from mediamon.store import events as event_store
from mediamon.store.articles import NewArticle
from mediamon.store.db import VALUE_REFUSED, Connection, first_line
from mediamon.vocabulary import EntryStatus

# A value PostgreSQL cannot hold, or a constraint one page breaks: the batch is then stored
# page by page, so that only the page holding it fails.
PAGE_REFUSALS = (*VALUE_REFUSED, psycopg.IntegrityError)

Transaction = Callable[[], AbstractContextManager[Connection]]

logger = logging.getLogger(__name__)


@dataclass
class StoreContext:
    """What storing needs besides the pages, shared by the batches of one run."""

    transaction: Transaction
    sites: list[str]  # the feeds' site URLs: which outlet a URL belongs to
    watchlist_version: int | None
    dedup: DedupSettings
    # Outlet: its template lines found so far (clustering adds to it; the workers' prints
    # leave them out ahead, so that the main process need not print again).
    templates: dict[str, frozenset[int]]
    clock: StageClock


def new_article(page: Page, context: StoreContext, now: datetime) -> NewArticle:
    """The article of a prepared page (URLs and dates decided here; the worker tagged it)."""
    fetched, prepared = page.fetched, page.prepared
    assert fetched is not None and prepared is not None and prepared.tags is not None
    assert page.final_url is not None and page.source is not None
    feed_dates = [e.published_at for e in page.entries if e.published_at]
    content = build_article(
        prepared.extracted,
        prepared.title,
        prepared.language,
        page.final_url,
        page.source,
        context.sites,
        min(e.first_seen_at for e in page.entries),
        min(feed_dates) if feed_dates else None,
        now,
    )
    return NewArticle(content, prepared.tags, context.watchlist_version)


def fail_page(
    context: StoreContext,
    page: Page,
    report: ProcessReport,
    reason: str,
    status: EntryStatus = EntryStatus.FAILED,
) -> None:
    with context.transaction() as conn:
        entries.finish(conn, [(page.entries, None)], status, reason)
    if status == EntryStatus.SKIPPED:
        report.pages_skipped += 1
    else:
        report.pages_failed += 1
    report.outcomes.append(f"{page.page_url}: {reason}")


def store_ready(context: StoreContext, pages: list[Page]) -> ProcessReport:
    """Store extracted pages in one transaction. When PostgreSQL refuses the batch (a
    value it cannot hold), each page is stored alone, so only the bad one fails."""
    try:
        return _store_batch(context, pages)
    except PAGE_REFUSALS as exc:
        report = ProcessReport()
        if len(pages) == 1:
            reason = f"rejected by PostgreSQL: {first_line(exc)[:200]}"
            fail_page(context, pages[0], report, reason)
            return report
        # Said, so that a batch stored the slow way is seen (psycopg only logs that the
        # pipeline was aborted); the page that holds the value gets its own failure below.
        logger.warning(
            "a store batch of %d pages was refused by PostgreSQL (%s): storing them one by one",
            len(pages),
            first_line(exc),
        )
        for page in pages:
            report.merge(store_ready(context, [page]))
        return report


def _store_batch(context: StoreContext, pages: list[Page]) -> ProcessReport:
    """Articles, raw pages, clusters, outbox and entry rows: a few round trips in all."""
    report = ProcessReport()
    now = datetime.now(UTC)
    new = [new_article(page, context, now) for page in pages]
    store_started = mark()
    # Pipeline mode: statements whose results we do not read travel with the next read.
    with context.transaction() as conn, conn.pipeline():
        ids = articles.insert(conn, new, now)
        # Another URL of a stored document (redirect, canonical link, or the outlet's
        # same headline and body under a new address): no new article.
        known = [(page, a) for page, a, i in zip(pages, new, ids, strict=True) if i is None]
        if known:
            stored_ids = articles.stored_as(conn, [a.content for _, a in known])
            close_known(
                conn,
                [
                    (page, article_id)
                    for (page, _), article_id in zip(known, stored_ids, strict=True)
                ],
                "same document as a stored article",
            )
            report.already_known += len(known)
        stored = [
            (page, a, article_id)
            for page, a, article_id in zip(pages, new, ids, strict=True)
            if article_id is not None
        ]
        raw_pages.insert(conn, [_raw_page(page, article_id) for page, _, article_id in stored])
        dedupe_started = mark()
        changed = dedupe_stories(
            conn, [_story(page, a, article_id) for page, a, article_id in stored],
            context.dedup, context.templates,
        )  # fmt: skip
        dedupe_wall, dedupe_cpu = since(dedupe_started)
        # Events: after clustering, so that a copy joins its cluster's event.
        events_started = mark()
        changed = sorted(set(changed) | set(_assign_events(conn, stored)))
        events_wall, events_cpu = since(events_started)
        outbox.enqueue(conn, changed)
        entries.finish(
            conn,
            [(page.entries, article_id) for page, _, article_id in stored],
            EntryStatus.DONE,
            None,
        )
    event_window.committed(conn)  # the window's decisions are now PostgreSQL's
    # The rest of the transaction: articles, raw pages, outbox and entry rows, commit.
    store_wall, store_cpu = since(store_started)
    context.clock.add_shared("dedupe", dedupe_wall, dedupe_cpu, len(stored))
    context.clock.add_shared("events", events_wall, events_cpu, len(stored))
    context.clock.add_shared(
        "store",
        store_wall - dedupe_wall - events_wall,
        store_cpu - dedupe_cpu - events_cpu,
        len(stored),
    )
    report.articles_stored += len(stored)
    report.tagged += sum(bool(a.tags.groups) for _, a, _ in stored)
    return report


def _assign_events(conn: Connection, stored: list[tuple[Page, NewArticle, int]]) -> list[int]:
    """Put the stored articles in events; the articles whose event fields changed."""
    if not stored:
        return []
    ids = [article_id for _, _, article_id in stored]
    clusters = {
        row["id"]: row["cluster_id"]
        for row in conn.execute(
            "SELECT id, cluster_id FROM articles WHERE id = ANY(%s)", (ids,)
        ).fetchall()
    }
    reports = []
    for page, article, article_id in stored:
        assert page.prepared is not None
        content = article.content
        reports.append(
            event_store.report_of(
                article_id,
                clusters.get(article_id),
                page.prepared.event_vector,
                content.title,
                content.extracted.text,
                list(article.tags.groups),
                content.published_at,
                content.language,
            )
        )
    return event_store.assign(conn, reports)


def _raw_page(page: Page, article_id: int) -> raw_pages.StoredPage:
    assert page.fetched is not None and page.prepared is not None
    return raw_pages.StoredPage(
        article_id=article_id,
        url=page.fetched.final_url,
        status_code=page.fetched.status_code,
        content_type=page.fetched.content_type,
        encoding=page.prepared.encoding,
        html_packed=page.prepared.html_packed,
    )


def _story(page: Page, article: NewArticle, article_id: int) -> Story:
    assert page.prepared is not None
    content = article.content
    return Story(
        article_id,
        content.source,
        content.canonical_url,
        content.syndicated_from,
        content.title,
        content.extracted.text,
        page.prepared.text_print,
    )
