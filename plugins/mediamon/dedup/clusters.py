"""Assign stored articles to story clusters, inside the caller's PostgreSQL transaction.

Evidence, strongest first: the same normalised body (exact copy), a rel=canonical to
another outlet's stored page, then near-duplicate text: LSH buckets give candidates,
resemblance or excerpt containment of the real shingle sets decides. One
transaction-level advisory lock serialises assignment across processes, so two workers
cannot open two clusters for one story.

A whole batch of articles takes three round trips to PostgreSQL (psycopg pipeline mode):
read the outlets' line counts; read every candidate the decisions need; write the
outcomes. The prints (batch_prints.py) and the decisions (decisions.py) are taken in
Python between them, one article after the other, so an article also finds the copies
that came before it in the same batch.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from mediamon.dedup.batch_prints import batch_line_hashes, print_batch, template_lookups
from mediamon.dedup.decisions import Evidence, Story, decide, root_of
from mediamon.dedup.fingerprint import Fingerprint, shingle_sequence
from mediamon.settings import DedupSettings
from mediamon.store.db import Connection, int_array

DEDUP_LOCK = 0x6D6D_0002
MAX_CANDIDATES = 200
MAX_EXACT = 20

OUTLET_LINES_SQL = """
SELECT o.source, o.line_hash, o.pages
FROM outlet_lines o
JOIN unnest(%s::text[], %s::bigint[]) AS q(source, line_hash) USING (source, line_hash)
"""

EXACT_SQL = """
SELECT q.text_hash, a.id, a.cluster_id
FROM unnest(%s::text[]) AS q(text_hash)
CROSS JOIN LATERAL (
    SELECT id, cluster_id FROM articles
    WHERE text_hash = q.text_hash AND cluster_id IS NOT NULL AND id <> ALL(%s::bigint[])
    ORDER BY id LIMIT %s) a
"""

# Per article of the batch, at most MAX_CANDIDATES stored articles sharing a bucket
# (the newest: copies of a story arrive close together).
CANDIDATES_SQL = """
WITH hits AS (
    SELECT DISTINCT q.item, b.article_id
    FROM unnest(%s::int[], %s::smallint[], %s::bigint[]) AS q(item, band, bucket)
    JOIN lsh_buckets b ON b.band = q.band AND b.bucket = q.bucket
    WHERE b.article_id <> ALL(%s::bigint[])
), capped AS (
    SELECT item, article_id FROM (
        SELECT item, article_id,
               row_number() OVER (PARTITION BY item ORDER BY article_id DESC) AS rank
        FROM hits) ranked
    WHERE rank <= %s
)
SELECT c.item, s.article_id, s.shingles, a.cluster_id
FROM capped c
JOIN article_signatures s ON s.article_id = c.article_id
JOIN articles a ON a.id = c.article_id
"""

# Original = earliest published copy (ties: first seen, then id); every member's
# is_original/duplicate_of follows it, and the cluster row keeps size and outlets.
# Returns the members whose documents changed.
REFRESH_SQL = """
WITH original AS (
    SELECT DISTINCT ON (cluster_id) cluster_id, id FROM articles
    WHERE cluster_id = ANY(%(c)s::bigint[])
    ORDER BY cluster_id, published_at ASC NULLS LAST, first_seen_at ASC, id ASC
), changed AS (
    UPDATE articles a
    SET is_original = (a.id = o.id),
        duplicate_of = CASE WHEN a.id = o.id THEN NULL ELSE o.id END,
        updated_at = now()
    FROM original o
    WHERE a.cluster_id = o.cluster_id
      AND (a.is_original IS DISTINCT FROM (a.id = o.id)
           OR a.duplicate_of IS DISTINCT FROM CASE WHEN a.id = o.id THEN NULL ELSE o.id END)
    RETURNING a.id
), members AS (
    SELECT cluster_id, count(*) AS size, array_agg(DISTINCT source ORDER BY source) AS outlets
    FROM articles WHERE cluster_id = ANY(%(c)s::bigint[]) GROUP BY cluster_id
), resized AS (
    -- Every member's document carries the cluster's size: all of them are re-indexed.
    SELECT m.cluster_id FROM members m JOIN clusters c ON c.id = m.cluster_id
    WHERE c.size <> m.size
), stats AS (
    UPDATE clusters c
    SET original_article_id = o.id, size = m.size, outlets = m.outlets, updated_at = now()
    FROM original o JOIN members m USING (cluster_id)
    WHERE c.id = o.cluster_id
)
SELECT id FROM changed
UNION SELECT a.id FROM articles a JOIN resized r ON a.cluster_id = r.cluster_id
"""


def lock(conn: Connection) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (DEDUP_LOCK,))


def refresh_clusters(conn: Connection, cluster_ids: list[int]) -> list[int]:
    """Recompute clusters' original, size and outlets; returns members whose fields changed."""
    ids = int_array(cluster_ids)
    changed = [row["id"] for row in conn.execute(REFRESH_SQL, {"c": ids}).fetchall()]
    conn.execute(
        "DELETE FROM clusters c WHERE id = ANY(%s::bigint[]) AND NOT EXISTS"
        " (SELECT 1 FROM articles WHERE cluster_id = c.id)",
        (ids,),
    )
    return changed


