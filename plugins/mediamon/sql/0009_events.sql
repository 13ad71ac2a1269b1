-- Events (issue 18): the reports of one incident across outlets, rewrites and languages.
-- An event's id is the id of the article that opened it, so recomputing a window gives the
-- same ids (events/assign.py, store/events.py). Every write takes the next revision, which
-- lets a process bring its in-memory window up to date with one indexed query.
CREATE SEQUENCE event_revisions;

CREATE TABLE events (
    id bigint PRIMARY KEY,
    first_report_at timestamptz NOT NULL,
    last_report_at timestamptz NOT NULL,
    size integer NOT NULL DEFAULT 0,
    languages text[] NOT NULL DEFAULT '{}',
    outlets text[] NOT NULL DEFAULT '{}',
    groups text[] NOT NULL DEFAULT '{}',
    title text,  -- the headline of its first report
    merged_into bigint REFERENCES events (id) ON DELETE SET NULL,
    -- What assignment compares against (events/assign.OpenEvent): the sum of its reports'
    -- vectors (float32, 512), whether they came from languages the encoder covers, and the
    -- numbers and name keys of their headlines and leads.
    vector_sum bytea,
    reliable boolean NOT NULL DEFAULT false,
    numbers integer[] NOT NULL DEFAULT '{}',
    names text[] NOT NULL DEFAULT '{}',
    revision bigint NOT NULL DEFAULT nextval('event_revisions'),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_open ON events (last_report_at) WHERE merged_into IS NULL;
CREATE INDEX events_revision ON events (revision);
CREATE INDEX events_groups ON events USING gin (groups) WHERE merged_into IS NULL;

ALTER TABLE articles ADD COLUMN event_id bigint REFERENCES events (id) ON DELETE SET NULL;
CREATE INDEX articles_event ON articles (event_id);

-- Each article's headline-and-lead vector, kept so that a window can be recomputed
-- (`reprocess`) without encoding again.
CREATE TABLE article_embeddings (
    article_id bigint PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    vector bytea  -- NULL: the encoder had nothing to read
);

CREATE TABLE event_merges (
    id bigserial PRIMARY KEY,
    from_event bigint NOT NULL,
    into_event bigint NOT NULL,
    article_id bigint,  -- the report that bridged them (NULL: their copy clusters merged)
    merged_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_merges_into ON event_merges (into_event);
