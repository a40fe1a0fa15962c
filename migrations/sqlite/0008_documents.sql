-- Documents of the record (their bytes live in the blob store; here their metadata and
-- hash), care plans offered for signing, and the evidence of each decision.

CREATE TABLE documents (
    tenant_id    BLOB NOT NULL,
    id           BLOB NOT NULL,
    client_id    BLOB NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('care_plan', 'evaluation', 'invoice')),
    title        TEXT NOT NULL,
    document_date TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX documents_client ON documents (tenant_id, client_id, kind, document_date);

CREATE TABLE care_plans (
    tenant_id   BLOB NOT NULL,
    id          BLOB NOT NULL,
    client_id   BLOB NOT NULL,
    document_id BLOB NOT NULL,
    plan_date   TEXT NOT NULL,
    offered_at  TEXT NOT NULL,
    offered_by  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('offered', 'signed', 'rejected')),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX care_plans_client ON care_plans (tenant_id, client_id, plan_date);

-- One decision per plan: signing or rejecting ends the offer.
CREATE TABLE plan_decisions (
    tenant_id       BLOB NOT NULL,
    plan_id         BLOB NOT NULL,
    signed          INTEGER NOT NULL,
    reason          TEXT,
    decided_at      TEXT NOT NULL,
    account_id      BLOB,
    decided_by      TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    method          TEXT NOT NULL,
    masked_phone    TEXT,
    ip              TEXT,
    user_agent      TEXT,
    PRIMARY KEY (tenant_id, plan_id),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES care_plans (tenant_id, id) ON DELETE CASCADE
);