def refresh_cluster(conn: Connection, cluster_id: int) -> list[int]:
    return refresh_clusters(conn, [cluster_id])


def leave_cluster(conn: Connection, article_id: int, cluster_id: int | None) -> list[int]:
    """Take an article out of its cluster (its text changed); returns members that changed."""
    conn.execute(
        "UPDATE articles SET cluster_id = NULL, is_original = true, duplicate_of = NULL"
        " WHERE id = %s",
        (article_id,),
    )
    conn.execute("DELETE FROM lsh_buckets WHERE article_id = %s", (article_id,))
    return refresh_cluster(conn, cluster_id) if cluster_id else []


def dedupe_article(
    conn: Connection,
    article_id: int,
    source: str,
    canonical_url: str,
    syndicated_from: str | None,
    title: str | None,
    text: str,
    settings: DedupSettings,
) -> list[int]:
    """Fingerprint and cluster one stored article; returns ids whose documents changed."""
    story = Story(article_id, source, canonical_url, syndicated_from, title, text)
    return dedupe_stories(conn, [story], settings)


def dedupe_stories(
    conn: Connection,
    stories: list[Story],
    settings: DedupSettings,
    templates: dict[str, frozenset[int]] | None = None,
) -> list[int]:
    """Fingerprint and cluster stored articles, in order; returns ids whose documents changed.

    `templates` (outlet: its template lines found so far) gets the lines this batch found,
    for the extraction workers' next prints.
    """
    if not stories:
        return []
    ids = [story.article_id for story in stories]
    line_hashes = batch_line_hashes(stories)
    lookups = template_lookups(stories, line_hashes)

    # Round trip 1: the lock, and how many pages of each outlet carry each of our lines.
    with conn.pipeline():
        lock(conn)
        counted = conn.execute(
            OUTLET_LINES_SQL, ([s for s, _ in lookups], int_array(h for _, h in lookups))
        )
    pages = Counter({(row["source"], row["line_hash"]): row["pages"] for row in counted})
    fingerprints, bands, counted_here = print_batch(
        stories, line_hashes, pages, templates, settings
    )
    buckets = _Buckets.of(ids, bands)
    evidence, new_ids = _read_evidence(conn, ids, stories, fingerprints, buckets)
    decisions, merged_into, new_clusters = decide(
        stories, fingerprints, bands, evidence, new_ids, settings
    )
    return _write_outcomes(
        conn, ids, fingerprints, buckets, decisions, merged_into, new_clusters, counted_here
    )


@dataclass(frozen=True)
class _Buckets:
    """The batch's (band, bucket) pairs as PostgreSQL array literals, built once for the
    lookup and the insert; with each pair, its article's place in the batch and its id."""

    items: str
    article_ids: str
    bands: str
    buckets: str

    @classmethod
    def of(cls, ids: list[int], bands: list[list[tuple[int, int]]]) -> _Buckets:
        item_of_pair = [i for i, pairs in enumerate(bands) for _ in pairs]
        return cls(
            int_array(item_of_pair),
            int_array([ids[i] for i in item_of_pair]),
            int_array([band for pairs in bands for band, _ in pairs]),
            int_array([bucket for pairs in bands for _, bucket in pairs]),
        )


