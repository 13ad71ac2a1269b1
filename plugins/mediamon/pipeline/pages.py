"""What a batch carries from stage to stage: the pages of claimed entries, and its report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from mediamon.fetch.client import FetchResult
from mediamon.pipeline.worker import PreparedPage
from mediamon.store.entries import Entry


@dataclass
class ProcessReport:
    claimed: int = 0
    pages_fetched: int = 0
    pages_skipped: int = 0
    pages_failed: int = 0
    pages_retry: int = 0
    articles_stored: int = 0
    already_known: int = 0
    copies_found: int = 0
    tagged: int = 0
    released: int = 0  # entries handed back unprocessed when the run was stopped
    outcomes: list[str] = field(default_factory=list)  # one line per page that did not store

    def merge(self, other: ProcessReport) -> None:
        for counter in fields(self):
            if counter.name != "outcomes":
                setattr(
                    self, counter.name, getattr(self, counter.name) + getattr(other, counter.name)
                )
        self.outcomes += other.outcomes


@dataclass
class Page:
    """One distinct page URL of the batch and the entries that listed it."""

    page_url: str
    entries: list[Entry]
    fetched: FetchResult | None = None
    # Once fetched: the normalised final URL and the outlet it belongs to.
    final_url: str | None = None
    source: str | None = None
    prepared: PreparedPage | None = None  # by an extraction worker
    claim_seq: int = 0  # its place in the run's claim order (oldest report first)
    extracted_at: float = 0.0  # time.monotonic() when its extraction finished

    @property
    def feed_title(self) -> str | None:
        return next((entry.title for entry in self.entries if entry.title), None)


def pages_of(entries: Sequence[Entry]) -> list[Page]:
    """One page per distinct URL, with every entry that listed it."""
    by_url: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        by_url[entry.page_url].append(entry)
    return [Page(url, group) for url, group in by_url.items()]
