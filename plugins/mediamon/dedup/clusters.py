"""Assign an article to its story cluster, inside the caller's PostgreSQL transaction.

Evidence, strongest first: the same normalised body (exact copy), a rel=canonical to
another outlet's stored page, then near-duplicate text: LSH buckets give candidates,
resemblance or containment of the real shingle sets decides. One transaction-level
advisory lock serialises assignment across processes, so two workers cannot open two
clusters for one story; it is held only for a few indexed queries.
"""

from __future__ import annotations

from dataclasses import dataclass

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
MAX_CANDIDATES = 200


@dataclass(frozen=True)
class Assignment:
    cluster_id: int
    evidence: str  # new | exact | canonical | near
    changed_article_ids: list[int]  # whose cluster fields changed (to re-index)


def lock(conn: psycopg.Connection) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (DEDUP_LOCK,))


def outlet_boilerplate(conn: psycopg.Connection, source: str, lines: list[str]) -> set[int]:
    hashes = list({line_hash(line) for line in lines})
    rows = conn.execute(
        "SELECT line_hash FROM outlet_lines WHERE source = %s AND line_hash = ANY(%s)"
        " AND pages >= %s",
        (source, hashes, BOILERPLATE_MIN_PAGES),
    ).fetchall()
    return {row["line_hash"] for row in rows}


def count_outlet_lines(conn: psycopg.Connection, source: str, lines: list[str]) -> None:
    hashes = sorted({line_hash(line) for line in lines if len(line) < 400})
    if not hashes:
        return
    conn.execute(
        "INSERT INTO outlet_lines (source, line_hash)"
        " SELECT %s, h FROM unnest(%s::bigint[]) AS h"
        " ON CONFLICT (source, line_hash) DO UPDATE SET pages = outlet_lines.pages + 1",
        (source, hashes),
    )


def _near_matches(
    conn: psycopg.Connection, article_id: int, fp: Fingerprint, settings: DedupSettings
) -> list[tuple[int, float]]:
    if fp.size < settings.min_shingles:
        return []
    bands = fp.bands(settings.bands)
    rows = conn.execute(
        "SELECT DISTINCT b.article_id FROM lsh_buckets b"
        " JOIN unnest(%s::smallint[], %s::bigint[]) AS q(band, bucket)"
        "   ON b.band = q.band AND b.bucket = q.bucket"
        " WHERE b.article_id <> %s LIMIT %s",
        ([b for b, _ in bands], [k for _, k in bands], article_id, MAX_CANDIDATES),
    ).fetchall()
    if not rows:
        return []
    signatures = conn.execute(
        "SELECT article_id, shingles FROM article_signatures WHERE article_id = ANY(%s)",
        ([row["article_id"] for row in rows],),
    ).fetchall()
    matches = []
    for row in signatures:
        other = shingle_sequence(row["shingles"])
        if len(other) < settings.min_shingles:
            continue
        score_r = resemblance(fp.shingle_hashes, frozenset(other))
        score_c = excerpt_containment(fp.shingle_sequence, other)
        if score_r >= settings.resemblance or score_c >= settings.containment:
            matches.append((row["article_id"], max(score_r, score_c)))
    return matches


def _store_signature(
    conn: psycopg.Connection, article_id: int, fp: Fingerprint, bands: int
) -> None:
    conn.execute("DELETE FROM lsh_buckets WHERE article_id = %s", (article_id,))
    conn.execute(
        "INSERT INTO article_signatures (article_id, shingles, shingle_count) VALUES (%s, %s, %s)"
        " ON CONFLICT (article_id) DO UPDATE"
        " SET shingles = EXCLUDED.shingles, shingle_count = EXCLUDED.shingle_count",
        (article_id, fp.shingle_bytes(), fp.size),
    )
    if fp.size == 0:
        return
    pairs = fp.bands(bands)
    conn.execute(
        "INSERT INTO lsh_buckets (band, bucket, article_id)"
        " SELECT band, bucket, %s FROM unnest(%s::smallint[], %s::bigint[]) AS q(band, bucket)"
        " ON CONFLICT DO NOTHING",
        (article_id, [b for b, _ in pairs], [k for _, k in pairs]),
    )


def _clusters_of(conn: psycopg.Connection, article_ids: list[int]) -> set[int]:
    rows = conn.execute(
        "SELECT DISTINCT cluster_id FROM articles WHERE id = ANY(%s) AND cluster_id IS NOT NULL",
        (article_ids,),
    ).fetchall()
    return {row["cluster_id"] for row in rows}


