-- An appointment keeps the identifier of its Appointment in the ECD, as reports (0017),
-- measurements (0018) and messages (0019) do; one made in the portal gets ours.
ALTER TABLE appointments ADD COLUMN ecd_key TEXT;
CREATE UNIQUE INDEX appointments_ecd_key ON appointments (tenant_id, ecd_key);
