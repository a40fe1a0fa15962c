-- Devices a person chose to trust (tenants that ask for the second factor only on a new
-- device): found by the SHA-256 of a random cookie, sliding expiry, revocable.
CREATE TABLE trusted_devices (
    tenant_id    UUID NOT NULL,
    id           UUID NOT NULL,
    account_id   UUID NOT NULL,
    token_hash   TEXT NOT NULL,
    label        TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX trusted_devices_account ON trusted_devices (tenant_id, account_id);
