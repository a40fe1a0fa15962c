-- How a person wants the pages (#15): Grotere letters and Makkelijk lezen, remembered per
-- person on every device.
ALTER TABLE accounts ADD COLUMN large_text BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE accounts ADD COLUMN easy_read BOOLEAN NOT NULL DEFAULT false;
