"""Assign an article to its story cluster, inside the caller's PostgreSQL transaction.

Evidence, strongest first: the same normalised body (exact copy), a rel=canonical to
another outlet's stored page, then near-duplicate text: LSH buckets give candidates,
resemblance or excerpt containment of the real shingle sets decides. One
transaction-level advisory lock serialises assignment across processes, so two workers
cannot open two clusters for one story.

The work takes three round trips to PostgreSQL (psycopg pipeline mode): read the
outlet's boilerplate lines; read everything the decision needs; write the outcome.
"""

from __future__ import annotations

import psycopg

from mediamon.dedup.fingerprint import (
    Fingerprint,
    excerpt_containment,
    fingerprint,
    line_hash,
    resemblance,
    shingle_sequence,
    story_lines,
)
from mediamon.settings import DedupSettings

DEDUP_LOCK = 0x6D6D_0002
BOILERPLATE_MIN_PAGES = 3
BOILERPLATE_MAX_LINE = 400
MAX_CANDIDATES = 200

CANDIDATES_SQL = """
SELECT s.article_id, s.shingles, a.cluster_id
FROM article_signatures s JOIN articles a ON a.id = s.article_id
WHERE s.article_id IN (
    SELECT DISTINCT b.article_id FROM lsh_buckets b
    JOIN unnest(%s::smallint[], %s::bigint[]) AS q(band, bucket)
      ON b.band = q.band AND b.bucket = q.bucket
    WHERE b.article_id <> %s LIMIT %s)
"""

# Original = earliest published copy (ties: first seen, then id); every member's
# is_original/duplicate_of follows it, and the cluster row keeps size and outlets.
REFRESH_SQL = """
WITH original AS (
    SELECT id FROM articles WHERE cluster_id = %(c)s
    ORDER BY published_at ASC NULLS LAST, first_seen_at ASC, id ASC LIMIT 1
), changed AS (
    UPDATE articles a
    SET is_original = (a.id = o.id),
        duplicate_of = CASE WHEN a.id = o.id THEN NULL ELSE o.id END,
        updated_at = now()
    FROM original o
    WHERE a.cluster_id = %(c)s
      AND (a.is_original IS DISTINCT FROM (a.id = o.id)
           OR a.duplicate_of IS DISTINCT FROM CASE WHEN a.id = o.id THEN NULL ELSE o.id END)
    RETURNING a.id
), stats AS (
    UPDATE clusters SET
        original_article_id = (SELECT id FROM original),
        size = (SELECT count(*) FROM articles WHERE cluster_id = %(c)s),
        outlets = (SELECT coalesce(array_agg(DISTINCT source ORDER BY source), '{}')
                   FROM articles WHERE cluster_id = %(c)s),
        updated_at = now()
    WHERE id = %(c)s
)
SELECT id FROM changed
"""


def lock(conn: psycopg.Connection) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (DEDUP_LOCK,))


def refresh_cluster(conn: psycopg.Connection, cluster_id: int) -> list[int]:
    """Recompute a cluster's original, size and outlets; returns members whose fields changed."""
    changed = [row["id"] for row in conn.execute(REFRESH_SQL, {"c": cluster_id}).fetchall()]
    conn.execute(
        "DELETE FROM clusters c WHERE id = %s AND NOT EXISTS"
        " (SELECT 1 FROM articles WHERE cluster_id = c.id)",
        (cluster_id,),
    )
    return changed


def _verified(fp: Fingerprint, candidates: list[dict], settings: DedupSettings) -> list[dict]:
    """Candidates whose real shingles resemble ours, or contain us as an excerpt (or we them)."""
    if fp.size < settings.min_shingles:
        return []
    matches = []
    for row in candidates:
        other = shingle_sequence(row["shingles"])
        if len(other) < settings.min_shingles:
            continue
        if (
            resemblance(fp.shingle_hashes, frozenset(other)) >= settings.resemblance
            or excerpt_containment(fp.shingle_sequence, other) >= settings.containment
        ):
            matches.append(row)
    return matches


