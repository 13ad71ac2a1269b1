"""Per-stage timings of the pipeline (fetch, extract, dedupe, tag, store, index).

Cheap enough to stay on in production: one `perf_counter` pair per stage and article.
The benchmark reads them to report each stage's median, p90 and share of the time.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class StageClock:
    """Collects durations (ms) per stage; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: dict[str, list[float]] = defaultdict(list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, (time.perf_counter() - started) * 1000)

    def add(self, name: str, milliseconds: float) -> None:
        with self._lock:
            self._samples[name].append(milliseconds)

    def raw(self) -> dict[str, list[float]]:
        with self._lock:
            return {name: list(values) for name, values in self._samples.items()}

    def merge(self, samples: dict[str, list[float]]) -> None:
        with self._lock:
            for name, values in samples.items():
                self._samples[name].extend(values)

    def summary(self) -> dict[str, dict[str, float]]:
        """{stage: {count, median_ms, p90_ms, total_ms, share}}; share of the summed total."""
        with self._lock:
            samples = {name: sorted(values) for name, values in self._samples.items() if values}
        grand_total = sum(sum(values) for values in samples.values()) or 1.0
        out = {}
        for name, values in samples.items():
            total = sum(values)
            out[name] = {
                "count": len(values),
                "median_ms": round(statistics.median(values), 3),
                "p90_ms": round(values[int(0.9 * (len(values) - 1))], 3),
                "total_ms": round(total, 1),
                "share": round(total / grand_total, 4),
            }
        return out
