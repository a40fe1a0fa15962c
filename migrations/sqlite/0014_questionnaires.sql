-- Vragenlijsten from the ECD, with the answers kept as a draft until they are sent.
CREATE TABLE questionnaires (
    tenant_id    BLOB NOT NULL,
    id           BLOB NOT NULL,
    client_id    BLOB NOT NULL,
    title        TEXT NOT NULL,
    intro        TEXT,
    questions    TEXT NOT NULL,   -- JSON, as the ECD sent them
    received_at  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('open', 'draft', 'submitted')),
    answers      TEXT NOT NULL,   -- JSON object: question key -> answer
    updated_at   TEXT NOT NULL,
    submitted_by TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX questionnaires_client ON questionnaires (tenant_id, client_id, received_at);
