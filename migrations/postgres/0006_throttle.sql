-- Counters for rate limits, per tenant, key and fixed window (an hour): in the database, so
-- every instance counts the same.
CREATE TABLE throttle (
    tenant_id    UUID NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    key          TEXT NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    count        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key, window_start)
);
