-- 003_verify.sql: a number is the user's only once they proved it with a
-- one-time code sent to it ([verify] in cardxd.conf).

-- When the number was proven (unix seconds); NULL when it was claimed
-- without proof ([verify] method = none). Users registered before proofs
-- existed count as proven at their registration.
ALTER TABLE users ADD COLUMN proven_at INTEGER;
UPDATE users SET proven_at = registered_at;

-- The key of the codes' hashes: random, made once per database by cardxd.
CREATE TABLE verify_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL
);

-- A pending claim: an account asked to prove a number. It blocks nobody;
-- whoever proves a number first gets it. Only the code's hash is kept.
CREATE TABLE verify_claims (
    jid TEXT NOT NULL,                 -- bare JID of the claimant
    phone TEXT NOT NULL,               -- E.164
    hash BLOB NOT NULL,                -- keyed SHA-256 of the code
    issued_at INTEGER NOT NULL,        -- unix ms
    expires_at INTEGER NOT NULL,       -- unix ms
    tries INTEGER NOT NULL DEFAULT 0,  -- wrong codes so far
    PRIMARY KEY (jid, phone)
) WITHOUT ROWID;

-- Every code issued, for the daily caps per number and per account.
CREATE TABLE verify_issued (
    id INTEGER PRIMARY KEY,
    jid TEXT NOT NULL,
    phone TEXT NOT NULL,
    issued_at INTEGER NOT NULL         -- unix ms
);
CREATE INDEX verify_issued_phone ON verify_issued (phone, issued_at);
CREATE INDEX verify_issued_jid ON verify_issued (jid, issued_at);
CREATE INDEX verify_issued_at ON verify_issued (issued_at);
