-- 008_consent.sql: who may send each user cards (anyone, their contacts,
-- or ask), the numbers that pass, and cards held as requests.

-- A held card is a request: accepted like any card (it counts for the
-- quota, expires with inbox_ttl, is replaced by its sender's next card)
-- but not delivered until its recipient accepts it.
ALTER TABLE inbox ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
CREATE INDEX inbox_held ON inbox (recipient_phone, seq) WHERE held = 1;

-- A user's choice; no row is the default, anyone.
CREATE TABLE consent (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    mode INTEGER NOT NULL              -- 1 contacts, 2 ask
);

-- Numbers whose cards pass in contacts and ask mode: kind 0 the user's
-- contacts as their client last uploaded them (replaced as a whole), kind
-- 1 senders whose request the user accepted (kept until unregistering).
CREATE TABLE consent_numbers (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    phone TEXT NOT NULL,               -- E.164
    kind INTEGER NOT NULL,
    PRIMARY KEY (user_id, phone, kind)
) WITHOUT ROWID;
