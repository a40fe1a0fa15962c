-- Mijn berichten (Salem): messages between people with access to a client's portal. Only
-- the sender and the recipient see a message.
CREATE TABLE network_messages (
    tenant_id         UUID NOT NULL,
    id                UUID NOT NULL,
    client_id         UUID NOT NULL,
    sender_account    UUID NOT NULL,
    recipient_account UUID NOT NULL,
    body              TEXT NOT NULL,
    sent_at           TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, sender_account, client_id) REFERENCES account_clients (tenant_id, account_id, client_id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, recipient_account, client_id) REFERENCES account_clients (tenant_id, account_id, client_id) ON DELETE CASCADE
);
CREATE INDEX network_messages_client ON network_messages (tenant_id, client_id, sent_at);
