-- Prikbord: posts and replies in a client's portal; photos live in the blob store.
CREATE TABLE posts (
    tenant_id      UUID NOT NULL,
    id             UUID NOT NULL,
    client_id      UUID NOT NULL,
    parent_id      UUID,
    author_account UUID NOT NULL,
    author_name    TEXT NOT NULL,
    body           TEXT NOT NULL,
    photo_key      TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_id) REFERENCES posts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX posts_client ON posts (tenant_id, client_id, created_at);
