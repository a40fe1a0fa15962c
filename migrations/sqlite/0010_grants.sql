-- Rights a client (or their representative) gives a contact person in their portal, per
-- module and action (Salem's "Beheer instellingen"). The Casbin model decides with them.
CREATE TABLE rights_grants (
    tenant_id  BLOB NOT NULL,
    client_id  BLOB NOT NULL,
    account_id BLOB NOT NULL,
    module     TEXT NOT NULL,
    action     TEXT NOT NULL,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, client_id, account_id, module, action),
    FOREIGN KEY (tenant_id, account_id, client_id) REFERENCES account_clients (tenant_id, account_id, client_id) ON DELETE CASCADE
);
