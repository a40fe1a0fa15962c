-- The client's network as the ECD records it (RelatedPerson, nl-core-ContactPerson): who is
-- first or second contact person or legal representative, so an invitation of a
-- representative can be checked against the ECD. Replaced per client as the ECD changes it.
CREATE TABLE ecd_contacts (
    tenant_id  BLOB NOT NULL,
    client_id  BLOB NOT NULL,
    ecd_key    TEXT NOT NULL,
    name       TEXT NOT NULL,
    roles      TEXT NOT NULL,
    email      TEXT,
    phone      TEXT,
    position   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, client_id, ecd_key),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE
);
