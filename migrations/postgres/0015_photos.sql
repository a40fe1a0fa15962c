-- Photos: the client's central photo (set by the client) and each person's own photo (set
-- by that person). The cleaned JPEGs live in the blob store.
CREATE TABLE client_photos (
    tenant_id  UUID NOT NULL,
    client_id  UUID NOT NULL,
    blob_key   TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, client_id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE TABLE account_photos (
    tenant_id  UUID NOT NULL,
    account_id UUID NOT NULL,
    blob_key   TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, account_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
