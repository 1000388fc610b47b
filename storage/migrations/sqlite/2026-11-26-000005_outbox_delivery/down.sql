DROP INDEX outbox_lease;
ALTER TABLE guest_identities DROP COLUMN unreachable_at;
