-- Every password check of an account first takes one of the tries of its lock round, in one
-- statement, so a burst of parallel guesses gets no more checks than the tenant's lockout
-- allows (before, all of them were compared before the first failure was counted).
ALTER TABLE credentials ADD COLUMN password_tries INTEGER NOT NULL DEFAULT 0;
