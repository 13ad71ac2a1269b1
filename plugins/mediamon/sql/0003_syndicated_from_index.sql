-- Copies that named a page as their rel=canonical are looked up when that page arrives.
CREATE INDEX articles_syndicated_from ON articles (syndicated_from) WHERE syndicated_from IS NOT NULL;
