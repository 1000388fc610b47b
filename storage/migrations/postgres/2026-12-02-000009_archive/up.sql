-- Cafes and programs can be archived; the event log is read by subject (postgres). Twin: ../../sqlite/<same name>/up.sql.

-- Milliseconds since the epoch, NULL while in use. Archived rows stay: history, balances and
-- refunds refer to them; an archived program earns nothing, an archived cafe is not offered to
-- guests choosing one.
ALTER TABLE cafes ADD COLUMN archived_at BIGINT;
ALTER TABLE programs ADD COLUMN archived_at BIGINT;

-- The event log filtered by subject (one guest's, one cafe's events) in id order.
CREATE INDEX events_subject ON events (chain_id, subject, id);
