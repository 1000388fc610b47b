DROP INDEX events_cafe;
ALTER TABLE events DROP COLUMN cafe_id;
ALTER TABLE guests DROP COLUMN name_key;
ALTER TABLE guests DROP COLUMN erased_at;
ALTER TABLE staff DROP COLUMN deactivated_at;
