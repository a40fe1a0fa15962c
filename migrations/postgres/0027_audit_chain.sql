-- NEN 7513: every entry says in which role the actor acted, on whose behalf (`client:<id>` or
-- `account:<id>`; the column was a never-filled account id) and whether it was allowed; and
-- every entry is chained to the one before it in its tenant (seq from 1, SHA-256 over the
-- entry and the previous hash), with signed checkpoints. Entries from before this migration
-- keep seq NULL: they are listed, not verified.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change;
ALTER TABLE audit_log DROP COLUMN on_behalf_of;
ALTER TABLE audit_log ADD COLUMN on_behalf_of TEXT;
ALTER TABLE audit_log ADD COLUMN role TEXT;
-- What was acted on: a module key (`reports`) or a kind and id (`document:<id>`).
ALTER TABLE audit_log ADD COLUMN object TEXT;
ALTER TABLE audit_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'allowed' CHECK (outcome IN ('allowed', 'refused'));
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;

CREATE UNIQUE INDEX audit_log_seq ON audit_log (tenant_id, seq);
-- The searches of Beheer › Logboek: by period, and by account or action within one.
CREATE INDEX audit_log_at ON audit_log (tenant_id, at, seq);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor, at);
CREATE INDEX audit_log_action ON audit_log (tenant_id, action, at);
-- Refusals are rare among the reads: their own small index, so "Geweigerd" stays fast.
CREATE INDEX audit_log_refused ON audit_log (tenant_id, at, seq) WHERE outcome = 'refused';

-- The end of each tenant's chain. Taking the next seq updates this row, which makes the
-- appends of one tenant wait for each other so the chain never forks.
CREATE TABLE audit_heads (
    tenant_id UUID PRIMARY KEY REFERENCES tenants (id),
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    -- Entries up to here were pruned after the retention; a checkpoint vouches for this seq.
    pruned_to BIGINT NOT NULL DEFAULT 0
);
INSERT INTO audit_heads (tenant_id, seq, hash) SELECT id, 0, '' FROM tenants;

-- Only the tenant's pruned beginning may go (`careportal audit prune`, run as the owner:
-- the portal's role has no DELETE on the log at all).
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.seq IS NOT NULL
       AND OLD.seq <= COALESCE((SELECT pruned_to FROM audit_heads WHERE tenant_id = OLD.tenant_id), 0) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;

CREATE TABLE audit_checkpoints (
    tenant_id UUID NOT NULL REFERENCES tenants (id),
    seq       BIGINT NOT NULL,
    hash      TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- The privacy officer (functionaris gegevensbescherming) reads the audit log.
ALTER TABLE staff_roles DROP CONSTRAINT staff_roles_role_check;
ALTER TABLE staff_roles ADD CONSTRAINT staff_roles_role_check CHECK (role IN ('admin', 'coordinator', 'privacy'));

-- The role the portal runs as in production (`careportal serve` and the worker; migrations run
-- as the owner): everything it needs on every table, but the audit log and its checkpoints
-- only read and appended. A login role for the portal is made a member of it:
--   CREATE ROLE portal LOGIN PASSWORD '…' IN ROLE careportal_app;
-- Roles belong to the whole server, so another database's migration may have made it already.
DO $$
BEGIN
    CREATE ROLE careportal_app NOLOGIN;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO careportal_app', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO careportal_app', current_schema());
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO careportal_app', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO careportal_app', current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO careportal_app', current_schema());
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON %I.audit_log, %I.audit_checkpoints FROM careportal_app', current_schema(), current_schema());
    EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I._sqlx_migrations FROM careportal_app', current_schema());
END
$$;
