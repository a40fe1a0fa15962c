-- Tenants, their clients and accounts, and the append-only audit log.
-- Every tenant table carries tenant_id in its primary key, unique keys and foreign keys,
-- so the schema can be distributed by tenant later without a rewrite.

CREATE TABLE tenants (
    id           BLOB PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    config       TEXT NOT NULL,          -- TenantConfig as JSON
    logo_svg     TEXT NOT NULL,
    rights_model TEXT NOT NULL,          -- Casbin model.conf
    version      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- A lookup from hostname to tenant: global by nature (the Host header comes before the tenant).
CREATE TABLE tenant_hosts (
    hostname  TEXT PRIMARY KEY,
    tenant_id BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX tenant_hosts_tenant ON tenant_hosts (tenant_id);

CREATE TABLE tenant_templates (
    tenant_id BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE policy_rules (
    tenant_id BLOB NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    ptype     TEXT NOT NULL,
    rule      TEXT NOT NULL,              -- JSON array of the rule's values
    position  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, ptype, rule)
);

CREATE TABLE clients (
    tenant_id     BLOB NOT NULL REFERENCES tenants (id),
    id            BLOB NOT NULL,
    reference     TEXT NOT NULL,
    given_name    TEXT NOT NULL,
    name_prefix   TEXT,
    family_name   TEXT NOT NULL,
    birth_date    TEXT,
    care_ended_on TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, reference)
);

CREATE TABLE accounts (
    tenant_id   BLOB NOT NULL REFERENCES tenants (id),
    id          BLOB NOT NULL,
    username    TEXT NOT NULL,
    email       TEXT NOT NULL,
    given_name  TEXT NOT NULL,
    name_prefix TEXT,
    family_name TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, username)
);

CREATE TABLE account_clients (
    tenant_id  BLOB NOT NULL,
    account_id BLOB NOT NULL,
    client_id  BLOB NOT NULL,
    relation   TEXT NOT NULL CHECK (relation IN ('client', 'representative', 'contact')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, account_id, client_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX account_clients_client ON account_clients (tenant_id, client_id);

CREATE TABLE audit_log (
    tenant_id    BLOB NOT NULL REFERENCES tenants (id),
    id           BLOB NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    on_behalf_of BLOB,
    client_id    BLOB,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_client ON audit_log (tenant_id, client_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
