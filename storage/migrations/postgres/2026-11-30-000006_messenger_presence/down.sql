ALTER TABLE guests DROP COLUMN merged_into;
DROP INDEX outbox_platform_message;
ALTER TABLE outbox DROP COLUMN receipt;
ALTER TABLE outbox DROP COLUMN platform_message_id;
ALTER TABLE guest_identities DROP COLUMN last_seen_at;
