"""Extraction quality: the article-extraction benchmark, or trafilatura's evaluation pages.

    python -m bench.extraction [--json] [--predictions FILE] [--dataset DIR]

The dataset is read where it lies (by default ../shared/datasets/article-extraction-benchmark
beside the repository) and recognised by its layout: ground-truth.json and html/*.html.gz
(the 121 benchmark pages), or evaldata.json and pages/*.gz (scored by bench.evaldata).

On the benchmark: scores mediamon's extractor and trafilatura with default options side by
side, using the benchmark's metric: per page, multisets of 4-word shingles (`\\w+` tokens)
of the true and the predicted body; tp, fp and fn normalised by their sum; precision and
recall averaged over pages; F1 of the two averages. `--predictions` scores an
`mediamon extract --format aeb-json` output instead.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import NoReturn

import trafilatura

from bench import evaldata
from bench.common import (
    AEB_DEFAULT,
    AEB_SOURCE,
    add_dataset_argument,
    aeb_pages,
    aeb_truth,
    dataset_error,
    is_aeb,
    missing_dataset,
)
from mediamon.extract.article import decode_html, extract_article

_TOKEN = re.compile(r"\w+")


def _shingles(text: str) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def score(truth: dict[str, dict], predicted: dict[str, str]) -> dict[str, float]:
    precisions, recalls = [], []
    for page_id, item in truth.items():
        expected, got = _shingles(item["articleBody"]), _shingles(predicted.get(page_id, ""))
        tp = sum((expected & got).values())
        fp = sum(got.values()) - tp
        fn = sum(expected.values()) - tp
        total = tp + fp + fn
        if total == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        tp, fp, fn = tp / total, fp / total, fn / total
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions)
    r = sum(recalls) / len(recalls)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4)}


def run(dataset: Path, predictions: Path | None = None) -> dict:
    truth = aeb_truth(dataset)
    if predictions is not None:
        loaded = json.loads(predictions.read_text())
        return {
            "pages": len(truth),
            "predictions": score(truth, {k: v["articleBody"] for k, v in loaded.items()}),
        }
    html = {page_id: decode_html(raw)[0] for page_id, raw in aeb_pages(dataset).items()}
    result = {"pages": len(truth)}
    for name, extract in (
        ("mediamon", lambda h: extract_article(h).text),
        ("trafilatura_default", lambda h: trafilatura.extract(h) or ""),
    ):
        started = time.process_time()
        predicted = {page_id: extract(page) for page_id, page in html.items()}
        cpu_ms = (time.process_time() - started) * 1000 / len(html)
        result[name] = {**score(truth, predicted), "cpu_ms_per_page": round(cpu_ms, 1)}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--predictions", type=Path, help="aeb-json file to score")
    add_dataset_argument(parser, AEB_DEFAULT)
    args = parser.parse_args()
    if evaldata.is_evaldata(args.dataset):
        if args.predictions is not None:
            dataset_error("--predictions scores the article-extraction benchmark only")
        _main_evaldata(args.dataset, args.json)
        return
    if not is_aeb(args.dataset):
        _unknown(args.dataset)
    result = run(args.dataset, args.predictions)
    if args.json:
        print(json.dumps(result))
        return
    print(f"{result['pages']} benchmark pages")
    for name, row in result.items():
        if isinstance(row, dict):
            extra = f", {row['cpu_ms_per_page']} ms CPU/page" if "cpu_ms_per_page" in row else ""
            print(f"{name:>20}: F1 {row['f1']}  (P {row['precision']}, R {row['recall']}){extra}")


def _unknown(dataset: Path) -> NoReturn:
    if dataset.is_dir() and dataset != AEB_DEFAULT:
        dataset_error(
            f"{dataset} is neither the article-extraction benchmark (ground-truth.json,"
            " html/*.html.gz) nor trafilatura's evaluation set (evaldata.json, pages/*.gz)"
        )
    missing_dataset(dataset, "article-extraction benchmark", AEB_SOURCE)


def _main_evaldata(dataset: Path, as_json: bool) -> None:
    result = evaldata.run(dataset)
    print(json.dumps(result) if as_json else evaldata.table(result))


if __name__ == "__main__":
    main()
