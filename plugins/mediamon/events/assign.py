"""Online event assignment: pure, no I/O (store/events.py loads and saves what it decides).

Each new article joins the best-scoring event open in the sliding window, or opens a new
one. An article of a copy cluster joins its cluster's event, so a cluster never spans two
events. A report that matches two open events strongly bridges them: they merge.

The score of an article against an event adds:
- the cosine of the article's vector with the event's centroid (headline + lead), when the
  encoder covers both sides; for a language it does not cover (uk, fa, ps, ur) a fixed prior
  takes its place, the better of the two;
- the tracked groups both name (Jaccard), a penalty when both name groups and none is shared;
- the numbers both state (tolls, counts), the names both write (same script);
- minus a little per day since the event's last report.
Reports of one event that fall more than `window` apart from the event start a new event:
"the arrests days later are another event".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from mediamon.events.encoder import DIMENSIONS
from mediamon.events.evidence import WEAK_ENCODER_LANGUAGES, Evidence


@dataclass(frozen=True)
class Weights:
    window: timedelta = timedelta(hours=48)
    threshold: float = 0.70  # a score at least this joins the event
    merge_threshold: float = 0.75  # a second event scoring this much merges into the first
    weak_prior: float = 0.35  # cosine assumed where the encoder has no vocabulary
    cosine_floor: float = 0.25  # below it an event is a candidate only through shared evidence
    group_weight: float = 0.20
    disjoint_groups: float = -0.20
    number_weight: float = 0.12  # per shared number, at most `max_shared` of them
    name_weight: float = 0.0  # measured: shared name keys joined different stories of one day
    max_shared: int = 3
    day_penalty: float = 0.05
    # Neither side names a tracked group: only the text can tell two stories of one busy day
    # apart (two stories about one band, one president), so the score must be this high.
    ungrouped_threshold: float = 1.10
    recent_hours: float = 12.0  # reports this close to the event's last one ...
    recent_bonus: float = 0.20  # ... score this much more: an event is reported in a burst


@dataclass
class ArticleSignals:
    """What assignment needs of one article."""

    id: int
    vector: np.ndarray | None  # None: no vector (not encoded); evidence alone decides
    evidence: Evidence
    cluster_event: int | None = None  # the event its copy cluster already lies in

    @property
    def reliable_vector(self) -> bool:
        return self.vector is not None and self.evidence.language not in WEAK_ENCODER_LANGUAGES


@dataclass
class OpenEvent:
    """An event as the window keeps it: sums and unions of its reports' signals."""

    id: int
    first_report_at: datetime
    last_report_at: datetime
    size: int = 0
    vector_sum: np.ndarray = field(default_factory=lambda: np.zeros(DIMENSIONS, np.float32))
    reliable: bool = False  # vector_sum holds only reports the encoder covers
    groups: Counter[str] = field(default_factory=Counter)
    numbers: set[int] = field(default_factory=set)
    names: set[str] = field(default_factory=set)
    languages: set[str] = field(default_factory=set)

    def add(self, article: ArticleSignals) -> None:
        ev = article.evidence
        if article.vector is not None:
            if article.reliable_vector and not self.reliable:
                self.vector_sum = article.vector.astype(np.float32).copy()
                self.reliable = True
            elif article.reliable_vector or not self.reliable:
                self.vector_sum = self.vector_sum + article.vector
        self.size += 1
        self.groups.update(ev.groups)
        self.numbers |= ev.numbers
        self.names |= ev.names
        self.languages.add(ev.language)
        self.first_report_at = min(self.first_report_at, ev.published_at)
        self.last_report_at = max(self.last_report_at, ev.published_at)

    def absorb(self, other: OpenEvent) -> None:
        """Take in a merged event's reports."""
        if other.reliable and not self.reliable:
            self.vector_sum, self.reliable = other.vector_sum.copy(), True
        elif other.reliable or not self.reliable:
            self.vector_sum = self.vector_sum + other.vector_sum
        self.size += other.size
        self.groups.update(other.groups)
        self.numbers |= other.numbers
        self.names |= other.names
        self.languages |= other.languages
        self.first_report_at = min(self.first_report_at, other.first_report_at)
        self.last_report_at = max(self.last_report_at, other.last_report_at)

    @property
    def centroid(self) -> np.ndarray:
        norm = float(np.linalg.norm(self.vector_sum))
        return self.vector_sum / norm if norm > 0 else self.vector_sum


@dataclass(frozen=True)
class Decision:
    event_id: int
    opened: bool  # a new event
    merged: tuple[int, ...] = ()  # events merged into event_id by this article
    score: float | None = None


