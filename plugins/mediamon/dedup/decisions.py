"""Which cluster each article of a batch joins, from the evidence PostgreSQL returned: pure
decisions, taken one article after the other, so that an article also finds the copies
that came before it in the same batch."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from mediamon.dedup.fingerprint import Fingerprint, StoryPrint, excerpt_containment, resemblance
from mediamon.settings import DedupSettings


@dataclass(frozen=True)
class Story:
    """A stored article, as clustering sees it."""

    article_id: int
    source: str
    canonical_url: str
    syndicated_from: str | None
    title: str | None
    text: str
    # Computed ahead, in the extraction worker (None: computed here).
    text_print: StoryPrint | None = None


@dataclass
class Evidence:
    """What PostgreSQL knows that one article of the batch could join."""

    previous_cluster: int | None = None
    exact: list[int] = field(default_factory=list)  # cluster ids
    named: list[int] = field(default_factory=list)
    near: list[tuple[int | None, tuple[int, ...]]] = field(default_factory=list)
    pointing: list[int] = field(default_factory=list)


def similar(fp: Fingerprint, other: tuple[int, ...], settings: DedupSettings) -> bool:
    """Their real shingles resemble ours, or one contains the other as an excerpt."""
    if fp.size < settings.min_shingles or len(other) < settings.min_shingles:
        return False
    return (
        resemblance(fp.shingle_hashes, frozenset(other)) >= settings.resemblance
        or excerpt_containment(fp.shingle_sequence, other) >= settings.containment
    )


def root_of(merged_into: dict[int, int], cluster_id: int) -> int:
    """The cluster that `cluster_id` was merged into, at the end of the chain."""
    while cluster_id in merged_into:
        cluster_id = merged_into[cluster_id]
    return cluster_id


def decide(
    stories: list[Story],
    fingerprints: list[Fingerprint],
    bands: list[list[tuple[int, int]]],
    evidence: list[Evidence],
    new_ids: list[int],
    settings: DedupSettings,
) -> tuple[list[tuple[int, str]], dict[int, int], list[tuple[int, int]]]:
    """Each article's (cluster, evidence), in order; clusters merged (from -> into); clusters
    opened (id, first article). Earlier articles of the batch count as stored ones."""
    decisions: list[tuple[int, str]] = []
    merged_into: dict[int, int] = {}
    opened: list[tuple[int, int]] = []
    earlier_by_hash: dict[str, list[int]] = defaultdict(list)
    earlier_by_url: dict[str, list[int]] = defaultdict(list)
    earlier_by_origin: dict[str, list[int]] = defaultdict(list)
    earlier_by_bucket: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (story, fp, found) in enumerate(zip(stories, fingerprints, evidence, strict=True)):
        exact = list(found.exact)
        named = list(found.named)
        pointing = list(found.pointing)
        near = [cluster for cluster, other in found.near if similar(fp, other, settings)]
        if fp.size:
            exact += [decisions[j][0] for j in earlier_by_hash[fp.text_hash]]
        if story.syndicated_from:
            named += [decisions[j][0] for j in earlier_by_url[story.syndicated_from]]
        pointing += [decisions[j][0] for j in earlier_by_origin[story.canonical_url]]
        earlier = {j for pair in bands[i] for j in earlier_by_bucket.get(pair, ())}
        near += [
            decisions[j][0]
            for j in sorted(earlier)
            if similar(fp, fingerprints[j].shingle_sequence, settings)
        ]
        kind = "exact" if exact else "canonical" if named else "near" if near else "new"
        clusters = {
            root_of(merged_into, c) for c in exact + named + near + pointing if c is not None
        }
        if found.previous_cluster is not None:
            clusters.add(root_of(merged_into, found.previous_cluster))
        if clusters:
            cluster_id = min(clusters)
        else:
            cluster_id = new_ids[i]
            opened.append((cluster_id, story.article_id))
        for other in clusters - {cluster_id}:
            merged_into[other] = cluster_id
        decisions.append((cluster_id, kind))
        earlier_by_hash[fp.text_hash].append(i)
        earlier_by_url[story.canonical_url].append(i)
        if story.syndicated_from:
            earlier_by_origin[story.syndicated_from].append(i)
        for pair in bands[i]:
            earlier_by_bucket[pair].append(i)
    return decisions, merged_into, opened
