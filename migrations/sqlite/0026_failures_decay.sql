-- When the last failed login was: a failure older than a day no longer counts towards the
-- lock, so old typos do not shorten a person's next tries and the doubling lock times
-- start over after a quiet day.
ALTER TABLE credentials ADD COLUMN last_failed_at TEXT;
