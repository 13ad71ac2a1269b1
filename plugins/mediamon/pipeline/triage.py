"""Before and after fetching: which claimed pages to fetch at all, and what a failed fetch
means for its entries (retry later, skip, fail), each with a one-line reason."""

from __future__ import annotations

from mediamon.fetch import robots
from mediamon.fetch.client import Fetcher
from mediamon.fetch.urls import host_key
from mediamon.pipeline.pages import Page, ProcessReport
from mediamon.store import articles, entries, feeds, hosts, outbox
from mediamon.store.db import Connection
from mediamon.vocabulary import EntryStatus, ErrorClass, RobotsVerdict

# Failures worth another try later (with back-off); any other fails the entry.
SOFT_ERRORS = frozenset(
    {
        ErrorClass.TIMEOUT,
        ErrorClass.CONNECTION,
        ErrorClass.DNS,
        ErrorClass.HTTP_5XX,
        ErrorClass.RATE_LIMITED,
    }
)


def pages_to_fetch(
    conn: Connection, fetcher: Fetcher, pages: list[Page], report: ProcessReport
) -> list[Page]:
    """The pages still to fetch: not stored yet, host not deferred, robots.txt allows.

    A handful of queries for the whole batch, and robots.txt read once per host.
    """
    urls = [page.page_url for page in pages]
    known = {**entries.known_pages(conn, urls), **articles.by_canonical_url(conn, urls)}
    deferred = hosts.deferred(conn, sorted({host_key(url) for url in urls}))
    polite = feeds.robots_policies(
        conn, sorted({entry.feed_id for page in pages for entry in page.entries})
    )
    rules: dict[str, tuple[str, str]] = {}
    to_fetch = []
    for page in pages:
        host = host_key(page.page_url)
        if page.page_url in known:
            close_known(conn, [(page, known[page.page_url])], "already stored")
            report.already_known += 1
            continue
        if host in deferred:
            entries.retry_later(
                conn, page.entries, "host asked us to wait (Retry-After)", deferred[host]
            )
            report.pages_retry += 1
            continue
        respect_robots = any(polite.get(entry.feed_id, True) for entry in page.entries)
        if respect_robots and not _robots_allow(conn, fetcher, page, rules, report):
            continue
        to_fetch.append(page)
    return to_fetch


def _host_rules(conn: Connection, fetcher: Fetcher, page_url: str) -> tuple[str, str]:
    """(status, robots.txt body) for the page's host, from the per-host cache or fetched."""
    host = host_key(page_url)
    cached = hosts.cached_robots(conn, host, robots.CACHE_FOR, robots.RETRY_UNAVAILABLE_AFTER)
    if cached is not None:
        return cached
    status, body = robots.fetch_robots(fetcher, page_url)
    hosts.save_robots(conn, host, status, body)
    return status, body


def _robots_allow(
    conn: Connection,
    fetcher: Fetcher,
    page: Page,
    rules: dict[str, tuple[str, str]],
    report: ProcessReport,
) -> bool:
    host = host_key(page.page_url)
    if host not in rules:
        rules[host] = _host_rules(conn, fetcher, page.page_url)
    verdict, reason = robots.decide(*rules[host], page.page_url)
    if verdict == RobotsVerdict.ALLOWED:
        return True
    if verdict == RobotsVerdict.UNAVAILABLE:
        entries.retry_later(conn, page.entries, reason)
        report.pages_retry += 1
    else:
        entries.finish(conn, [(page.entries, None)], EntryStatus.SKIPPED, reason)
        report.pages_skipped += 1
    report.outcomes.append(f"{page.page_url}: {reason}")
    return False


def record_fetch_failure(conn: Connection, page: Page, report: ProcessReport) -> None:
    """A page that was not fetched: skipped (not HTML), retried later (a soft failure; the
    host deferred when it asked), or failed."""
    fetched = page.fetched
    assert fetched is not None
    if fetched.skipped_body:
        reason = f"not HTML: {fetched.content_type or 'no content type'}"
        entries.finish(conn, [(page.entries, None)], EntryStatus.SKIPPED, reason)
        report.pages_skipped += 1
    elif fetched.error_class in SOFT_ERRORS:
        reason = f"{fetched.error_class}: {fetched.error}"
        if fetched.retry_after:
            hosts.defer(conn, host_key(page.page_url), fetched.retry_after)
        status = entries.retry_later(conn, page.entries, reason, fetched.retry_after)
        if status == EntryStatus.FAILED:
            report.pages_failed += 1
        else:
            report.pages_retry += 1
    else:
        reason = f"{fetched.error_class or 'http'}: {fetched.error or fetched.status_code}"
        entries.finish(conn, [(page.entries, None)], EntryStatus.FAILED, reason)
        report.pages_failed += 1
    report.outcomes.append(f"{page.page_url}: {reason}")


def close_known(conn: Connection, pages: list[tuple[Page, int | None]], reason: str) -> None:
    """Close pages that are stored articles already; re-index those a feed not yet linked
    to them now lists (the search document's `feed_ids` would be stale)."""
    if not pages:
        return
    entries.finish(
        conn, [(page.entries, article_id) for page, article_id in pages], EntryStatus.DONE, reason
    )
    pairs = {
        (entry.feed_id, article_id)
        for page, article_id in pages
        if article_id
        for entry in page.entries
    }
    if not pairs:
        return
    linked = entries.feeds_listing(
        conn,
        sorted({article_id for _, article_id in pairs}),
        [entry.id for page, _ in pages for entry in page.entries],
    )
    outbox.enqueue(conn, sorted({article_id for _, article_id in pairs - linked}))
