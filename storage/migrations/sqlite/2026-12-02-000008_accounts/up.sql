-- Accounts, PINs, paired terminals, sessions and API tokens (sqlite). Twin: ../../postgres/<same name>/up.sql.
-- Secrets are stored only as digests: Argon2id PHC strings for passwords and PINs, SHA-256
-- hex for the random tokens (see regulars-core::auth).

-- A login shared by a person's staff records in every chain (staff.login names it).
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_login ON accounts (login);
-- Signing in lists the chains of a login.
CREATE INDEX staff_by_login ON staff (login);

-- A barista's PIN, valid only on a paired terminal.
ALTER TABLE staff ADD COLUMN pin_hash TEXT;

CREATE TABLE terminals (
    id INTEGER PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    cafe_id BIGINT NOT NULL REFERENCES cafes (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    paired_by BIGINT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX terminals_token ON terminals (token_hash);
CREATE INDEX terminals_chain ON terminals (chain_id, id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    account_id BIGINT REFERENCES accounts (id),
    terminal_id BIGINT REFERENCES terminals (id),
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE UNIQUE INDEX sessions_token ON sessions (token_hash);
-- "Log out everywhere" and unpairing a terminal end the open sessions of one or the other.
CREATE INDEX sessions_open_of_account ON sessions (account_id) WHERE ended_at IS NULL;
CREATE INDEX sessions_open_of_terminal ON sessions (terminal_id) WHERE ended_at IS NULL;

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    chain_id BIGINT NOT NULL REFERENCES chains (id),
    staff_id BIGINT NOT NULL REFERENCES staff (id),
    name TEXT NOT NULL,
    permissions TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES staff (id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_token ON api_tokens (token_hash);
CREATE INDEX api_tokens_chain ON api_tokens (chain_id, id);
