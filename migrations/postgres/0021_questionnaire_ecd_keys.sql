-- A questionnaire sent by the ECD keeps the identifier of the QuestionnaireResponse it waits
-- in, so the answers go back into that one; NULL for one made in the portal (the demo).
ALTER TABLE questionnaires ADD COLUMN ecd_key TEXT;
CREATE UNIQUE INDEX questionnaires_ecd_key ON questionnaires (tenant_id, ecd_key);
