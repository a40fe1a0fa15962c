-- An existing account invited to another client: nothing is linked until the person accepts,
-- signed in as themselves (never by staff alone). One waiting invitation per account and client.
CREATE TABLE link_invitations (
    tenant_id  BLOB NOT NULL,
    id         BLOB NOT NULL,
    account_id BLOB NOT NULL,
    client_id  BLOB NOT NULL,
    relation   TEXT NOT NULL CHECK (relation IN ('client', 'representative', 'contact')),
    invited_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, account_id, client_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
