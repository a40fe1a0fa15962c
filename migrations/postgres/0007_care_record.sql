-- The care record: the read model of what the ECD sends, and what portal users write, which
-- waits in ecd_outbox until the sync hands it to the ECD. tenant_id leads every key.

ALTER TABLE sessions ADD COLUMN client_id UUID;

CREATE TABLE reports (
    tenant_id      UUID NOT NULL,
    id             UUID NOT NULL,
    client_id      UUID NOT NULL,
    written_at     TIMESTAMPTZ NOT NULL,
    author         TEXT NOT NULL,
    author_account UUID,
    source         TEXT NOT NULL CHECK (source IN ('ecd', 'portal')),
    body           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX reports_client ON reports (tenant_id, client_id, written_at);

CREATE TABLE measurements (
    tenant_id      UUID NOT NULL,
    id             UUID NOT NULL,
    client_id      UUID NOT NULL,
    kind           TEXT NOT NULL,
    value          TEXT NOT NULL,
    unit           TEXT NOT NULL,
    qualifier      TEXT,
    measured_at    TIMESTAMPTZ NOT NULL,
    location       TEXT,
    measured_by    TEXT NOT NULL,
    author_account UUID,
    source         TEXT NOT NULL CHECK (source IN ('ecd', 'portal')),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX measurements_client ON measurements (tenant_id, client_id, measured_at);

CREATE TABLE consents (
    tenant_id  UUID NOT NULL,
    client_id  UUID NOT NULL,
    key        TEXT NOT NULL,
    question   TEXT NOT NULL,
    editable   BOOLEAN NOT NULL,
    position   INTEGER NOT NULL,
    granted    BOOLEAN,
    changed_at TIMESTAMPTZ,
    changed_by TEXT,
    PRIMARY KEY (tenant_id, client_id, key),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE consent_changes (
    tenant_id  UUID NOT NULL,
    id         UUID NOT NULL,
    client_id  UUID NOT NULL,
    key        TEXT NOT NULL,
    granted    BOOLEAN NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    by_name    TEXT NOT NULL,
    by_account UUID,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id, key) REFERENCES consents (tenant_id, client_id, key) ON DELETE CASCADE
);
CREATE INDEX consent_changes_client ON consent_changes (tenant_id, client_id, at);

CREATE TABLE care_messages (
    tenant_id      UUID NOT NULL,
    id             UUID NOT NULL,
    client_id      UUID NOT NULL,
    sent_at        TIMESTAMPTZ NOT NULL,
    sender         TEXT NOT NULL,
    sender_account UUID,
    body           TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX care_messages_client ON care_messages (tenant_id, client_id, sent_at);

CREATE TABLE profile_sections (
    tenant_id UUID NOT NULL,
    client_id UUID NOT NULL,
    position  INTEGER NOT NULL,
    title     TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, client_id, position),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);

-- When an account last opened a client's portal, for "nieuw sinds uw vorige bezoek".
CREATE TABLE client_visits (
    tenant_id      UUID NOT NULL,
    account_id     UUID NOT NULL,
    client_id      UUID NOT NULL,
    visited_at     TIMESTAMPTZ NOT NULL,
    previous_visit TIMESTAMPTZ,
    PRIMARY KEY (tenant_id, account_id, client_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);

-- What portal users wrote, on its way to the ECD. Written in the same transaction as the
-- item itself, so nothing written is ever left out.
CREATE TABLE ecd_outbox (
    tenant_id  UUID NOT NULL,
    id         UUID NOT NULL,
    client_id  UUID NOT NULL,
    kind       TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ecd_outbox_pending ON ecd_outbox (tenant_id, created_at) WHERE sent_at IS NULL;
