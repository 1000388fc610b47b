-- Staff who left, guests who asked to be forgotten, guests found by name, events by cafe (sqlite). Twin: ../../postgres/<same name>/up.sql.

-- Milliseconds since the epoch, NULL while they work here. The row stays: shifts, ledger
-- entries and the audit log name them.
ALTER TABLE staff ADD COLUMN deactivated_at BIGINT;

-- Milliseconds since the epoch when the guest's personal data was erased (GDPR); the row,
-- wallets, ledger and purchases stay, anonymised, so the chain's totals stay right.
ALTER TABLE guests ADD COLUMN erased_at BIGINT;

-- The display name case-folded by the server (Unicode lowercase), searched with LIKE: neither
-- backend's own lower() folds the same way (SQLite's folds ASCII only). Rows from before fold
-- with the database's lower().
ALTER TABLE guests ADD COLUMN name_key TEXT;
UPDATE guests SET name_key = lower(display_name) WHERE display_name IS NOT NULL;

-- The cafe an event is about, when it is about one (a shift, a sale, a cafe's change): a
-- manager reads their cafes' events, anyone filters by cafe.
ALTER TABLE events ADD COLUMN cafe_id BIGINT;
CREATE INDEX events_cafe ON events (chain_id, cafe_id, id);
