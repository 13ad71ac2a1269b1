"""Throughput benchmark: the pipeline against trafilatura alone, on the same pages, in one run.

    python -m bench [--json] [--signatures 1000000] [--feeds 10000] [--dataset DIR]

Needs the local stack (`mediamon stack up`). Inputs, built offline and deterministically:
the 121 article-extraction benchmark pages (--dataset DIR; by default
../shared/datasets/article-extraction-benchmark beside the repository) and two syndicated
variants of each (363 pages) in three RSS feeds on 127.0.0.1; the real default watchlist
plus synthetic groups up to 50,000 aliases; an archive padded with synthetic LSH
signatures (kept between runs in its own database).

Measured: (a) extraction alone with the pipeline's options, (b) HTML parsing alone, (c) the
full pipeline (fetch, extract, dedupe, tag, PostgreSQL, Elasticsearch bulk) with 1 and 2
extraction worker processes. (a) and (b) run in a fresh process before and after the
pipeline, each page extracted once as by the pipeline's workers (bench.alone says why).
Each stage (poll, process, index) runs in a child process whose CPU time, its own and its
workers', is read from the kernel; wall-clock times are taken inside those processes,
after the interpreter's start-up; the whole machine's CPU during processing gives the
scale-up's ceiling on these cores. Then a poll cycle over 10,000 feeds. Prints a table,
or with --json one JSON object as the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from bench import archive, polling
from bench.common import AEB_DEFAULT, add_dataset_argument, aeb_dir, synthetic_watchlist
from bench.corpus import CorpusServer, build
from mediamon import settings as settings_module
from mediamon.pipeline.timing import StageClock
from mediamon.search.elastic import client
from mediamon.search.index_setup import ensure_index
from mediamon.tagging.cache import compiled_tagger

BENCH_INDEX = "mediamon-bench"
ALIASES = 50_000


def _child(module: str, *args: str) -> dict:
    """Run `python -m module args` in a process of its own (so that its CPU time is its
    own); the JSON object on its last line."""
    child = subprocess.run(
        [sys.executable, "-m", module, *args], capture_output=True, text=True, check=False
    )
    if child.returncode != 0:
        what = " ".join([module, *args[:1]])  # the module and its stage, not its config
        raise SystemExit(f"{what} failed: {child.stderr.strip().splitlines()[-1:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def _extraction_alone(dataset: Path) -> dict[str, float]:
    """(a) and (b), in a fresh process (see bench.alone); CPU seconds."""
    return _child("bench.alone", "--dataset", str(dataset))


def _reset_index(es_url: str) -> None:
    """An empty benchmark index, created before the run (as production's already exists)."""
    es = client(es_url)
    for index in es.indices.get(index=f"{BENCH_INDEX}*", expand_wildcards="all"):
        es.indices.delete(index=index)
    ensure_index(es, BENCH_INDEX)
    es.cluster.health(index=BENCH_INDEX, wait_for_status="yellow", timeout="30s")


def _stage(stage: str, config: dict) -> dict:
    """Run one pipeline stage in its own process."""
    return _child("bench.pipeline_run", stage, json.dumps(config))


def _pipeline_run(config: dict, workers: int) -> dict:
    """(c) poll, then process with `workers` extraction worker processes, then index."""
    started = time.perf_counter()
    runs = [_stage("poll", config), _stage("process", {**config, "workers": workers})]
    runs.append(_stage("index", config))
    clock = StageClock()
    processes = {
        name: {
            key: round(run[key], 3) if run[key] is not None else None
            for key in ("wall_s", "cpu_s", "own_cpu_s", "machine_cpu_s")
        }
        for name, run in zip(("poll", "process", "index"), runs, strict=True)
    }
    for run in runs:
        clock.merge(run["clock"])
    return {
        # Inside the stage processes: interpreter start-up and imports are not pipeline work.
        "wall_s": sum(run["wall_s"] for run in runs),
        "wall_with_startup_s": time.perf_counter() - started,
        "cpu_s": sum(run["cpu_s"] for run in runs),
        "setup_cpu_s": sum(run.get("setup_cpu_s", 0.0) for run in runs),
        "peak_rss_mib": max(run["peak_rss_mib"] for run in runs),
        "workers_peak_rss_mib": runs[1]["workers_peak_rss_mib"],
        "stored": runs[1]["stored"],
        "indexed": runs[2]["indexed"],
        "stages": clock.summary(),
        "stage_processes": processes,
    }


def run(signatures: int, feeds: int, dataset: Path) -> dict:
    settings = settings_module.load()
    database_url = settings.require_database()
    es_url = settings.require_elasticsearch()
    started = time.perf_counter()
    bench_url = archive.create_database(database_url, "_bench", keep=True)
    archive.pad_archive(bench_url, signatures, settings.dedup.bands)
    archive_s = time.perf_counter() - started

    site = build(dataset)
    before = _extraction_alone(dataset)
    with tempfile.TemporaryDirectory() as scratch, CorpusServer(site) as server:
        watchlist = Path(scratch) / "watchlist.yaml"
        watchlist.write_text(yaml.safe_dump(synthetic_watchlist(ALIASES).as_dict()))
        # Compiled once per watchlist content (then read from the cache by every worker).
        compile_started = time.process_time()
        compiled_tagger(watchlist, None)
        compile_cpu_s = time.process_time() - compile_started
        compiled_tagger(watchlist, settings.cache_dir)
        feeds_file = Path(scratch) / "feeds.txt"
        feeds_file.write_text("\n".join(server.feed_urls()))
        runs = {}
        for workers in (1, 2):
            archive.clear_real_articles(bench_url)
            _reset_index(es_url)
            config = {
                "database_url": bench_url,
                "elasticsearch_url": es_url,
                "index": BENCH_INDEX,
                "allowed": server.addresses,
                "feeds_file": str(feeds_file),
                "watchlist": str(watchlist),
            }
            runs[workers] = _pipeline_run(config, workers)
    # (a) and (b) again: CPU speed drifts on a shared machine, so they bracket the pipeline.
    after = _extraction_alone(dataset)
    alone = {
        "pages": before["pages"],
        "extraction_cpu_s": (before["extraction_cpu_s"] + after["extraction_cpu_s"]) / 2,
        "parsing_cpu_s": (before["parsing_cpu_s"] + after["parsing_cpu_s"]) / 2,
        "extraction_cpu_s_runs": [before["extraction_cpu_s"], after["extraction_cpu_s"]],
    }
    poll = polling.run(feeds)
    figures = _figures(alone, runs, poll, signatures, archive_s)
    figures["watchlist_compile_cpu_s"] = round(compile_cpu_s, 2)
    return figures


def _figures(alone: dict, runs: dict, poll: dict, signatures: int, archive_s: float) -> dict:
    one, two = runs[1], runs[2]
    stored = one["stored"]
    extraction_per_cpu_s = alone["pages"] / alone["extraction_cpu_s"]
    pipeline_per_cpu_s = stored / one["cpu_s"]
    extract_cpu_ms = one["stages"].get("extract", {}).get("cpu_total_ms", 0.0)
    stages = {
        name: {
            key: row[key] for key in ("median_ms", "p90_ms", "cpu_median_ms", "cpu_p90_ms", "share")
        }
        for name, row in one["stages"].items()
    }
    # Wall time of the transactions (PostgreSQL's own work included) and of the bulk requests.
    store_s = sum(one["stages"].get(name, {}).get("total_ms", 0.0) for name in ("store", "dedupe"))
    store_s /= 1000
    index_s = one["stages"].get("index", {}).get("total_ms", 0.0) / 1000
    return {
        "pages": alone["pages"],
        "articles_stored": stored,
        "stored_signatures": signatures,
        "aliases": ALIASES,
        "trafilatura_alone_articles_per_cpu_second": round(extraction_per_cpu_s, 2),
        "html_parsing_alone_pages_per_cpu_second": round(
            alone["pages"] / alone["parsing_cpu_s"], 1
        ),
        "articles_per_cpu_second": round(pipeline_per_cpu_s, 2),
        "ratio_pipeline_vs_extraction": round(pipeline_per_cpu_s / extraction_per_cpu_s, 3),
        "trafilatura_alone_cpu_s_before_and_after": [
            round(value, 2) for value in alone["extraction_cpu_s_runs"]
        ],
        # The same ratio inside the pipeline run: its workers' extraction CPU over all its CPU.
        "extraction_share_of_pipeline_cpu": round(extract_cpu_ms / 1000 / one["cpu_s"], 3),
        "non_extraction_ms_per_article": round((one["cpu_s"] * 1000 - extract_cpu_ms) / stored, 2),
        "non_extraction_ms_per_article_without_setup": round(
            ((one["cpu_s"] - one["setup_cpu_s"]) * 1000 - extract_cpu_ms) / stored, 2
        ),
        # What the issue lists as "under 2 ms": tagging, shingling + MinHash (fingerprint,
        # in the worker), LSH lookup and clustering (dedupe), the PostgreSQL writes (store)
        # and the bulk body (index); fetching and the process plumbing are in the figure
        # above, not here.
        "tag_fingerprint_dedupe_store_index_ms_per_article": round(
            sum(
                one["stages"].get(name, {}).get("cpu_total_ms", 0.0)
                for name in ("tag", "fingerprint", "dedupe", "store", "index")
            )
            / stored,
            2,
        ),
        "setup_cpu_s_per_worker": round(one["setup_cpu_s"], 2),
        "wall_articles_per_second_1_worker": round(stored / one["wall_s"], 2),
        "wall_articles_per_second_2_workers": round(two["stored"] / two["wall_s"], 2),
        "scaleup_2_workers": round((two["stored"] / two["wall_s"]) / (stored / one["wall_s"]), 3),
        **_processing_scaleup(one, two),
        "wall_seconds_with_interpreter_startup": {
            "1_worker": round(one["wall_with_startup_s"], 2),
            "2_workers": round(two["wall_with_startup_s"], 2),
        },
        # Per process: the largest stage process and the largest extraction worker.
        "peak_rss_mib": round(
            max(runs[w][key] for w in (1, 2) for key in ("peak_rss_mib", "workers_peak_rss_mib")),
            1,
        ),
        "peak_rss_mib_main_process": round(max(runs[w]["peak_rss_mib"] for w in (1, 2)), 1),
        "peak_rss_mib_worker": round(max(runs[w]["workers_peak_rss_mib"] for w in (1, 2)), 1),
        "postgres_rows_per_second": round(stored / store_s, 1) if store_s else None,
        "elasticsearch_docs_per_second": round(one["indexed"] / index_s, 1) if index_s else None,
        "feeds_per_second": poll["second_poll"]["feeds_per_second"],
        "poll": poll,
        "stages": stages,
        # Wall and CPU seconds of each stage's process: with its workers, and on its own.
        "stage_processes": {
            f"{workers}_worker{'s' if workers > 1 else ''}": runs[workers]["stage_processes"]
            for workers in (1, 2)
        },
        "archive_setup_s": round(archive_s, 1),
        # Event assignment at 100,000 open events and the encoder (bench/events.py).
        "events": _child("bench.events", "--json"),
    }


def _processing_scaleup(one: dict, two: dict) -> dict:
    """The processing stage alone (the one with workers): its scale-up, and the most that
    any number of workers could give on this machine's cores.

    Processing takes `machine CPU / article` of the whole machine (workers, main process,
    PostgreSQL, Elasticsearch, page server), so no number of workers on N cores processes
    more than N / that per second; divided by the 1-worker throughput, the ceiling.
    """
    process, two_process = (run["stage_processes"]["process"] for run in (one, two))
    stored = one["stored"]
    scaleup = (two["stored"] / two_process["wall_s"]) / (stored / process["wall_s"])
    if process["machine_cpu_s"] is None or two_process["machine_cpu_s"] is None:
        return {"processing_scaleup_2_workers": round(scaleup, 3)}
    cores = os.cpu_count() or 1
    workers_cpu = process["cpu_s"] - process["own_cpu_s"]
    return {
        "processing_scaleup_2_workers": round(scaleup, 3),
        "processing_machine_cpu_ms_per_article": round(process["machine_cpu_s"] * 1000 / stored, 2),
        "processing_worker_cpu_ms_per_article": round(workers_cpu * 1000 / stored, 2),
        "processing_main_process_cpu_ms_per_article": round(
            process["own_cpu_s"] * 1000 / stored, 2
        ),
        "cores": cores,
        "processing_scaleup_ceiling": round(
            cores * process["wall_s"] / process["machine_cpu_s"], 3
        ),
        # What the ceiling assumes and the 2-worker run shows: how busy the cores were, and
        # whether an article cost the machine more CPU with two workers at once (shared
        # caches; two vCPUs may be one physical core's two threads).
        "processing_cores_busy_2_workers": round(
            two_process["machine_cpu_s"] / two_process["wall_s"], 2
        ),
        "processing_machine_cpu_ms_per_article_2_workers": round(
            two_process["machine_cpu_s"] * 1000 / two["stored"], 2
        ),
    }


def _ceiling_lines(figures: dict) -> list[str]:
    if "processing_scaleup_ceiling" not in figures:
        return [f"  processing stage alone {figures['processing_scaleup_2_workers']}x"]
    return [
        f"  processing stage alone {figures['processing_scaleup_2_workers']}x; the most any number"
        f" of workers could give on these {figures['cores']} cores: "
        f"{figures['processing_scaleup_ceiling']}x",
        f"  (the machine's CPU per processed article {figures['processing_machine_cpu_ms_per_article']}"
        f" ms: workers {figures['processing_worker_cpu_ms_per_article']}, main process "
        f"{figures['processing_main_process_cpu_ms_per_article']}, the rest PostgreSQL,"
        " Elasticsearch, the page server)",
        f"  with 2 workers: {figures['processing_cores_busy_2_workers']} cores busy, the machine's"
        f" CPU per article {figures['processing_machine_cpu_ms_per_article_2_workers']} ms",
    ]


def _table(figures: dict) -> str:
    lines = [
        f"pages {figures['pages']} (121 benchmark pages + 2 syndicated variants each), "
        f"{figures['aliases']} aliases, {figures['stored_signatures']} stored signatures",
        "",
        f"trafilatura alone (pipeline options) {figures['trafilatura_alone_articles_per_cpu_second']:>8} articles/CPU-s",
        f"HTML parsing alone                   {figures['html_parsing_alone_pages_per_cpu_second']:>8} pages/CPU-s",
        f"full pipeline, 1 worker              {figures['articles_per_cpu_second']:>8} articles/CPU-s",
        f"ratio pipeline / trafilatura alone   {figures['ratio_pipeline_vs_extraction']:>8}   (target >= 0.85)",
        f"  extraction's share of the pipeline's own CPU {figures['extraction_share_of_pipeline_cpu']}"
        f" (trafilatura alone took {figures['trafilatura_alone_cpu_s_before_and_after']} CPU-s"
        " before and after)",
        f"non-extraction CPU per article       {figures['non_extraction_ms_per_article']:>8} ms (target <= 3)",
        f"  of which once per run: reading the compiled {figures['aliases']}-alias watchlist and "
        f"starting the workers {figures['setup_cpu_s_per_worker']} s; without it "
        f"{figures['non_extraction_ms_per_article_without_setup']} ms",
        f"  (compiling that watchlist, once per edit: {figures['watchlist_compile_cpu_s']} CPU-s)",
        f"  tag + fingerprint + dedupe + store + index {figures['tag_fingerprint_dedupe_store_index_ms_per_article']:>6} ms"
        " (fetching and plumbing excluded)",
        f"wall clock, 1 worker                 {figures['wall_articles_per_second_1_worker']:>8} articles/s",
        f"wall clock, 2 workers                {figures['wall_articles_per_second_2_workers']:>8} articles/s",
        f"scale-up with 2 workers              {figures['scaleup_2_workers']:>8}x  (target >= 1.7)",
        *_ceiling_lines(figures),
        f"peak RSS per process                 {figures['peak_rss_mib']:>8} MiB (target <= 300;"
        f" main process {figures['peak_rss_mib_main_process']}, extraction worker"
        f" {figures['peak_rss_mib_worker']})",
        f"PostgreSQL (dedupe + store)          {figures['postgres_rows_per_second']:>8} articles/s",
        f"Elasticsearch bulk                   {figures['elasticsearch_docs_per_second']:>8} docs/s",
        f"event assignment, {figures['events']['open_events']:,} open events"
        f" {figures['events']['assign_cpu_ms_per_article']:>5} ms CPU per article (target <= 10;"
        f" batches of {figures['events']['batch']}, one at a time"
        f" {figures['events']['assign_cpu_ms_one_at_a_time']} ms)",
        f"event encoder                        {figures['events']['encode_cpu_ms']:>8} ms CPU per"
        f" headline+lead (peak RSS with it loaded {figures['events']['encoder_peak_rss_mib']} MiB)",
        f"feed polling, {figures['poll']['feeds']} feeds (mostly 304) {figures['feeds_per_second']:>8} feeds/s "
        f"({figures['poll']['second_poll']['seconds']} s; first poll {figures['poll']['first_poll']['seconds']} s)",
        "",
        f"{'stage (1 worker)':<18}{'wall median':>12}{'wall p90':>10}"
        f"{'CPU median':>12}{'CPU p90':>10}{'CPU share':>11}   (ms per article)",
    ]
    for name, row in figures["stages"].items():
        lines.append(
            f"{name:<18}{row['median_ms']:>12.2f}{row['p90_ms']:>10.2f}"
            f"{row['cpu_median_ms']:>12.2f}{row['cpu_p90_ms']:>10.2f}{row['share']:>11.1%}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object as the last line"
    )
    parser.add_argument("--signatures", type=int, default=1_000_000, help="stored LSH signatures")
    parser.add_argument("--feeds", type=int, default=10_000, help="feeds in the polling benchmark")
    add_dataset_argument(parser, AEB_DEFAULT)
    args = parser.parse_args()
    dataset = aeb_dir(args.dataset)  # before the stack is touched: a missing dataset fails first
    figures = run(args.signatures, args.feeds, dataset)
    print(json.dumps(figures) if args.json else _table(figures))


if __name__ == "__main__":
    main()
