"""Language identification: accuracy on the demo newsroom's articles, CPU, model cost.

    python -m bench.language [--json] [--repeat 5]

Each of the demo newsroom's source articles (mediamon.demo.sources: 82 with a language) is
identified from its text and title as its pages declare it: rightly, not at all, or as
"en" on every page (a template's declaration; the builder's wrong pages say "en"). Then:
CPU per article and per title alone (process time of each call, after warm-up, over
--repeat passes), the CPU of a 20 MB text (bounded by sampling), and the model's first
use: import and load time and resident memory. Targets (issue 17): right on >= 0.99 of
the articles, <= 1 ms CPU per article (median). With --json, one JSON object as the last
line. CPU figures rise when other processes share the cores: the load average is printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence

import psutil

from mediamon.demo.sources import SourceArticle, load_articles
from mediamon.extract.language import LanguageGuess, identify_language, preload_language_model

# What each article's page declares, by declaration mode.
MODES: dict[str, Callable[[SourceArticle], tuple[str, ...]]] = {
    "declared_rightly": lambda article: (article.language,),
    "not_declared": lambda article: (),
    "declared_en_by_template": lambda article: ("en",),
}
HUGE_TEXT_CHARS = 20_000_000


def _mib(value: float) -> float:
    return round(value / (1024 * 1024), 1)


def _model_first_use() -> dict[str, float]:
    """Import and load the model in this process (before anything else has loaded it)."""
    process = psutil.Process()
    rss_before = process.memory_info().rss
    wall, cpu = time.perf_counter(), time.process_time()
    preload_language_model()
    return {
        "model_load_wall_s": round(time.perf_counter() - wall, 3),
        "model_load_cpu_s": round(time.process_time() - cpu, 3),
        "model_rss_mib": _mib(process.memory_info().rss - rss_before),
        "rss_after_load_mib": _mib(process.memory_info().rss),
    }


def _cpu_ms(call: Callable[[], LanguageGuess]) -> tuple[float, LanguageGuess]:
    started = time.process_time_ns()
    guess = call()
    return (time.process_time_ns() - started) / 1e6, guess


def _distribution(times_ms: list[float]) -> dict[str, float]:
    ordered = sorted(times_ms)
    return {
        "median_ms": round(statistics.median(ordered), 3),
        "p90_ms": round(ordered[int(0.9 * (len(ordered) - 1))], 3),
    }


def _accuracy(articles: list[SourceArticle], repeat: int) -> tuple[dict, list[float]]:
    """Per declaration mode: share right, the undetermined and wrong ones; the CPU times."""
    results: dict[str, dict] = {}
    times: list[float] = []
    for mode, declare in MODES.items():
        right, misses = 0, []
        for article in articles:
            text, declared = "\n\n".join(article.paragraphs), declare(article)

            def call(
                text: str = text, title: str = article.title, declared: Sequence[str] = declared
            ) -> LanguageGuess:
                return identify_language(text, title, declared)

            guess = call()  # warm-up; then the timed passes
            times += [_cpu_ms(call)[0] for _ in range(repeat)]
            if guess.language == article.language:
                right += 1
            else:
                misses.append(f"{article.id}: {guess.language} ({guess.reason})")
        results[mode] = {
            "articles": len(articles),
            "right": right,
            "accuracy": round(right / len(articles), 4),
            "misses": misses,
        }
    return results, times


def _titles(articles: list[SourceArticle], repeat: int) -> dict:
    times: list[float] = []
    outcomes: Counter[str] = Counter()
    for article in articles:
        guess = identify_language(article.title)
        times += [_cpu_ms(lambda a=article: identify_language(a.title))[0] for _ in range(repeat)]
        if guess.language == article.language:
            outcomes["right"] += 1
        else:
            outcomes["und" if guess.language == "und" else "wrong"] += 1
    return {
        **_distribution(times),
        "right": outcomes["right"],
        "und": outcomes["und"],
        "wrong": outcomes["wrong"],
    }


def run(repeat: int) -> dict:
    model = _model_first_use()
    articles = load_articles()
    languages = Counter(article.language for article in articles)
    accuracy, times = _accuracy(articles, repeat)
    titles = _titles(articles, repeat)
    longest = max(articles, key=lambda a: sum(map(len, a.paragraphs)))
    body = "\n\n".join(longest.paragraphs)
    huge = body * (HUGE_TEXT_CHARS // len(body) + 1)
    huge_ms, _ = _cpu_ms(lambda: identify_language(huge, longest.title))
    return {
        "articles": len(articles),
        "languages": dict(sorted(languages.items())),
        "accuracy": {mode: row["accuracy"] for mode, row in accuracy.items()},
        "right_articles": {mode: row["right"] for mode, row in accuracy.items()},
        "misses": {mode: row["misses"] for mode, row in accuracy.items()},
        "cpu_per_article": _distribution(times),
        "cpu_per_title": {key: titles[key] for key in ("median_ms", "p90_ms")},
        "titles_alone": {key: titles[key] for key in ("right", "und", "wrong")},
        "huge_text_chars": len(huge),
        "huge_text_cpu_ms": round(huge_ms, 3),
        **model,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "repeat": repeat,
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def _report(figures: dict) -> str:
    lines = [
        f"{figures['articles']} demo articles: "
        + ", ".join(f"{code} {count}" for code, count in figures["languages"].items()),
        "",
        "page                      right   accuracy   (target >= 0.99)",
    ]
    for mode, accuracy in figures["accuracy"].items():
        lines.append(f"{mode:<24}{figures['right_articles'][mode]:>7}   {accuracy:.4f}")
        lines += [f"    miss: {miss}" for miss in figures["misses"][mode]]
    article, title = figures["cpu_per_article"], figures["cpu_per_title"]
    alone = figures["titles_alone"]
    lines += [
        "",
        f"CPU per article    median {article['median_ms']:.3f} ms, p90 {article['p90_ms']:.3f} ms"
        "   (target <= 1 ms median)",
        f"CPU per title      median {title['median_ms']:.3f} ms, p90 {title['p90_ms']:.3f} ms"
        f"   (titles alone: {alone['right']} right, {alone['und']} und, {alone['wrong']} wrong)",
        f"CPU, {figures['huge_text_chars']:,}-character text: {figures['huge_text_cpu_ms']:.3f} ms",
        f"model first use    {figures['model_load_wall_s']} s wall, "
        f"{figures['model_load_cpu_s']} s CPU (import + load), RSS +{figures['model_rss_mib']} MiB"
        f" (process {figures['rss_after_load_mib']} MiB; peak {figures['peak_rss_mib']} MiB)",
        f"load average       {figures['load_average']} (shared cores inflate CPU figures)",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object as the last line"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed passes per call")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    figures = run(args.repeat)
    print(json.dumps(figures) if args.json else _report(figures))


if __name__ == "__main__":
    main()
