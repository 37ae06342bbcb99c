-- 004_limits.sql:
-- one waiting card per sender and recipient, card expiry, and the
-- counters of each account's sends.

-- A recipient holds at most one card per sender: a new card replaces the
-- waiting one. Duplicates from before keep only their newest card, as a
-- send made now would have.
DELETE FROM inbox WHERE seq NOT IN
    (SELECT max(seq) FROM inbox GROUP BY recipient_id, sender_jid);
CREATE UNIQUE INDEX inbox_sender ON inbox (recipient_id, sender_jid);

-- The expiry timer reads the oldest card and the cards past inbox_ttl.
CREATE INDEX inbox_created ON inbox (created_at);

-- One row per account and window: kind 0 counts the sends of a minute,
-- 1 those of a day, 2 the distinct numbers sent to in a day. A window
-- starts at the first send after the last one ended.
CREATE TABLE send_windows (
    jid TEXT NOT NULL,                 -- the sender's bare JID
    kind INTEGER NOT NULL,
    started_at INTEGER NOT NULL,       -- unix ms
    used INTEGER NOT NULL,
    PRIMARY KEY (jid, kind)
) WITHOUT ROWID;

-- The numbers an account sent to, each with the lookup window it was
-- counted in: sending to it again in that window costs no lookup.
CREATE TABLE send_lookups (
    jid TEXT NOT NULL,
    phone TEXT NOT NULL,               -- E.164
    window_start INTEGER NOT NULL,     -- started_at of that window
    PRIMARY KEY (jid, phone)
) WITHOUT ROWID;

-- Counters of accounts that stopped sending are pruned by age.
CREATE INDEX send_windows_started ON send_windows (started_at);
CREATE INDEX send_lookups_started ON send_lookups (window_start);
