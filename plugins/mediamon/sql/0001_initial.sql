-- mediamon schema, version 1: feeds, entries, articles, raw pages, dedup, tags, index outbox.
-- Applied by `mediamon db upgrade`; never edit an applied migration, add the next one.

CREATE TABLE feeds (
    id                  bigserial PRIMARY KEY,
    url                 text NOT NULL UNIQUE,
    title               text,
    source              text,                    -- outlet/domain the feed belongs to
    site_url            text,                    -- the outlet's home page, from the feed itself
    respect_robots      boolean NOT NULL DEFAULT true,
    etag                text,
    last_modified       text,
    content_hash        text,                    -- sha256 of the last body, to skip false 200s
    last_status         text NOT NULL DEFAULT 'new',   -- ok | not_modified | unchanged | error class
    last_error          text,
    last_http_status    integer,
    failures            jsonb NOT NULL DEFAULT '{}'::jsonb,  -- consecutive failures by class
    consecutive_failures integer NOT NULL DEFAULT 0,
    poll_interval_s     integer NOT NULL DEFAULT 1800,
    next_poll_at        timestamptz NOT NULL DEFAULT now(),
    last_polled_at      timestamptz,
    last_success_at     timestamptz,
    items_seen          integer NOT NULL DEFAULT 0,      -- on the last poll
    items_new           integer NOT NULL DEFAULT 0,      -- on the last poll
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX feeds_next_poll_at ON feeds (next_poll_at);

-- Articles: one row per distinct document (canonical URL).
CREATE TABLE articles (
    id                  bigserial PRIMARY KEY,
    canonical_url       text NOT NULL UNIQUE,
    url                 text NOT NULL,           -- final URL after redirects
    source              text NOT NULL,           -- outlet domain
    syndicated_from     text,                    -- rel=canonical pointing to another outlet
    title               text,
    text                text,
    description         text,
    authors             text[] NOT NULL DEFAULT '{}',
    site_name           text,
    language            text,
    published_at        timestamptz,
    published_at_source text,                    -- page | feed | first_seen
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    fetched_at          timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    status              text NOT NULL DEFAULT 'stored',  -- stored | paywall | empty
    status_reason       text,
    text_hash           text,                    -- normalised body hash (exact-copy level)
    cluster_id          bigint,
    is_original         boolean NOT NULL DEFAULT true,
    duplicate_of        bigint,
    dedup_evidence      text,                    -- exact | near | canonical | wire
    groups              text[] NOT NULL DEFAULT '{}',
    groups_with_ancestors text[] NOT NULL DEFAULT '{}',
    mentions            jsonb NOT NULL DEFAULT '[]'::jsonb,
    watchlist_version   integer
);
CREATE INDEX articles_published_at ON articles (published_at);
CREATE INDEX articles_first_seen_at ON articles (first_seen_at);
CREATE INDEX articles_text_hash ON articles (text_hash);
CREATE INDEX articles_cluster_id ON articles (cluster_id);
CREATE INDEX articles_groups ON articles USING gin (groups);

-- Feed entries: which feed listed which page, with the entry's own metadata, and the work
-- state of fetching it.
CREATE TABLE entries (
    id                  bigserial PRIMARY KEY,
    feed_id             bigint NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    guid                text NOT NULL,
    link                text NOT NULL,           -- as listed
    page_url            text NOT NULL,           -- normalised link (tracking parameters dropped)
    title               text,
    summary             text,
    published_at        timestamptz,
    first_seen_at       timestamptz NOT NULL DEFAULT now(),
    status              text NOT NULL DEFAULT 'pending',  -- pending | done | skipped | failed
    status_reason       text,
    attempts            integer NOT NULL DEFAULT 0,
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    leased_until        timestamptz,
    article_id          bigint REFERENCES articles (id) ON DELETE SET NULL,
    UNIQUE (feed_id, guid)
);
CREATE INDEX entries_pending ON entries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX entries_page_url ON entries (page_url);
CREATE INDEX entries_article_id ON entries (article_id);

-- Raw pages, gzip-compressed by mediamon, so that backfills re-extract without fetching.
CREATE TABLE raw_pages (
    article_id          bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    url                 text NOT NULL,
    status_code         integer NOT NULL,
    content_type        text,
    encoding            text,
    html_gzip           bytea NOT NULL,
    fetched_at          timestamptz NOT NULL DEFAULT now()
);
-- Already compressed: storing it as-is avoids TOAST compressing it a second time.
ALTER TABLE raw_pages ALTER COLUMN html_gzip SET STORAGE EXTERNAL;

-- Story clusters (syndicated copies of one story).
CREATE TABLE clusters (
    id                  bigserial PRIMARY KEY,
    original_article_id bigint NOT NULL,
    size                integer NOT NULL DEFAULT 1,
    outlets             text[] NOT NULL DEFAULT '{}',
    updated_at          timestamptz NOT NULL DEFAULT now()
);

-- MinHash signatures and their LSH band buckets: lookups touch only matching buckets,
-- so their cost does not grow with the archive.
CREATE TABLE article_signatures (
    article_id          bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    shingles            bytea NOT NULL,          -- sorted uint32 shingle hashes (exact verification)
    shingle_count       integer NOT NULL
);
CREATE TABLE lsh_buckets (
    band                smallint NOT NULL,
    bucket              bigint NOT NULL,
    article_id          bigint NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (band, bucket, article_id)
);
CREATE INDEX lsh_buckets_article ON lsh_buckets (article_id);

-- How many pages of an outlet carry a line: lines on many pages are the outlet's template
-- (share prompts, newsletter boxes), not the story, and are left out of similarity.
CREATE TABLE outlet_lines (
    source              text NOT NULL,
    line_hash           bigint NOT NULL,
    pages               integer NOT NULL DEFAULT 1,
    PRIMARY KEY (source, line_hash)
);

-- Watchlist versions: every tag records which one produced it.
CREATE TABLE watchlists (
    version             serial PRIMARY KEY,
    sha256              text NOT NULL UNIQUE,
    source              text,
    content             jsonb NOT NULL,
    loaded_at           timestamptz NOT NULL DEFAULT now()
);

-- Elasticsearch outbox: articles whose document must be (re)indexed. Rows leave when the
-- document is indexed; a rejected document stays with its error (dead letter after retries).
CREATE TABLE index_outbox (
    article_id          bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    enqueued_at         timestamptz NOT NULL DEFAULT now(),
    attempts            integer NOT NULL DEFAULT 0,
    last_error          text,
    dead_letter         boolean NOT NULL DEFAULT false
);

-- Per-host politeness and deferrals shared by every worker (Retry-After, robots.txt).
CREATE TABLE hosts (
    host                text PRIMARY KEY,
    deferred_until      timestamptz,
    robots_txt          text,
    robots_status       text,                    -- ok | missing | unavailable
    robots_fetched_at   timestamptz
);
