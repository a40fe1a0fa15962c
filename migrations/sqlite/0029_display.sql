-- How a person wants the pages (#15): Grotere letters and Makkelijk lezen, remembered per
-- person on every device.
ALTER TABLE accounts ADD COLUMN large_text INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN easy_read INTEGER NOT NULL DEFAULT 0;
