-- Every check of a one-time code first takes one of its tries, in one statement, so requests
-- sent at once cannot all be compared before their failures are counted.
ALTER TABLE one_time_codes ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
