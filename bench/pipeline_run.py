"""One pipeline run for the throughput benchmark, in its own process (so that its CPU time,
and its extraction workers', can be measured from outside). Prints one JSON object."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path

from mediamon import settings as settings_module
from mediamon.pipeline.cycle import run_cycle


def main() -> None:
    config = json.loads(sys.argv[1])
    settings = dataclasses.replace(
        settings_module.load(),
        database_url=config["database_url"],
        elasticsearch_url=config["elasticsearch_url"],
        index=config["index"],
        workers=config["workers"],
        allowed_addresses=frozenset([config["allowed"]]),
    )
    started = time.perf_counter()
    report = run_cycle(
        settings, Path(config["feeds_file"]), Path(config["watchlist"]), poll_all=True
    )
    wall = time.perf_counter() - started
    print(
        json.dumps(
            {
                "wall_s": wall,
                "stored": report.process.articles_stored,
                "indexed": report.index.indexed,
                "failed": report.process.pages_failed,
                "stages": report.clock.summary(),
            }
        )
    )


if __name__ == "__main__":
    main()
