-- Sign-in: passwords (with history for the reuse rule), second factors, and sessions.
-- Secrets are stored as hashes (passwords, session tokens) or sealed (TOTP keys).

CREATE TABLE credentials (
    tenant_id       BLOB NOT NULL,
    account_id      BLOB NOT NULL,
    password_hash   TEXT NOT NULL,
    password_set_at TEXT NOT NULL,
    -- A one-time password from an invitation: to be replaced at first use.
    must_change     INTEGER NOT NULL,
    -- Until when a one-time password may be used.
    expires_at      TEXT,
    failed_count    INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT,
    last_login_at   TEXT,
    PRIMARY KEY (tenant_id, account_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE password_history (
    tenant_id     BLOB NOT NULL,
    account_id    BLOB NOT NULL,
    password_hash TEXT NOT NULL,
    set_at        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, account_id, set_at),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE second_factors (
    tenant_id      BLOB NOT NULL,
    account_id     BLOB NOT NULL,
    method         TEXT NOT NULL CHECK (method IN ('totp', 'sms')),
    totp_secret    TEXT,        -- sealed
    phone          TEXT,        -- E.164
    last_totp_step INTEGER,     -- each step is accepted once
    confirmed_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, account_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE sessions (
    tenant_id    BLOB NOT NULL,
    token_hash   TEXT NOT NULL,
    account_id   BLOB NOT NULL,
    stage        TEXT NOT NULL CHECK (stage IN ('second_factor', 'enroll', 'change_password', 'active')),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    -- A TOTP secret being enrolled, sealed; kept until the first code confirms it.
    pending_totp TEXT,
    ip           TEXT,
    user_agent   TEXT,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX sessions_account ON sessions (tenant_id, account_id);
