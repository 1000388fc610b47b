-- Identity at the till and reward codes (SQLite). Twin: ../../postgres/<same name>/up.sql.

-- One sealed TOTP secret per guest; last_step is the last accepted 30 s step (never reused).
CREATE TABLE guest_secrets (
    guest_id BIGINT PRIMARY KEY REFERENCES guests (id),
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    key_id TEXT NOT NULL,
    sealed BLOB NOT NULL,
    last_step BIGINT,
    updated_at BIGINT NOT NULL
);

-- A guest presenting their card at the till; typed codes are searched only among these.
CREATE TABLE presences (
    guest_id BIGINT PRIMARY KEY REFERENCES guests (id),
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    presenting_until BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX presences_changed ON presences (chain_id, updated_at);

-- The double-tap guard: when each (staff, action, guest) last counted.
CREATE TABLE action_claims (
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    action TEXT NOT NULL,
    guest_id BIGINT NOT NULL REFERENCES guests (id),
    counted_at BIGINT,
    PRIMARY KEY (chain_id, staff_id, action, guest_id)
);

CREATE TABLE security_events (
    id INTEGER PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    kind TEXT NOT NULL,
    staff_id BIGINT,
    terminal TEXT,
    guest_id BIGINT,
    at BIGINT NOT NULL
);
CREATE INDEX security_events_staff ON security_events (chain_id, staff_id, at);
CREATE INDEX security_events_terminal ON security_events (chain_id, terminal, at);

CREATE TABLE reward_codes (
    id INTEGER PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    code TEXT NOT NULL,
    wallet_id BIGINT NOT NULL REFERENCES wallets (id),
    reward_key TEXT NOT NULL,
    reward_name TEXT NOT NULL,
    cost_points BIGINT NOT NULL,
    cost_stamps BIGINT NOT NULL,
    ledger_key TEXT NOT NULL,
    cafe_id BIGINT,
    status TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    expires_at BIGINT,
    closed_at BIGINT,
    used_at_cafe BIGINT,
    closed_by_kind TEXT,
    closed_by_ref TEXT
);
CREATE UNIQUE INDEX reward_codes_code ON reward_codes (chain_id, code);
CREATE UNIQUE INDEX reward_codes_ledger_key ON reward_codes (chain_id, ledger_key);
CREATE INDEX reward_codes_wallet ON reward_codes (wallet_id, id);
