-- A document from the ECD keeps the identifier of its DocumentReference, so a second pull
-- replaces its print instead of adding another; NULL for one put in by hand or the demo.
ALTER TABLE documents ADD COLUMN ecd_key TEXT;
CREATE UNIQUE INDEX documents_ecd_key ON documents (tenant_id, ecd_key);
