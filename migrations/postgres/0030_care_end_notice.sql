-- #11: the people of a client whose care ends hear of it before their access goes (Siloah:
-- six weeks after the end). The end date the notice was sent for: a changed date sends again.
ALTER TABLE clients ADD COLUMN care_end_noticed_for DATE;