def dedupe_article(
    conn: psycopg.Connection,
    article_id: int,
    source: str,
    canonical_url: str,
    syndicated_from: str | None,
    title: str | None,
    text: str,
    settings: DedupSettings,
) -> list[int]:
    """Fingerprint and cluster one stored article; returns ids whose documents changed."""
    # Each line hashed once: to look up the outlet's template, then to count it.
    line_hashes = {line: line_hash(line) for line in text.splitlines() if line.strip()}
    hashes = sorted(set(line_hashes.values()))

    # Round trip 1: the lock, and which of our lines are this outlet's template.
    with conn.pipeline():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (DEDUP_LOCK,))
        template = conn.execute(
            "SELECT line_hash FROM outlet_lines WHERE source = %s AND line_hash = ANY(%s) AND pages >= %s",
            (source, hashes, BOILERPLATE_MIN_PAGES),
        )
    boilerplate = {row["line_hash"] for row in template.fetchall()}
    fp = fingerprint(
        story_lines(text, boilerplate, title), settings.shingle_size, settings.num_perm
    )
    bands = fp.bands(settings.bands)

    # Round trip 2: everything the decision needs.
    with conn.pipeline():
        previous = conn.execute(
            "UPDATE articles SET text_hash = %s WHERE id = %s RETURNING cluster_id",
            (fp.text_hash, article_id),
        )
        exact = conn.execute(
            "SELECT id, cluster_id FROM articles WHERE text_hash = %s AND id <> %s AND cluster_id IS NOT NULL"
            " ORDER BY id LIMIT 20",
            (fp.text_hash, article_id),
        )
        named_source = conn.execute(
            "SELECT id, cluster_id FROM articles WHERE canonical_url = %s AND id <> %s AND cluster_id IS NOT NULL",
            (syndicated_from or "", article_id),
        )
        candidates = conn.execute(
            CANDIDATES_SQL,
            ([b for b, _ in bands], [k for _, k in bands], article_id, MAX_CANDIDATES),
        )
        # Copies that named this page as their rel=canonical before it arrived.
        pointing = conn.execute(
            "SELECT id, cluster_id FROM articles WHERE syndicated_from = %s AND id <> %s AND cluster_id IS NOT NULL",
            (canonical_url, article_id),
        )
        next_id = conn.execute("SELECT nextval('clusters_id_seq') AS id")
    previous_cluster = previous.fetchone()["cluster_id"]
    exact_rows = exact.fetchall() if fp.size > 0 else []
    named_rows = named_source.fetchall()
    near_rows = _verified(fp, candidates.fetchall(), settings)
    pointing_rows = pointing.fetchall()
    new_cluster_id = next_id.fetchone()["id"]

    evidence = (
        "exact" if exact_rows else "canonical" if named_rows else "near" if near_rows else "new"
    )
    clusters = {row["cluster_id"] for row in exact_rows + named_rows + near_rows + pointing_rows}
    clusters.discard(None)
    if previous_cluster is not None:
        clusters.add(previous_cluster)
    cluster_id = min(clusters) if clusters else new_cluster_id
    merged = sorted(clusters - {cluster_id})
    pairs = fp.bands(settings.bands)

    # Round trip 3: write the outcome.
    with conn.pipeline():
        if not clusters:
            conn.execute(
                "INSERT INTO clusters (id, original_article_id) VALUES (%s, %s)",
                (cluster_id, article_id),
            )
        moved = conn.execute(
            "UPDATE articles SET cluster_id = %s WHERE cluster_id = ANY(%s) RETURNING id",
            (cluster_id, merged),
        )
        conn.execute("DELETE FROM clusters WHERE id = ANY(%s)", (merged,))
        conn.execute(
            "UPDATE articles SET cluster_id = %s, dedup_evidence = %s WHERE id = %s",
            (cluster_id, evidence, article_id),
        )
        conn.execute("DELETE FROM lsh_buckets WHERE article_id = %s", (article_id,))
        conn.execute(
            "INSERT INTO article_signatures (article_id, shingles, shingle_count) VALUES (%s, %s, %s)"
            " ON CONFLICT (article_id) DO UPDATE"
            " SET shingles = EXCLUDED.shingles, shingle_count = EXCLUDED.shingle_count",
            (article_id, fp.shingle_bytes(), fp.size),
        )
        if fp.size:
            conn.execute(
                "INSERT INTO lsh_buckets (band, bucket, article_id)"
                " SELECT band, bucket, %s FROM unnest(%s::smallint[], %s::bigint[]) AS q(band, bucket)"
                " ON CONFLICT DO NOTHING",
                (article_id, [b for b, _ in pairs], [k for _, k in pairs]),
            )
        refreshed = conn.execute(REFRESH_SQL, {"c": cluster_id})
        template_lines = sorted(
            {
                digest
                for line, digest in line_hashes.items()
                if len(line.strip()) < BOILERPLATE_MAX_LINE
            }
        )
        if template_lines:
            conn.execute(
                "INSERT INTO outlet_lines (source, line_hash) SELECT %s, h FROM unnest(%s::bigint[]) AS h"
                " ON CONFLICT (source, line_hash) DO UPDATE SET pages = outlet_lines.pages + 1",
                (source, template_lines),
            )
    changed = {article_id}
    changed.update(row["id"] for row in moved.fetchall())
    changed.update(row["id"] for row in refreshed.fetchall())
    return sorted(changed)
