"""Per-stage timings of the pipeline (fetch, extract, tag, dedupe, store, index).

Cheap enough to stay on in production: a `perf_counter` and a `thread_time` pair per
stage and article. Wall time says where an article waits; CPU time (of the thread or
worker process doing the stage) says where the machine's cores go. The benchmark reads
both to report each stage's median, p90 and share of the CPU.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


def mark() -> tuple[float, float]:
    """Now, as (wall, CPU of this thread) seconds: the start of a `since` measurement."""
    return time.perf_counter(), time.thread_time()


def since(started: tuple[float, float]) -> tuple[float, float]:
    """Milliseconds (wall, CPU of this thread) since `started`."""
    wall, cpu = mark()
    return (wall - started[0]) * 1000, (cpu - started[1]) * 1000


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.9 * (len(ordered) - 1))]


class StageClock:
    """Collects (wall ms, CPU ms) per stage and article; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._samples: dict[str, list[tuple[float, float]]] = defaultdict(list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Time a stage run by the current thread."""
        started = mark()
        try:
            yield
        finally:
            self.add(name, *since(started))

    def add(self, name: str, wall_ms: float, cpu_ms: float) -> None:
        with self._lock:
            self._samples[name].append((wall_ms, cpu_ms))

    def add_shared(self, name: str, wall_ms: float, cpu_ms: float, articles: int) -> None:
        """A batch's time shared out over its articles (bulk work has no per-article edge)."""
        for _ in range(articles):
            self.add(name, wall_ms / articles, cpu_ms / articles)

    def raw(self) -> dict[str, list[tuple[float, float]]]:
        with self._lock:
            return {name: list(values) for name, values in self._samples.items()}

    def merge(self, samples: dict[str, list[tuple[float, float]]]) -> None:
        with self._lock:
            for name, values in samples.items():
                self._samples[name].extend((wall, cpu) for wall, cpu in values)

    def summary(self) -> dict[str, dict[str, float]]:
        """{stage: {count, median_ms, p90_ms, total_ms (wall), cpu_median_ms, cpu_p90_ms,
        cpu_total_ms, share}}; `share` is the stage's part of all stages' CPU time."""
        with self._lock:
            samples = {name: list(values) for name, values in self._samples.items() if values}
        cpu_total = sum(cpu for values in samples.values() for _, cpu in values) or 1.0
        out = {}
        for name, values in samples.items():
            wall_median, wall_p90 = _percentiles([wall for wall, _ in values])
            cpu_median, cpu_p90 = _percentiles([cpu for _, cpu in values])
            stage_cpu = sum(cpu for _, cpu in values)
            out[name] = {
                "count": len(values),
                "median_ms": round(wall_median, 3),
                "p90_ms": round(wall_p90, 3),
                "total_ms": round(sum(wall for wall, _ in values), 1),
                "cpu_median_ms": round(cpu_median, 3),
                "cpu_p90_ms": round(cpu_p90, 3),
                "cpu_total_ms": round(stage_cpu, 1),
                "share": round(stage_cpu / cpu_total, 4),
            }
        return out
