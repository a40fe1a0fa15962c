-- Tenants, their clients and accounts, and the append-only audit log.
-- Every tenant table carries tenant_id in its primary key, unique keys and foreign keys,
-- so the schema can be distributed by tenant (Citus) later without a rewrite.

CREATE TABLE tenants (
    id           UUID PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    config       TEXT NOT NULL,          -- TenantConfig as JSON
    logo_svg     TEXT NOT NULL,
    rights_model TEXT NOT NULL,          -- Casbin model.conf
    version      BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- A lookup from hostname to tenant: global by nature (the Host header comes before the tenant).
CREATE TABLE tenant_hosts (
    hostname  TEXT PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE
);
CREATE INDEX tenant_hosts_tenant ON tenant_hosts (tenant_id);

CREATE TABLE tenant_templates (
    tenant_id UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name      TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE policy_rules (
    tenant_id UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    ptype     TEXT NOT NULL,
    rule      TEXT NOT NULL,              -- JSON array of the rule's values
    position  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, ptype, rule)
);

CREATE TABLE clients (
    tenant_id     UUID NOT NULL REFERENCES tenants (id),
    id            UUID NOT NULL,
    reference     TEXT NOT NULL,
    given_name    TEXT NOT NULL,
    name_prefix   TEXT,
    family_name   TEXT NOT NULL,
    birth_date    DATE,
    care_ended_on DATE,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, reference)
);

CREATE TABLE accounts (
    tenant_id   UUID NOT NULL REFERENCES tenants (id),
    id          UUID NOT NULL,
    username    TEXT NOT NULL,
    email       TEXT NOT NULL,
    given_name  TEXT NOT NULL,
    name_prefix TEXT,
    family_name TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, username)
);

CREATE TABLE account_clients (
    tenant_id  UUID NOT NULL,
    account_id UUID NOT NULL,
    client_id  UUID NOT NULL,
    relation   TEXT NOT NULL CHECK (relation IN ('client', 'representative', 'contact')),
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, account_id, client_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX account_clients_client ON account_clients (tenant_id, client_id);

CREATE TABLE audit_log (
    tenant_id    UUID NOT NULL REFERENCES tenants (id),
    id           UUID NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    on_behalf_of UUID,
    client_id    UUID,
    action       TEXT NOT NULL,
    detail       TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_client ON audit_log (tenant_id, client_id, at);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
