-- Documents of the record (their bytes live in the blob store; here their metadata and
-- hash), care plans offered for signing, and the evidence of each decision.

CREATE TABLE documents (
    tenant_id    UUID NOT NULL,
    id           UUID NOT NULL,
    client_id    UUID NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('care_plan', 'evaluation', 'invoice')),
    title        TEXT NOT NULL,
    document_date DATE NOT NULL,
    blob_key     TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX documents_client ON documents (tenant_id, client_id, kind, document_date);

CREATE TABLE care_plans (
    tenant_id   UUID NOT NULL,
    id          UUID NOT NULL,
    client_id   UUID NOT NULL,
    document_id UUID NOT NULL,
    plan_date   DATE NOT NULL,
    offered_at  TIMESTAMPTZ NOT NULL,
    offered_by  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('offered', 'signed', 'rejected')),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, document_id) REFERENCES documents (tenant_id, id)
);
CREATE INDEX care_plans_client ON care_plans (tenant_id, client_id, plan_date);

-- One decision per plan: signing or rejecting ends the offer.
CREATE TABLE plan_decisions (
    tenant_id       UUID NOT NULL,
    plan_id         UUID NOT NULL,
    signed          BOOLEAN NOT NULL,
    reason          TEXT,
    decided_at      TIMESTAMPTZ NOT NULL,
    account_id      UUID,
    decided_by      TEXT NOT NULL,
    document_sha256 TEXT NOT NULL,
    method          TEXT NOT NULL,
    masked_phone    TEXT,
    ip              TEXT,
    user_agent      TEXT,
    PRIMARY KEY (tenant_id, plan_id),
    FOREIGN KEY (tenant_id, plan_id) REFERENCES care_plans (tenant_id, id) ON DELETE CASCADE
);