def _write_outcomes(
    conn: Connection,
    ids: list[int],
    fingerprints: list[Fingerprint],
    buckets: _Buckets,
    decisions: list[tuple[int, str]],
    merged_into: dict[int, int],
    new_clusters: list[tuple[int, int]],
    counted_here: Counter[tuple[str, int]],
) -> list[int]:
    """Round trip 3: clusters, signatures, buckets, template counts; returns the ids whose
    documents changed."""
    final = [root_of(merged_into, cluster_id) for cluster_id, _ in decisions]
    merged = sorted(merged_into)
    with conn.pipeline():
        if new_clusters:
            conn.execute(
                "INSERT INTO clusters (id, original_article_id)"
                " SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
                (int_array(c for c, _ in new_clusters), int_array(a for _, a in new_clusters)),
            )
        moved = conn.execute(
            "UPDATE articles a SET cluster_id = q.target"
            " FROM unnest(%s::bigint[], %s::bigint[]) AS q(merged, target)"
            " WHERE a.cluster_id = q.merged RETURNING a.id",
            (int_array(merged), int_array(root_of(merged_into, m) for m in merged)),
        )
        conn.execute("DELETE FROM clusters WHERE id = ANY(%s::bigint[])", (int_array(merged),))
        conn.execute(
            "UPDATE articles a SET cluster_id = q.cluster_id, dedup_evidence = q.evidence"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS q(id, cluster_id, evidence)"
            " WHERE a.id = q.id",
            (int_array(ids), int_array(final), [kind for _, kind in decisions]),
        )
        conn.execute(
            "DELETE FROM lsh_buckets WHERE article_id = ANY(%s::bigint[])", (int_array(ids),)
        )
        conn.execute(
            "INSERT INTO article_signatures (article_id, shingles, shingle_count)"
            " SELECT * FROM unnest(%s::bigint[], %s::bytea[], %s::int[])"
            " ON CONFLICT (article_id) DO UPDATE"
            " SET shingles = EXCLUDED.shingles, shingle_count = EXCLUDED.shingle_count",
            (
                int_array(ids),
                [fp.shingle_bytes() for fp in fingerprints],
                int_array(fp.size for fp in fingerprints),
            ),
        )
        # No ON CONFLICT: the batch's old buckets are gone (above) and `bands` has no
        # repeats, and a plain insert costs a quarter less in an index this size.
        conn.execute(
            "INSERT INTO lsh_buckets (band, bucket, article_id)"
            " SELECT * FROM unnest(%s::smallint[], %s::bigint[], %s::bigint[])",
            (buckets.bands, buckets.buckets, buckets.article_ids),
        )
        refreshed = conn.execute(REFRESH_SQL, {"c": int_array(sorted(set(final)))})
        if counted_here:
            keys = sorted(counted_here)
            conn.execute(
                "INSERT INTO outlet_lines (source, line_hash, pages)"
                " SELECT * FROM unnest(%s::text[], %s::bigint[], %s::int[])"
                " ON CONFLICT (source, line_hash)"
                " DO UPDATE SET pages = outlet_lines.pages + EXCLUDED.pages",
                (
                    [s for s, _ in keys],
                    int_array(h for _, h in keys),
                    int_array(counted_here[k] for k in keys),
                ),
            )
    changed = set(ids)
    changed.update(row["id"] for row in moved.fetchall())
    changed.update(row["id"] for row in refreshed.fetchall())
    return sorted(changed)


def _read_evidence(
    conn: Connection,
    ids: list[int],
    stories: list[Story],
    fingerprints: list[Fingerprint],
    buckets: _Buckets,
) -> tuple[list[Evidence], list[int]]:
    """Round trip 2: every stored article the batch's decisions could join, and an id for
    each cluster the batch might open."""
    with conn.pipeline():
        previous = conn.execute(
            "UPDATE articles a SET text_hash = q.text_hash"
            " FROM unnest(%s::bigint[], %s::text[]) AS q(id, text_hash)"
            " WHERE a.id = q.id RETURNING a.id, a.cluster_id",
            (int_array(ids), [fp.text_hash for fp in fingerprints]),
        )
        exact = conn.execute(
            EXACT_SQL,
            (sorted({fp.text_hash for fp in fingerprints if fp.size}), int_array(ids), MAX_EXACT),
        )
        named = conn.execute(
            "SELECT canonical_url, cluster_id FROM articles WHERE canonical_url = ANY(%s)"
            " AND id <> ALL(%s::bigint[]) AND cluster_id IS NOT NULL",
            ([s.syndicated_from for s in stories if s.syndicated_from], int_array(ids)),
        )
        candidates = conn.execute(
            CANDIDATES_SQL,
            (
                buckets.items,
                buckets.bands,
                buckets.buckets,
                int_array(ids),
                MAX_CANDIDATES,
            ),
        )
        # Copies that named a page of the batch as their rel=canonical before it arrived.
        pointing = conn.execute(
            "SELECT syndicated_from, cluster_id FROM articles WHERE syndicated_from = ANY(%s)"
            " AND id <> ALL(%s::bigint[]) AND cluster_id IS NOT NULL",
            ([s.canonical_url for s in stories], int_array(ids)),
        )
        next_ids = conn.execute(
            "SELECT nextval('clusters_id_seq') AS id FROM generate_series(1, %s)", (len(ids),)
        )
    new_ids = [row["id"] for row in next_ids.fetchall()]
    previous_clusters = {row["id"]: row["cluster_id"] for row in previous.fetchall()}
    by_hash, by_url, by_origin = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in exact.fetchall():
        by_hash[row["text_hash"]].append(row["cluster_id"])
    for row in named.fetchall():
        by_url[row["canonical_url"]].append(row["cluster_id"])
    for row in pointing.fetchall():
        by_origin[row["syndicated_from"]].append(row["cluster_id"])
    evidence = [
        Evidence(
            previous_cluster=previous_clusters.get(story.article_id),
            exact=by_hash[fp.text_hash] if fp.size else [],
            named=by_url[story.syndicated_from] if story.syndicated_from else [],
            pointing=by_origin[story.canonical_url],
        )
        for story, fp in zip(stories, fingerprints, strict=True)
    ]
    sequences: dict[int, tuple[int, ...]] = {}
    for row in candidates.fetchall():
        if row["article_id"] not in sequences:
            sequences[row["article_id"]] = shingle_sequence(row["shingles"])
        evidence[row["item"]].near.append((row["cluster_id"], sequences[row["article_id"]]))
    return evidence, new_ids
