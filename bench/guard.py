"""Call a function on many inputs in worker processes, each call bounded in time and memory.

A call that raises, runs out of memory, hangs past its timeout or kills its worker gives an
`Outcome` with the error's name instead of a value; the other calls go on (pebble replaces
a worker that was stopped).
"""

from __future__ import annotations

import resource
from collections.abc import Callable, Iterable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pebble import ProcessExpired, ProcessPool


@dataclass(frozen=True)
class Outcome:
    value: Any = None
    error: str | None = None  # the exception's type name, "Timeout" or "WorkerDied"
    detail: str = ""


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 where /proc is not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit_memory(budget_mib: int) -> None:
    """Worker initializer: at most `budget_mib` more address space than at start."""
    limit = _address_space() + budget_mib * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _call(fn: Callable[[Any], Any], item: Any) -> Outcome:
    try:
        return Outcome(value=fn(item))
    except Exception as exc:  # reported, never raised: one bad input must not stop the run
        return Outcome(error=type(exc).__name__, detail=str(exc)[:300])


def guarded_map(
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    *,
    timeout_s: float,
    memory_mib: int,
    workers: int = 2,
) -> list[Outcome]:
    """`fn(item)` for each item, in order; `fn` must be a module-level function."""
    with ProcessPool(
        max_workers=workers, initializer=_limit_memory, initargs=(memory_mib,)
    ) as pool:
        futures = [pool.schedule(_call, args=(fn, item), timeout=timeout_s) for item in items]
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result())
            except FutureTimeout:
                outcomes.append(Outcome(error="Timeout", detail=f"over {timeout_s:g} s"))
            except ProcessExpired as exc:
                outcomes.append(Outcome(error="WorkerDied", detail=f"exit code {exc.exitcode}"))
            except Exception as exc:  # e.g. a result that could not be sent back
                outcomes.append(Outcome(error=type(exc).__name__, detail=str(exc)[:300]))
    return outcomes
