-- One-time codes sent by SMS: stored as an HMAC, bound to the session that asked for them,
-- single use, a few minutes valid, and a few wrong tries at most. The rows also count what
-- was sent, for the limits per account, per number and per tenant.

CREATE TABLE one_time_codes (
    tenant_id    UUID NOT NULL,
    id           UUID NOT NULL,
    account_id   UUID NOT NULL,
    purpose      TEXT NOT NULL CHECK (purpose IN ('login', 'enroll', 'sign')),
    code_hash    TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    phone        TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ,
    failures     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX one_time_codes_session ON one_time_codes (tenant_id, session_hash, purpose, created_at);
CREATE INDEX one_time_codes_phone ON one_time_codes (tenant_id, phone, created_at);
CREATE INDEX one_time_codes_account ON one_time_codes (tenant_id, account_id, created_at);
CREATE INDEX one_time_codes_tenant ON one_time_codes (tenant_id, created_at);

-- A mobile number whose registration code was checked, waiting for "Bevestig".
ALTER TABLE sessions ADD COLUMN pending_phone TEXT;
