-- "Download mijn dossier" (AVG article 15): one row per request; the worker makes the ZIP
-- (blob `exports/<id>.zip`), which waits a week for the person who asked, then goes.
CREATE TABLE dossier_exports (
    tenant_id    BLOB NOT NULL,
    id           BLOB NOT NULL,
    client_id    BLOB NOT NULL,
    requested_by BLOB NOT NULL,
    requested_at TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('waiting', 'ready', 'failed', 'expired')),
    blob_key     TEXT,
    bytes        INTEGER,
    ready_at     TEXT,
    expires_at   TEXT,
    error        TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, requested_by) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX dossier_exports_of ON dossier_exports (tenant_id, client_id, requested_by, requested_at);
CREATE INDEX dossier_exports_status ON dossier_exports (tenant_id, status, requested_at);
