-- Messenger presence and receipts (postgres). Twin: ../../sqlite/<same name>/up.sql.

-- When the person last wrote to the bot from this identity, in UTC milliseconds (linking
-- counts as writing). Notifications go to the identity used last, and a messenger with
-- a service window (WhatsApp's 24 hours) gets free-form messages only inside it.
ALTER TABLE guest_identities ADD COLUMN last_seen_at BIGINT;
-- Identities linked before this column count as seen when they were linked.
UPDATE guest_identities SET last_seen_at = created_at;

-- The messenger's id of a sent notification and the latest receipt for it (delivered, read,
-- failed), so the platform's delivery statuses land on the notification they are about.
ALTER TABLE outbox ADD COLUMN platform_message_id TEXT;
ALTER TABLE outbox ADD COLUMN receipt TEXT;
CREATE INDEX outbox_platform_message ON outbox (platform_message_id);

-- A guest found twice (the same verified phone on two messengers) is merged into the other:
-- the absorbed row stays, with no identity and no phone, pointing at the guest it became.
ALTER TABLE guests ADD COLUMN merged_into BIGINT REFERENCES guests (id);
