-- The ECD sync's own state. One row per tenant and kind of data (clients, reports,
-- measurements, outbox): where the last pull got to, who is running it now and until when,
-- and how the last run went, for the status page and `careportal sync status`.
CREATE TABLE sync_streams (
    tenant_id        UUID NOT NULL REFERENCES tenants (id),
    kind             TEXT NOT NULL,
    -- The newest meta.lastUpdated seen; the next pull asks for _lastUpdated=ge this.
    cursor           TEXT,
    -- The last pull that read everything, so deletes in the ECD are found.
    full_at          TIMESTAMPTZ,
    -- A run holds the stream until lease_until; a crashed worker's lease simply runs out.
    lease_owner      TEXT,
    lease_until      TIMESTAMPTZ,
    last_started_at  TIMESTAMPTZ,
    last_finished_at TIMESTAMPTZ,
    last_success_at  TIMESTAMPTZ,
    last_error       TEXT,
    -- JSON: created, updated, unchanged, removed, skipped (with which and why).
    last_counts      TEXT,
    PRIMARY KEY (tenant_id, kind)
);

-- A measurement from the ECD keeps its Observation's identifier, as reports do (0017);
-- one written in the portal gets ours, so it comes back as itself.
ALTER TABLE measurements ADD COLUMN ecd_key TEXT;
CREATE UNIQUE INDEX measurements_ecd_key ON measurements (tenant_id, ecd_key);

-- The write-back: a claimed row is held until claimed_until; a failed one waits until
-- next_attempt_at; one that can never succeed is parked and shown, not retried.
ALTER TABLE ecd_outbox ADD COLUMN next_attempt_at TIMESTAMPTZ;
ALTER TABLE ecd_outbox ADD COLUMN claimed_until TIMESTAMPTZ;
ALTER TABLE ecd_outbox ADD COLUMN parked_at TIMESTAMPTZ;
