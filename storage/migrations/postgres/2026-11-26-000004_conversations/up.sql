-- The bot conversation (postgres). Twin: ../../sqlite/<same name>/up.sql.

-- What the guest picked as their cafe, and whose referral link brought them.
ALTER TABLE guests ADD COLUMN home_cafe_id BIGINT REFERENCES cafes (id);
ALTER TABLE guests ADD COLUMN referred_by BIGINT REFERENCES guests (id);
CREATE INDEX guests_referred_by ON guests (chain_id, referred_by);

-- Where each person is in the bot conversation, per (chain, messenger identity): a small JSON
-- state, saved compare-and-set on version.
CREATE TABLE conversations (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX conversations_person ON conversations (chain_id, channel, external_id);