class EventWindow:
    """The events open for assignment; their centroids in one matrix, so that scoring an
    article against every open event is one matrix-vector product."""

    def __init__(self, weights: Weights | None = None) -> None:
        self.weights = weights or Weights()
        self.events: dict[int, OpenEvent] = {}
        self._row: dict[int, int] = {}
        self._ids: list[int] = []
        self._matrix = np.zeros((1024, DIMENSIONS), np.float32)
        self._last = np.zeros(1024, np.float64)  # last report, epoch seconds
        self._first = np.zeros(1024, np.float64)
        self._by_number: dict[int, set[int]] = {}

    def __len__(self) -> int:
        return len(self.events)

    def put(self, event: OpenEvent) -> None:
        """Add or refresh an event."""
        row = self._row.get(event.id)
        if row is None:
            row = len(self._ids)
            if row == len(self._matrix):
                self._grow()
            self._row[event.id] = row
            self._ids.append(event.id)
        self.events[event.id] = event
        self._matrix[row] = event.centroid
        self._last[row] = event.last_report_at.timestamp()
        self._first[row] = event.first_report_at.timestamp()
        for number in event.numbers:
            self._by_number.setdefault(number, set()).add(event.id)

    def remove(self, event_id: int) -> None:
        event = self.events.pop(event_id, None)
        if event is None:
            return
        row = self._row.pop(event_id)
        last = len(self._ids) - 1
        if row != last:  # move the last row into the hole
            moved = self._ids[last]
            self._ids[row] = moved
            self._row[moved] = row
            self._matrix[row] = self._matrix[last]
            self._last[row], self._first[row] = self._last[last], self._first[last]
        self._ids.pop()
        for number in event.numbers:
            holders = self._by_number.get(number)
            if holders is not None:
                holders.discard(event_id)
                if not holders:
                    del self._by_number[number]

    def expire(self, before: datetime) -> list[int]:
        """Close the events whose last report is before `before`; their ids."""
        old = [i for i, e in self.events.items() if e.last_report_at < before]
        for event_id in old:
            self.remove(event_id)
        return old

    def _grow(self) -> None:
        size = len(self._matrix) * 2
        self._matrix = np.resize(self._matrix, (size, DIMENSIONS))
        self._last = np.resize(self._last, size)
        self._first = np.resize(self._first, size)

    def scores(self, article: ArticleSignals) -> list[tuple[float, int]]:
        """(score, event id) of the open events worth scoring, best first."""
        w = self.weights
        n = len(self._ids)
        if n == 0:
            return []
        at = article.evidence.published_at.timestamp()
        span = w.window.total_seconds()
        in_window = (self._last[:n] >= at - span) & (self._first[:n] <= at + span)
        if article.vector is not None:
            cosines = self._matrix[:n] @ article.vector
            rows = set(np.flatnonzero(in_window & (cosines >= w.cosine_floor)).tolist())
        else:
            cosines = np.zeros(n, np.float32)
            rows = set()
        for number in article.evidence.numbers:
            for event_id in self._by_number.get(number, ()):
                row = self._row[event_id]
                if in_window[row]:
                    rows.add(row)
        wanted = article.evidence.groups
        if wanted:
            # Where the encoder cannot compare (this article's language, or an event of only
            # such languages) an open event naming one of its groups is a candidate.
            for event_id, event in self.events.items():
                row = self._row[event_id]
                if (
                    in_window[row]
                    and (not article.reliable_vector or not event.reliable)
                    and not wanted.isdisjoint(event.groups)
                ):
                    rows.add(row)
        found = [
            (self._score(article, self.events[self._ids[r]], float(cosines[r])), self._ids[r])
            for r in rows
        ]
        found.sort(reverse=True)
        return found

    def _score(self, article: ArticleSignals, event: OpenEvent, cosine: float) -> float:
        w = self.weights
        ev = article.evidence
        if not (article.reliable_vector and event.reliable):
            cosine = max(cosine, w.weak_prior)
        score = cosine
        event_groups = set(event.groups)
        if ev.groups and event_groups:
            shared = len(ev.groups & event_groups)
            score += (
                w.group_weight * shared / len(ev.groups | event_groups)
                if shared
                else w.disjoint_groups
            )
        score += w.number_weight * min(len(ev.numbers & event.numbers), w.max_shared)
        score += w.name_weight * min(len(ev.names & event.names), w.max_shared)
        gap = max(
            (ev.published_at - event.last_report_at).total_seconds(),
            (event.first_report_at - ev.published_at).total_seconds(),
            0.0,
        )
        if gap <= w.recent_hours * 3600:
            score += w.recent_bonus
        return score - w.day_penalty * gap / 86400

    def _needed(self, article: ArticleSignals, event_id: int) -> float:
        """The score the article needs to join the event."""
        if not article.evidence.groups and not self.events[event_id].groups:
            return self.weights.ungrouped_threshold
        return self.weights.threshold

    def assign(self, article: ArticleSignals, new_event_id: Callable[[], int]) -> Decision:
        """Put the article in an event (the window is updated); what was decided."""
        w = self.weights
        if article.cluster_event is not None and article.cluster_event in self.events:
            event = self.events[article.cluster_event]
            event.add(article)
            self.put(event)
            return Decision(event.id, opened=False)
        ranked = [(s, e) for s, e in self.scores(article) if s >= self._needed(article, e)]
        if not ranked:
            event_id = new_event_id()
            at = article.evidence.published_at
            event = OpenEvent(event_id, at, at)
            event.add(article)
            self.put(event)
            return Decision(event_id, opened=True)
        best_score, best_id = ranked[0]
        event = self.events[best_id]
        merged = [eid for s, eid in ranked[1:] if s >= w.merge_threshold]
        for other_id in merged:
            event.absorb(self.events[other_id])
            self.remove(other_id)
        event.add(article)
        self.put(event)
        return Decision(best_id, opened=False, merged=tuple(merged), score=best_score)


def assign_all(
    window: EventWindow, articles: Iterable[ArticleSignals], new_event_id: Callable[[], int]
) -> list[Decision]:
    """Assign articles in publication order (the order reports arrive)."""
    ordered = sorted(articles, key=lambda a: (a.evidence.published_at, a.id))
    return [window.assign(article, new_event_id) for article in ordered]
