"""Online event assignment: pure, no I/O (store/events.py loads and saves what it decides).

Each new article joins the best-scoring event open in the sliding window, or opens a new
one. An article of a copy cluster joins its cluster's event, so a cluster never spans two
events. A report that matches two open events strongly bridges them: they merge.

The score of an article against an event adds:
- the cosine of the article's vector with the event's centroid (headline + lead), when the
  encoder covers both sides; for a language it does not cover (uk, fa, ps, ur) a fixed prior
  takes its place, the better of the two;
- the tracked groups both name (Jaccard), a penalty when both name groups and none is shared;
- the numbers both state (tolls, counts);
- a bonus when the article is close in time to the event's reports and alike in text (or
  in a language the encoder cannot compare), minus a little per day.
Reports of one event that fall more than `window` apart from the event start a new event:
"the arrests days later are another event".

Every open event is one row of a few arrays (centroid, first and last report, groups,
whether its vector is reliable), so an article is scored against all of them at once; a
batch of articles reads the centroid matrix once (`EventWindow.batch`): at 100,000 open
events the matrix is 200 MB, and reading it per article cost more than all the rest.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from mediamon.events.encoder import DIMENSIONS
from mediamon.events.model import ArticleSignals, Decision, OpenEvent, Weights

__all__ = ["ArticleSignals", "Decision", "EventWindow", "OpenEvent", "Weights", "assign_all"]

_INITIAL_ROWS = 1024


@dataclass
class _Batch:
    """Cosines of a batch's articles with the rows as they were when it began; rows changed
    since are scored again."""

    rows: int  # rows that existed when the batch began
    column: dict[int, int]  # article id -> column of `cosines`
    cosines: np.ndarray  # (rows, articles)
    changed: set[int] = field(default_factory=set)


class EventWindow:
    """The events open for assignment, one row each. A closed or merged event's row is left
    dead (rows keep their place during a batch) and the arrays are compacted later."""

    def __init__(self, weights: Weights | None = None) -> None:
        self.weights = weights or Weights()
        self.events: dict[int, OpenEvent] = {}
        self._batch: _Batch | None = None
        self._empty_rows()

    def _empty_rows(self, size: int = _INITIAL_ROWS) -> None:
        self._row: dict[int, int] = {}
        self._used = 0  # rows used, alive or dead
        self._ids = np.zeros(size, np.int64)
        self._alive = np.zeros(size, bool)
        self._matrix = np.zeros((size, DIMENSIONS), np.float32)
        self._last = np.zeros(size, np.float64)  # last report, epoch seconds
        self._first = np.zeros(size, np.float64)
        self._reliable = np.zeros(size, bool)
        self._group_count = np.zeros(size, np.int32)
        self._group_column: dict[str, int] = {}
        self._has_group = np.zeros((size, 8), bool)
        self._by_number: dict[int, set[int]] = {}  # number -> rows of events stating it

    def __len__(self) -> int:
        return len(self.events)

    # -- rows ---------------------------------------------------------------------------------
    def put(self, event: OpenEvent) -> None:
        """Add or refresh an event."""
        row = self._row.get(event.id)
        if row is None:
            if self._used == len(self._ids):
                self._grow()
            row, self._used = self._used, self._used + 1
            self._row[event.id] = row
        elif self._batch is not None and row < self._batch.rows:
            self._batch.changed.add(row)
        self.events[event.id] = event
        self._ids[row] = event.id
        self._alive[row] = True
        self._matrix[row] = event.centroid
        self._last[row] = event.last_report_at.timestamp()
        self._first[row] = event.first_report_at.timestamp()
        self._reliable[row] = event.reliable
        columns = [self._column_of(group) for group in event.groups]  # may widen the array
        self._has_group[row] = False
        self._has_group[row, columns] = True
        self._group_count[row] = len(event.groups)
        for number in event.numbers:
            self._by_number.setdefault(number, set()).add(row)

    def remove(self, event_id: int) -> None:
        event = self.events.pop(event_id, None)
        if event is None:
            return
        row = self._row.pop(event_id)
        self._alive[row] = False
        for number in event.numbers:
            rows = self._by_number.get(number)
            if rows is not None:
                rows.discard(row)
                if not rows:
                    del self._by_number[number]

    def expire(self, before: datetime) -> list[int]:
        """Close the events whose last report is before `before`; their ids."""
        n = self._used
        old = np.flatnonzero(self._alive[:n] & (self._last[:n] < before.timestamp()))
        closed = [int(event_id) for event_id in self._ids[old]]
        for event_id in closed:
            self.remove(event_id)
        self._compact_if_sparse()
        return closed

    def _column_of(self, group: str) -> int:
        column = self._group_column.get(group)
        if column is None:
            column = self._group_column[group] = len(self._group_column)
            if column == self._has_group.shape[1]:
                wider = np.zeros((len(self._has_group), 2 * column), bool)
                wider[:, :column] = self._has_group
                self._has_group = wider
        return column

    def _grow(self) -> None:
        size = 2 * len(self._ids)
        for name in ("_ids", "_alive", "_last", "_first", "_reliable", "_group_count"):
            array = getattr(self, name)
            grown = np.zeros(size, array.dtype)
            grown[: len(array)] = array
            setattr(self, name, grown)
        for name in ("_matrix", "_has_group"):
            array = getattr(self, name)
            grown = np.zeros((size, array.shape[1]), array.dtype)
            grown[: len(array)] = array
            setattr(self, name, grown)

    def _compact_if_sparse(self) -> None:
        """Drop dead rows once they are half the rows (never during a batch)."""
        dead = self._used - len(self.events)
        if self._batch is not None or dead < max(_INITIAL_ROWS, self._used // 2):
            return
        self._empty_rows(max(_INITIAL_ROWS, 2 * len(self.events)))
        for event in self.events.values():
            self.put(event)

    # -- scoring ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def batch(self, vectors: Mapping[int, np.ndarray]) -> Iterator[None]:
        """Score the articles of `vectors` (article id -> vector) against every row at once,
        then assign them one by one inside the block."""
        n = self._used
        ids = list(vectors)
        cosines = (
            self._matrix[:n] @ np.stack([vectors[i] for i in ids], axis=1)
            if ids and n
            else np.zeros((n, len(ids)), np.float32)
        )
        self._batch = _Batch(n, {article_id: k for k, article_id in enumerate(ids)}, cosines)
        try:
            yield
        finally:
            self._batch = None
            self._compact_if_sparse()

    def _cosines(self, article: ArticleSignals) -> np.ndarray:
        n = self._used
        vector = article.vector
        if vector is None:
            return np.zeros(n, np.float32)
        batch = self._batch
        column = batch.column.get(article.id) if batch is not None else None
        if batch is None or column is None:
            return self._matrix[:n] @ vector
        cosines = np.empty(n, np.float32)
        cosines[: batch.rows] = batch.cosines[:, column]
        if batch.changed:
            rows = np.fromiter(batch.changed, np.int64, len(batch.changed))
            cosines[rows] = self._matrix[rows] @ vector
        cosines[batch.rows :] = self._matrix[batch.rows : n] @ vector
        return cosines

    def ranked(self, article: ArticleSignals) -> list[tuple[float, int]]:
        """(score, event id) of the open events the article may join, best first."""
        w = self.weights
        n = self._used
        if n == 0:
            return []
        ev = article.evidence
        at = ev.published_at.timestamp()
        span = w.window.total_seconds()
        last, first = self._last[:n], self._first[:n]
        in_window = self._alive[:n] & (last >= at - span) & (first <= at + span)
        cosines = self._cosines(article)
        shared_numbers = np.zeros(n, np.int32)
        for number in ev.numbers:
            stating = self._by_number.get(number)
            if stating:
                shared_numbers[np.fromiter(stating, np.int64, len(stating))] += 1
        columns = [self._group_column[g] for g in ev.groups if g in self._group_column]
        shared_groups = (
            self._has_group[:n, columns].sum(axis=1) if columns else np.zeros(n, np.int64)
        )
        reliable = article.reliable_vector
        # Candidates: close in meaning, or sharing a number, or (where the encoder cannot
        # compare: this article's language, or an event of only such languages) a group.
        candidate = (shared_numbers > 0) | (
            (shared_groups > 0) & ~self._reliable[:n] if reliable else shared_groups > 0
        )
        if article.vector is not None:
            candidate |= cosines >= w.cosine_floor
        rows = np.flatnonzero(in_window & candidate)
        if rows.size == 0:
            return []
        scores = cosines[rows].astype(np.float64)
        if not reliable:
            scores = np.maximum(scores, w.weak_prior)
        else:
            scores = np.where(self._reliable[rows], scores, np.maximum(scores, w.weak_prior))
        group_count = self._group_count[rows]
        comparable = self._reliable[rows] & reliable
        raw = cosines[rows]
        if ev.groups:
            shared = shared_groups[rows]
            union = np.maximum(len(ev.groups) + group_count - shared, 1)
            scores += np.where(
                group_count == 0,
                0.0,
                np.where(shared > 0, w.group_weight * shared / union, w.disjoint_groups),
            )
        scores += w.number_weight * np.minimum(shared_numbers[rows], w.max_shared)
        gap = np.maximum(np.maximum(at - last[rows], first[rows] - at), 0.0)
        bonus_ok = ~comparable | (raw >= w.bonus_min_cosine)
        scores += np.where((gap <= w.recent_hours * 3600) & bonus_ok, w.recent_bonus, 0.0)
        scores -= w.day_penalty * gap / 86400
        # Neither side names a tracked group: only the text can tell two stories of one busy
        # day apart, so the score must be higher.
        needed = (
            np.where(group_count == 0, w.ungrouped_threshold, w.threshold)
            if not ev.groups
            else w.threshold
        )
        keep = scores >= needed
        scores, ids = scores[keep], self._ids[rows[keep]]
        order = np.lexsort((-ids, -scores))  # best first; ties: the newer event
        return [(float(scores[k]), int(ids[k])) for k in order]

    # -- assignment ---------------------------------------------------------------------------
    def assign(self, article: ArticleSignals, new_event_id: Callable[[], int]) -> Decision:
        """Put the article in an event (the window is updated); what was decided."""
        if article.cluster_event is not None and article.cluster_event in self.events:
            event = self.events[article.cluster_event]
            event.add(article)
            self.put(event)
            return Decision(event.id, opened=False)
        ranked = self.ranked(article)
        if not ranked:
            event_id = new_event_id()
            at = article.evidence.published_at
            event = OpenEvent(event_id, at, at)
            event.add(article)
            self.put(event)
            return Decision(event_id, opened=True)
        best_score, best_id = ranked[0]
        event = self.events[best_id]
        merged = [eid for s, eid in ranked[1:] if s >= self.weights.merge_threshold]
        for other_id in merged:
            event.absorb(self.events[other_id])
            self.remove(other_id)
        event.add(article)
        self.put(event)
        return Decision(best_id, opened=False, merged=tuple(merged), score=best_score)


def assign_all(
    window: EventWindow, articles: Iterable[ArticleSignals], new_event_id: Callable[[], int]
) -> list[Decision]:
    """Assign articles in publication order (the order reports arrive), as one batch."""
    ordered = sorted(articles, key=lambda a: (a.evidence.published_at, a.id))
    vectors = {a.id: a.vector for a in ordered if a.vector is not None}
    with window.batch(vectors):
        return [window.assign(article, new_event_id) for article in ordered]
