-- Devices a person chose to trust (tenants that ask for the second factor only on a new
-- device): found by the SHA-256 of a random cookie, sliding expiry, revocable.
CREATE TABLE trusted_devices (
    tenant_id    BLOB NOT NULL,
    id           BLOB NOT NULL,
    account_id   BLOB NOT NULL,
    token_hash   TEXT NOT NULL,
    label        TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    revoked_at   TEXT,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX trusted_devices_account ON trusted_devices (tenant_id, account_id);
