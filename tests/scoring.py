"""Score an export against a newsroom build's labels: storage, story clusters, events, tags
(overall and by language) and language identification.

Pairwise precision/recall over documents for stories (two documents are a true pair when
they are copies of one story; a rewrite and what it rewrites may be paired or not) and for
events (when the export has `event_id`); micro precision/recall over document-group pairs
for tags; the share of documents whose exported `language` is the labelled one.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _bare(url: str) -> str:
    parts = urlsplit(url or "")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class Score:
    documents: int
    stored: int
    missing: int
    stored_twice: int
    cluster_precision: float
    cluster_recall: float
    tag_precision: float
    tag_recall: float
    tag_f1: float
    event_precision: float | None = None
    event_recall: float | None = None
    language_accuracy: float | None = None
    # language -> (precision, recall, f1, labelled document-group pairs)
    tags_by_language: dict[str, tuple[float, float, float, int]] = field(default_factory=dict)


def _pairs(keys: list[str], truth_of: dict, predicted_of: dict, skip: set) -> tuple[float, float]:
    tp = fp = fn = 0
    for a, b in combinations(sorted(keys), 2):
        if (a, b) in skip:
            continue
        truth = truth_of[a] == truth_of[b]
        predicted = a in predicted_of and b in predicted_of and predicted_of[a] == predicted_of[b]
        tp += truth and predicted
        fp += predicted and not truth
        fn += truth and not predicted
    p, r, _ = _prf(tp, fp, fn)
    return p, r


def score(labels_path: Path, rows: list[dict], base_url: str) -> Score:
    labels = json.loads(labels_path.read_text().replace("http://127.0.0.1:8765", base_url))
    documents = {info["doc"]: info for info in labels["documents"].values()}
    url_to_doc = {_bare(url): info["doc"] for url, info in labels["documents"].items()}
    found: dict[str, list[dict]] = {}
    for row in rows:
        candidates = [row.get("url"), row.get("canonical_url"), *(row.get("listed_as") or [])]
        doc = next((url_to_doc[_bare(u)] for u in candidates if u and _bare(u) in url_to_doc), None)
        if doc is not None:
            found.setdefault(doc, []).append(row)
    first = {doc: found_rows[0] for doc, found_rows in found.items()}
    # A rewrite and the story it rewrites: either answer is right for copy clusters.
    story_of = {doc: info["story"] for doc, info in documents.items()}
    rewrite_pairs = set()
    for doc, info in documents.items():
        if info.get("rewrite_of"):
            source_story = documents[info["rewrite_of"]]["story"]
            for other, other_info in documents.items():
                if other_info["story"] == source_story:
                    rewrite_pairs.add(tuple(sorted((doc, other))))
    cluster_of = {doc: row["cluster_id"] for doc, row in first.items()}
    cp, cr = _pairs(list(documents), story_of, cluster_of, rewrite_pairs)
    event_p = event_r = None
    if first and all("event_id" in row for row in first.values()):
        event_of = {doc: info["event"] for doc, info in documents.items()}
        predicted_event = {doc: row["event_id"] for doc, row in first.items()}
        event_p, event_r = _pairs(list(documents), event_of, predicted_event, set())
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for doc, info in documents.items():
        truth_groups = set(info["groups"])
        predicted = set(first[doc]["groups"]) if doc in first else set()
        for key in ("all", info.get("language", "en")):
            counts[key][0] += len(truth_groups & predicted)
            counts[key][1] += len(predicted - truth_groups)
            counts[key][2] += len(truth_groups - predicted)
    labelled = defaultdict(int)
    for info in documents.values():
        labelled[info.get("language", "en")] += len(info["groups"])
    tp_, tr_, tf_ = _prf(*counts["all"])
    language_accuracy = None
    if first and all("language" in row for row in first.values()):
        right = sum(row["language"] == documents[doc].get("language") for doc, row in first.items())
        language_accuracy = right / len(first)
    return Score(
        documents=len(documents),
        stored=len(found),
        missing=len(documents) - len(found),
        stored_twice=sum(len(r) > 1 for r in found.values()),
        cluster_precision=cp,
        cluster_recall=cr,
        tag_precision=tp_,
        tag_recall=tr_,
        tag_f1=tf_,
        event_precision=event_p,
        event_recall=event_r,
        language_accuracy=language_accuracy,
        tags_by_language={
            language: (*_prf(*c), labelled[language])
            for language, c in counts.items()
            if language != "all"
        },
    )
