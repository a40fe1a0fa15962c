-- A durable outbox for e-mail and SMS: a message is stored before anyone tries to send it,
-- claimed with a lease by one sender at a time, retried with growing waits, and marked sent
-- or failed. Bodies are sealed (they can carry a reset link).

CREATE TABLE outbox (
    tenant_id       BLOB NOT NULL REFERENCES tenants (id),
    id              BLOB NOT NULL,
    channel         TEXT NOT NULL CHECK (channel IN ('email', 'sms')),
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,   -- sealed
    created_at      TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claimed_until   TEXT,
    sent_at         TEXT,
    failed_at       TEXT,
    last_error      TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX outbox_due ON outbox (tenant_id, next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;

CREATE TABLE password_resets (
    tenant_id  BLOB NOT NULL,
    token_hash TEXT NOT NULL,
    account_id BLOB NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    PRIMARY KEY (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX password_resets_account ON password_resets (tenant_id, account_id, created_at);
