-- Outbox delivery (postgres). Twin: ../../sqlite/<same name>/up.sql.

-- A guest's identity the messenger refused to deliver to (the guest blocked the bot, left,
-- or the account is gone), in UTC milliseconds; NULL while reachable. The outbox sender skips
-- unreachable identities and fails the guest's notifications that have nowhere else to go; an
-- unblock clears it.
ALTER TABLE guest_identities ADD COLUMN unreachable_at BIGINT;

-- Claims find notifications whose lease ran out (a sender crashed mid-send) without scanning
-- the pending ones.
CREATE INDEX outbox_lease ON outbox (status, lease_until);
