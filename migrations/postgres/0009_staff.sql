-- Staff of a tenant: administrators and care coordinators. An account may hold both roles,
-- and may also act for clients of its own.
CREATE TABLE staff_roles (
    tenant_id  UUID NOT NULL,
    account_id UUID NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'coordinator')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, account_id, role),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
