"""One stage of a throughput-benchmark run, in its own process, so that its CPU time (its
own and its extraction workers') can be measured. Prints one JSON object.

    python -m bench.pipeline_run poll|process|index CONFIG_JSON
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import sys
import time
from pathlib import Path

from mediamon import settings as settings_module
from mediamon.feeds import poll
from mediamon.feeds.sources import read_feed_list
from mediamon.pipeline.cycle import index_pending, make_fetcher, open_processor, process_pending
from mediamon.pipeline.timing import StageClock


def _cpu_seconds(*who: int) -> float:
    """CPU seconds of this process and its finished children (or only of those in `who`)."""
    usages = map(resource.getrusage, who or (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return sum(usage.ru_utime + usage.ru_stime for usage in usages)


def _machine_cpu_seconds() -> float | None:
    """CPU seconds every process on this machine has used (Linux's /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = map(int, fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def _own_peak_rss_mib() -> float:
    """This process's peak resident memory. /proc's VmHWM, not getrusage: a process started
    by fork and exec inherits in getrusage the peak of the process it was forked from."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    stage, config = sys.argv[1], json.loads(sys.argv[2])
    settings = dataclasses.replace(
        settings_module.load(),
        database_url=config["database_url"],
        elasticsearch_url=config["elasticsearch_url"],
        index=config["index"],
        workers=config.get("workers", 1),
        allowed_addresses=frozenset(config["allowed"]),
    )
    clock = StageClock()
    result: dict = {}
    # From here on: the interpreter's start-up and imports are not the pipeline's work.
    cpu_before, started = _cpu_seconds(), time.perf_counter()
    own_before = _cpu_seconds(resource.RUSAGE_SELF)
    machine_before = _machine_cpu_seconds()
    if stage == "poll":
        poll.add_feeds(settings.database_url, read_feed_list(Path(config["feeds_file"])))
        poll.force_due(settings.database_url)
        with make_fetcher(settings) as fetcher:
            report = poll.poll_feeds(
                settings.database_url, fetcher, poll.due_feeds(settings.database_url)
            )
        result["new_entries"] = report.new_entries
    elif stage == "process":
        setup_started = _cpu_seconds()
        with open_processor(settings, Path(config["watchlist"]), clock) as processor:
            # The compiled watchlist read and the extraction workers started.
            result["setup_cpu_s"] = _cpu_seconds() - setup_started
            report = process_pending(processor)
        result["stored"] = report.articles_stored
    else:
        result["indexed"] = index_pending(settings, clock).indexed
    machine_after = _machine_cpu_seconds()
    result.update(
        wall_s=time.perf_counter() - started,
        cpu_s=_cpu_seconds() - cpu_before,
        # The stage's own process alone (the extraction workers are its children).
        own_cpu_s=_cpu_seconds(resource.RUSAGE_SELF) - own_before,
        # Everything the machine ran meanwhile: PostgreSQL, Elasticsearch, the page server.
        machine_cpu_s=machine_after - machine_before if machine_before is not None else None,
        peak_rss_mib=_own_peak_rss_mib(),
        # The extraction workers: forked without exec, so getrusage's figure is theirs.
        workers_peak_rss_mib=resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        clock=clock.raw(),
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
