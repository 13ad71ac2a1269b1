-- An event's name keys (capitalised words of its reports' headlines and leads) were kept
-- beside its numbers but never scored: shared name keys joined different stories of one
-- day (doc/architecture.md, events). Derived data nothing reads goes.
ALTER TABLE events DROP COLUMN names;
