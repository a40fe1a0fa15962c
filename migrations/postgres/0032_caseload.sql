-- #11: a coordinator's caseload. A Coördinator zorg sees and answers only the clients an
-- administrator assigned to them; an administrator sees every client of the tenant.
CREATE TABLE caseload (
    tenant_id   UUID NOT NULL,
    account_id  UUID NOT NULL,
    client_id   UUID NOT NULL,
    assigned_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, account_id, client_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
-- Who works with a client (the Toegang page, the people told of a message).
CREATE INDEX caseload_by_client ON caseload (tenant_id, client_id);
