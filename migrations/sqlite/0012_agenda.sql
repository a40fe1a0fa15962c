-- Mijn agenda: appointments from the ECD and the client's own. Own ones are private until
-- set to Openbaar; then the care department sees them and they are queued for the ECD.
CREATE TABLE appointments (
    tenant_id  BLOB NOT NULL,
    id         BLOB NOT NULL,
    client_id  BLOB NOT NULL,
    title      TEXT NOT NULL,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    location   TEXT,
    notes      TEXT,
    source     TEXT NOT NULL CHECK (source IN ('ecd', 'portal')),
    public     INTEGER NOT NULL,
    created_by BLOB,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX appointments_client ON appointments (tenant_id, client_id, starts_at);
