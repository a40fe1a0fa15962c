-- NEN 7513: every entry says in which role the actor acted, on whose behalf (`client:<id>` or
-- `account:<id>`; the column was a never-filled account id) and whether it was allowed; and
-- every entry is chained to the one before it in its tenant (seq from 1, SHA-256 over the
-- entry and the previous hash), with signed checkpoints. Entries from before this migration
-- keep seq NULL: they are listed, not verified.
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;

ALTER TABLE audit_log DROP COLUMN on_behalf_of;
ALTER TABLE audit_log ADD COLUMN on_behalf_of TEXT;
ALTER TABLE audit_log ADD COLUMN role TEXT;
-- What was acted on: a module key (`reports`) or a kind and id (`document:<id>`).
ALTER TABLE audit_log ADD COLUMN object TEXT;
ALTER TABLE audit_log ADD COLUMN outcome TEXT NOT NULL DEFAULT 'allowed' CHECK (outcome IN ('allowed', 'refused'));
ALTER TABLE audit_log ADD COLUMN seq INTEGER;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

CREATE UNIQUE INDEX audit_log_seq ON audit_log (tenant_id, seq);
-- The searches of Beheer › Logboek: by period, and by account or action within one.
CREATE INDEX audit_log_at ON audit_log (tenant_id, at, seq);
CREATE INDEX audit_log_actor ON audit_log (tenant_id, actor, at);
CREATE INDEX audit_log_action ON audit_log (tenant_id, action, at);
-- Refusals are rare among the reads: their own small index, so "Geweigerd" stays fast.
CREATE INDEX audit_log_refused ON audit_log (tenant_id, at, seq) WHERE outcome = 'refused';

-- The end of each tenant's chain. Taking the next seq updates this row, which makes the
-- appends of one tenant wait for each other (PostgreSQL) so the chain never forks.
CREATE TABLE audit_heads (
    tenant_id BLOB PRIMARY KEY REFERENCES tenants (id),
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    -- Entries up to here were pruned after the retention; a checkpoint vouches for this seq.
    pruned_to INTEGER NOT NULL DEFAULT 0
);
INSERT INTO audit_heads (tenant_id, seq, hash) SELECT id, 0, '' FROM tenants;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Only the tenant's pruned beginning may go (`careportal audit prune`: entries past the
-- retention, up to a signed checkpoint, from which `audit verify` then starts).
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.seq IS NULL OR OLD.seq > COALESCE((SELECT pruned_to FROM audit_heads WHERE tenant_id = OLD.tenant_id), 0)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TABLE audit_checkpoints (
    tenant_id BLOB NOT NULL REFERENCES tenants (id),
    seq       INTEGER NOT NULL,
    hash      TEXT NOT NULL,
    at        TEXT NOT NULL,
    signature TEXT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);

-- The privacy officer (functionaris gegevensbescherming) reads the audit log.
CREATE TABLE staff_roles_new (
    tenant_id  BLOB NOT NULL,
    account_id BLOB NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'privacy')),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, account_id, role),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
INSERT INTO staff_roles_new SELECT tenant_id, account_id, role, created_at FROM staff_roles;
DROP TABLE staff_roles;
ALTER TABLE staff_roles_new RENAME TO staff_roles;
