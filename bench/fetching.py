"""Client CPU of a page fetch: mediamon's Fetcher against a bare httpcore loop, side by side.

    python -m bench.fetching [--json] [--dataset DIR]

The throughput benchmark's pages, served on loopback, fetched one after another by each
client in turn (three rounds, alternating, so that drift on a shared machine hits both).
CPU is this thread's alone (`time.thread_time`): the page server runs in other threads.
The bare loop is what any client must do (one connection pool per origin, the body read
whole); the Fetcher adds its guard, limits and bookkeeping on top.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpcore

from bench.common import AEB_DEFAULT, add_dataset_argument, aeb_dir
from bench.corpus import CorpusServer, build
from mediamon import settings as settings_module
from mediamon.fetch.client import Fetcher
from mediamon.fetch.guard import NetworkGuard

ROUNDS = 3


def _bare_httpcore() -> tuple[Callable[[str], bytes], Callable[[], None]]:
    pools: dict[tuple[str, str | None, int | None], httpcore.ConnectionPool] = {}

    def get(url: str) -> bytes:
        parts = urlsplit(url)
        origin = (parts.scheme, parts.hostname, parts.port)
        if origin not in pools:
            pools[origin] = httpcore.ConnectionPool()
        pool = pools[origin]
        request = httpcore.Request(
            b"GET",
            httpcore.URL(
                scheme=parts.scheme.encode(),
                host=(parts.hostname or "").encode(),
                port=parts.port,
                target=(parts.path or "/").encode(),
            ),
            headers=[(b"Host", parts.netloc.encode()), (b"User-Agent", b"bench")],
        )
        response = pool.handle_request(request)
        try:
            return b"".join(response.stream)
        finally:
            response.close()

    def close() -> None:
        for pool in pools.values():
            pool.close()

    return get, close


def _cpu_ms_per_page(get: Callable[[str], object], urls: list[str]) -> float:
    started = time.thread_time()
    for url in urls:
        get(url)
    return (time.thread_time() - started) / len(urls) * 1000


def run(dataset: Path) -> dict:
    with CorpusServer(build(dataset)) as server:
        urls = server.page_urls()
        settings = settings_module.load()
        guard = NetworkGuard(allowed_addresses=frozenset(server.addresses))
        bare_get, bare_close = _bare_httpcore()
        rounds = []
        with Fetcher(settings.fetch, guard) as fetcher:

            def fetcher_get(url: str) -> object:
                result = fetcher.get(url, accept_types=("text/html",))
                if not result.ok:
                    raise SystemExit(f"fetching {url} failed: {result.error}")
                return result

            # A first pass each opens the connections (not what is measured).
            _cpu_ms_per_page(fetcher_get, urls[:16])
            _cpu_ms_per_page(bare_get, urls[:16])
            for _ in range(ROUNDS):
                rounds.append(
                    {
                        "fetcher_ms": _cpu_ms_per_page(fetcher_get, urls),
                        "bare_httpcore_ms": _cpu_ms_per_page(bare_get, urls),
                    }
                )
        bare_close()
    return {
        "pages": len(urls),
        "rounds": rounds,
        "ratio_fetcher_vs_bare": [
            round(r["fetcher_ms"] / r["bare_httpcore_ms"], 2) for r in rounds
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    add_dataset_argument(parser, AEB_DEFAULT)
    args = parser.parse_args()
    report = run(aeb_dir(args.dataset))
    if args.json:
        print(json.dumps(report))
        return
    print(f"client CPU per page fetch, {report['pages']} pages, ms")
    for number, (row, ratio) in enumerate(
        zip(report["rounds"], report["ratio_fetcher_vs_bare"], strict=True), 1
    ):
        print(
            f"  round {number}: Fetcher {row['fetcher_ms']:.3f}"
            f"  bare httpcore {row['bare_httpcore_ms']:.3f}  ratio {ratio:.2f}"
        )


if __name__ == "__main__":
    main()
