-- Who holds an entry's lease ("host|pid|process start"), so that a retry on the same host
-- can take back the work of a killed process at once instead of waiting for the lease.
ALTER TABLE entries ADD COLUMN leased_by text;
CREATE INDEX entries_leased_by ON entries (leased_by) WHERE leased_by IS NOT NULL;