def refresh_cluster(conn: psycopg.Connection, cluster_id: int) -> list[int]:
    """Recompute original, size and outlets; returns members whose fields changed."""
    original = conn.execute(
        "SELECT id FROM articles WHERE cluster_id = %s"
        " ORDER BY published_at ASC NULLS LAST, first_seen_at ASC, id ASC LIMIT 1",
        (cluster_id,),
    ).fetchone()
    if original is None:
        conn.execute("DELETE FROM clusters WHERE id = %s", (cluster_id,))
        return []
    original_id = original["id"]
    changed = conn.execute(
        "UPDATE articles SET is_original = (id = %(o)s),"
        " duplicate_of = CASE WHEN id = %(o)s THEN NULL ELSE %(o)s END, updated_at = now()"
        " WHERE cluster_id = %(c)s AND (is_original IS DISTINCT FROM (id = %(o)s)"
        "   OR duplicate_of IS DISTINCT FROM CASE WHEN id = %(o)s THEN NULL ELSE %(o)s END)"
        " RETURNING id",
        {"o": original_id, "c": cluster_id},
    ).fetchall()
    conn.execute(
        "UPDATE clusters SET original_article_id = %(o)s, updated_at = now(),"
        " size = (SELECT count(*) FROM articles WHERE cluster_id = %(c)s),"
        " outlets = (SELECT coalesce(array_agg(DISTINCT source ORDER BY source), '{}')"
        "            FROM articles WHERE cluster_id = %(c)s)"
        " WHERE id = %(c)s",
        {"o": original_id, "c": cluster_id},
    )
    return [row["id"] for row in changed]


def assign_cluster(
    conn: psycopg.Connection,
    article_id: int,
    canonical_url: str,
    syndicated_from: str | None,
    fp: Fingerprint,
    settings: DedupSettings,
) -> Assignment:
    """Place `article_id` (already stored) in its story cluster. Caller holds `lock(conn)`."""
    previous = conn.execute(
        "SELECT cluster_id FROM articles WHERE id = %s", (article_id,)
    ).fetchone()["cluster_id"]
    evidence = "new"
    matched: list[int] = []
    exact = conn.execute(
        "SELECT id FROM articles WHERE text_hash = %s AND id <> %s AND cluster_id IS NOT NULL"
        " ORDER BY id LIMIT 20",
        (fp.text_hash, article_id),
    ).fetchall()
    if exact and fp.size > 0:
        matched, evidence = [row["id"] for row in exact], "exact"
    if not matched and syndicated_from:
        source_row = conn.execute(
            "SELECT id FROM articles WHERE canonical_url = %s AND id <> %s",
            (syndicated_from, article_id),
        ).fetchone()
        if source_row:
            matched, evidence = [source_row["id"]], "canonical"
    # Near matches always count too: an excerpt may already sit in another cluster than
    # the exact copies of its story.
    near = [aid for aid, _ in _near_matches(conn, article_id, fp, settings)]
    if near and not matched:
        evidence = "near"
    matched = list(dict.fromkeys(matched + near))
    # Copies that named this page as their rel=canonical before it arrived.
    pointing = conn.execute(
        "SELECT id FROM articles WHERE syndicated_from = %s AND id <> %s",
        (canonical_url, article_id),
    ).fetchall()
    clusters = _clusters_of(conn, matched + [row["id"] for row in pointing])
    if previous is not None:
        clusters.add(previous)
    if clusters:
        cluster_id = min(clusters)
    else:
        cluster_id = conn.execute(
            "INSERT INTO clusters (original_article_id) VALUES (%s) RETURNING id", (article_id,)
        ).fetchone()["id"]
    changed: set[int] = set()
    merged = sorted(clusters - {cluster_id})
    if merged:
        rows = conn.execute(
            "UPDATE articles SET cluster_id = %s WHERE cluster_id = ANY(%s) RETURNING id",
            (cluster_id, merged),
        ).fetchall()
        changed.update(row["id"] for row in rows)
        conn.execute("DELETE FROM clusters WHERE id = ANY(%s)", (merged,))
    conn.execute(
        "UPDATE articles SET cluster_id = %s, dedup_evidence = %s WHERE id = %s",
        (cluster_id, evidence, article_id),
    )
    changed.add(article_id)
    _store_signature(conn, article_id, fp, settings.bands)
    changed.update(refresh_cluster(conn, cluster_id))
    return Assignment(cluster_id, evidence, sorted(changed))


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
    lock(conn)
    raw_lines = text.splitlines()
    lines = story_lines(text, outlet_boilerplate(conn, source, raw_lines), title)
    fp = fingerprint(lines, settings.shingle_size, settings.num_perm)
    conn.execute("UPDATE articles SET text_hash = %s WHERE id = %s", (fp.text_hash, article_id))
    assignment = assign_cluster(conn, article_id, canonical_url, syndicated_from, fp, settings)
    count_outlet_lines(conn, source, raw_lines)
    return assignment.changed_article_ids
