DROP INDEX events_subject;
ALTER TABLE programs DROP COLUMN archived_at;
ALTER TABLE cafes DROP COLUMN archived_at;
