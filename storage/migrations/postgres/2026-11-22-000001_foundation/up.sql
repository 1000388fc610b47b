-- Foundation schema (PostgreSQL). Kept in step with ../../sqlite/<same name>/up.sql: the
-- storage conformance suite fails when the two trees' tables or columns diverge.
-- Times are UTC milliseconds since the epoch (BIGINT) on both backends, so query code is shared.

CREATE TABLE chains (
    id BIGSERIAL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    default_language TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE cafes (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    timezone TEXT NOT NULL,
    currency TEXT NOT NULL,
    opening_hours TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX cafes_chain ON cafes (chain_id, id);

CREATE TABLE programs (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    rules TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX programs_chain ON programs (chain_id, id);

CREATE TABLE guests (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    public_id TEXT NOT NULL,
    display_name TEXT,
    phone TEXT,
    phone_verified BOOLEAN NOT NULL,
    language TEXT,
    birthday TEXT,
    referral_code TEXT NOT NULL,
    marketing_consent BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX guests_public_id ON guests (chain_id, public_id);
CREATE UNIQUE INDEX guests_referral_code ON guests (chain_id, referral_code);
CREATE INDEX guests_chain ON guests (chain_id, id);
CREATE INDEX guests_phone ON guests (chain_id, phone);

CREATE TABLE guest_identities (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    guest_id BIGINT NOT NULL REFERENCES guests (id),
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX guest_identities_external ON guest_identities (chain_id, channel, external_id);
CREATE INDEX guest_identities_guest ON guest_identities (guest_id, id);

-- scope_key is the cafe id for per-cafe programs and 0 for chain-wide ones: a NOT NULL column
-- the uniqueness of (program, guest, scope) can rest on.
CREATE TABLE wallets (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    guest_id BIGINT NOT NULL REFERENCES guests (id),
    program_id BIGINT NOT NULL REFERENCES programs (id),
    cafe_id BIGINT REFERENCES cafes (id),
    scope_key BIGINT NOT NULL,
    points BIGINT NOT NULL,
    stamps BIGINT NOT NULL,
    lifetime_points BIGINT NOT NULL,
    tier TEXT,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX wallets_scope ON wallets (program_id, guest_id, scope_key);
CREATE INDEX wallets_guest ON wallets (chain_id, guest_id);

CREATE TABLE ledger_entries (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    wallet_id BIGINT NOT NULL REFERENCES wallets (id),
    kind TEXT NOT NULL,
    points BIGINT NOT NULL,
    stamps BIGINT NOT NULL,
    points_after BIGINT NOT NULL,
    stamps_after BIGINT NOT NULL,
    lifetime_after BIGINT NOT NULL,
    idempotency_key TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_ref TEXT NOT NULL,
    cafe_id BIGINT REFERENCES cafes (id),
    shift_id BIGINT,
    purchase_id BIGINT,
    reason TEXT,
    rule_snapshot TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX ledger_entries_key ON ledger_entries (chain_id, idempotency_key);
CREATE INDEX ledger_entries_wallet ON ledger_entries (wallet_id, id);

CREATE TABLE purchases (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    cafe_id BIGINT NOT NULL REFERENCES cafes (id),
    source TEXT NOT NULL,
    external_id TEXT NOT NULL,
    guest_id BIGINT REFERENCES guests (id),
    total_minor BIGINT NOT NULL,
    currency TEXT NOT NULL,
    items TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX purchases_receipt ON purchases (chain_id, source, external_id);
CREATE INDEX purchases_guest ON purchases (chain_id, guest_id);

CREATE TABLE staff (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    cafes TEXT NOT NULL,
    channel TEXT,
    external_id TEXT,
    login TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX staff_identity ON staff (chain_id, channel, external_id);
CREATE UNIQUE INDEX staff_login ON staff (chain_id, login);

CREATE TABLE shifts (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    cafe_id BIGINT NOT NULL REFERENCES cafes (id),
    opened_at BIGINT NOT NULL,
    closed_at BIGINT
);
-- At most one open shift per staff member, enforced by the database, not by a read-then-write.
CREATE UNIQUE INDEX shifts_one_open ON shifts (staff_id) WHERE closed_at IS NULL;

CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX events_chain ON events (chain_id, id);
