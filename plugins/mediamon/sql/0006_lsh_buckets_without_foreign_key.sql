-- An article's ~120 LSH bucket rows are written only by clustering, in the transaction that
-- stored the article: the foreign key checked the article once per row, a sixth of the
-- inserts' time in PostgreSQL with 1,000,000 stored signatures (pg_stat_statements, the
-- throughput benchmark). Deleting articles still deletes their buckets, once per statement.
ALTER TABLE lsh_buckets DROP CONSTRAINT IF EXISTS lsh_buckets_article_id_fkey;

CREATE FUNCTION delete_buckets_of_deleted_articles() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- As an array, so that the plan probes the article_id index (a transition table has
    -- no statistics, and a join with it may scan every bucket).
    DELETE FROM lsh_buckets WHERE article_id = ANY (ARRAY(SELECT id FROM deleted_articles));
    RETURN NULL;
END
$$;

CREATE TRIGGER articles_delete_buckets
    AFTER DELETE ON articles
    REFERENCING OLD TABLE AS deleted_articles
    FOR EACH STATEMENT EXECUTE FUNCTION delete_buckets_of_deleted_articles();
