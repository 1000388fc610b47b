-- POS deliveries and the guest outbox (postgres). Twin: ../../sqlite/<same name>/up.sql.

-- What each POS delivery did, answered again to every retry. Unique by delivery id and by the
-- event it reports (purchase:<receipt>, refund:<refund id>), so either kind of retry is caught.
CREATE TABLE pos_deliveries (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    source TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    event_key TEXT NOT NULL,
    purchase_id BIGINT NOT NULL REFERENCES purchases (id),
    outcome TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX pos_deliveries_delivery ON pos_deliveries (chain_id, source, delivery_id);
CREATE UNIQUE INDEX pos_deliveries_event ON pos_deliveries (chain_id, source, event_key);

-- Notifications to guests, written in the same transaction as the change they tell about and
-- drained by the channel workers (claimed with a lease, so a crash never sends twice).
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    guest_id BIGINT NOT NULL REFERENCES guests (id),
    dedupe_key TEXT NOT NULL,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    available_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT
);
CREATE UNIQUE INDEX outbox_dedupe ON outbox (chain_id, dedupe_key);
CREATE INDEX outbox_due ON outbox (status, available_at);
CREATE INDEX outbox_guest ON outbox (chain_id, guest_id, id);
