-- Prikbord: posts and replies in a client's portal; photos live in the blob store.
CREATE TABLE posts (
    tenant_id      BLOB NOT NULL,
    id             BLOB NOT NULL,
    client_id      BLOB NOT NULL,
    parent_id      BLOB,
    author_account BLOB NOT NULL,
    author_name    TEXT NOT NULL,
    body           TEXT NOT NULL,
    photo_key      TEXT,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, client_id) REFERENCES clients (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, parent_id) REFERENCES posts (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX posts_client ON posts (tenant_id, client_id, created_at);
