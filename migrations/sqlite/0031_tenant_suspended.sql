-- #11: a platform operator suspends a tenant (`careportal tenant suspend`): its portal
-- answers only a notice and nothing is sent for it, until `tenant resume`.
ALTER TABLE tenants ADD COLUMN suspended_at TEXT;
