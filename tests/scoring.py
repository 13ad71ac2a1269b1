"""Score an export against a fixture newsroom's labels (storage, story clusters, tags).

Pairwise precision/recall over documents for clusters (two documents are a true pair when
they are copies of one story) and micro precision/recall over document-group pairs for tags.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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


def score(labels_path: Path, rows: list[dict], base_url: str) -> Score:
    labels = json.loads(labels_path.read_text().replace("http://127.0.0.1:8765", base_url))
    documents = labels["documents"]
    url_to_doc = {_bare(url): info["doc"] for url, info in documents.items()}
    story_of = {info["doc"]: info["story"] for info in documents.values()}
    groups_of = {info["doc"]: set(info["groups"]) for info in documents.values()}
    found: dict[str, list[dict]] = {}
    for row in rows:
        candidates = [row.get("url"), row.get("canonical_url"), *(row.get("listed_as") or [])]
        doc = next((url_to_doc[_bare(u)] for u in candidates if u and _bare(u) in url_to_doc), None)
        if doc is not None:
            found.setdefault(doc, []).append(row)
    cluster_of = {doc: found_rows[0]["cluster_id"] for doc, found_rows in found.items()}
    tp = fp = fn = 0
    for a, b in combinations(sorted(story_of), 2):
        truth = story_of[a] == story_of[b]
        predicted = a in cluster_of and b in cluster_of and cluster_of[a] == cluster_of[b]
        tp += truth and predicted
        fp += predicted and not truth
        fn += truth and not predicted
    cp, cr, _ = _prf(tp, fp, fn)
    ttp = tfp = tfn = 0
    for doc, truth_groups in groups_of.items():
        predicted = set(found[doc][0]["groups"]) if doc in found else set()
        ttp += len(truth_groups & predicted)
        tfp += len(predicted - truth_groups)
        tfn += len(truth_groups - predicted)
    tp_, tr_, tf_ = _prf(ttp, tfp, tfn)
    return Score(
        documents=len(story_of),
        stored=len(found),
        missing=len(story_of) - len(found),
        stored_twice=sum(len(r) > 1 for r in found.values()),
        cluster_precision=cp,
        cluster_recall=cr,
        tag_precision=tp_,
        tag_recall=tr_,
        tag_f1=tf_,
    )
