-- A report from the ECD keeps the identifier the ECD gives its Composition (system|value):
-- server ids may change, identifiers do not, so a second pull updates instead of adding.
-- NULL for reports written in the portal until the ECD has taken them.
ALTER TABLE reports ADD COLUMN ecd_key TEXT;
CREATE UNIQUE INDEX reports_ecd_key ON reports (tenant_id, ecd_key);
