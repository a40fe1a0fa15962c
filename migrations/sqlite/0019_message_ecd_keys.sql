-- A message with the coordinator keeps the identifier of its Communication in the ECD, as
-- reports (0017) and measurements (0018) do; one sent from the portal gets ours.
ALTER TABLE care_messages ADD COLUMN ecd_key TEXT;
CREATE UNIQUE INDEX care_messages_ecd_key ON care_messages (tenant_id, ecd_key);
