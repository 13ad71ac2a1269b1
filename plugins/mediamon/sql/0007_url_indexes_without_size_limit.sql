-- Values from outside (URLs of any length up to the 4,000 characters mediamon accepts) must
-- never stop a batch: a B-tree entry holds at most ~2.7 KB, and a 3,500-character link or a
-- 20 KB rel=canonical failed its whole batch with ProgramLimitExceeded. URL columns are
-- therefore unique through their md5 (a fixed 32 characters) and looked up through hash
-- indexes (which store a 4-byte hash, whatever the value's length).
ALTER TABLE articles DROP CONSTRAINT articles_canonical_url_key;
CREATE UNIQUE INDEX articles_canonical_url_md5 ON articles (md5(canonical_url));
CREATE INDEX articles_canonical_url ON articles USING hash (canonical_url);

DROP INDEX articles_syndicated_from;
CREATE INDEX articles_syndicated_from ON articles USING hash (syndicated_from)
    WHERE syndicated_from IS NOT NULL;

DROP INDEX entries_page_url;
CREATE INDEX entries_page_url ON entries USING hash (page_url);

ALTER TABLE feeds DROP CONSTRAINT feeds_url_key;
CREATE UNIQUE INDEX feeds_url_md5 ON feeds (md5(url));
CREATE INDEX feeds_url ON feeds USING hash (url);

-- One outlet's pages with the same normalised body are one article, whatever their URLs
-- (a feed that rotates GUIDs and adds ?v=N to every link stored each poll again). Rows
-- stored before this version keep a NULL body hash: NULLs never conflict.
ALTER TABLE articles ADD COLUMN body_hash text;
CREATE UNIQUE INDEX articles_source_body_hash ON articles (source, body_hash);
