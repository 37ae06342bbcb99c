-- 005_privacy.sql: the inbox is keyed by the recipient's number, so that
-- a card to a number nobody has proved can wait for whoever proves it
-- later; and the numbers each user blocked. Runs after 003_verify and
-- 004_limits, whose inbox rules it carries over to the number.

-- The same columns, the recipient by number instead of by user row. seq
-- keeps its AUTOINCREMENT so that a seq is never reused.
CREATE TABLE inbox_by_phone (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    card_id TEXT NOT NULL UNIQUE,
    recipient_phone TEXT NOT NULL,     -- E.164, registered or not
    sender_phone TEXT NOT NULL,
    sender_jid TEXT NOT NULL,
    vcard TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    receipt_to TEXT,
    receipt_id TEXT,
    handed_at INTEGER
);

-- Every waiting card, with the number its recipient has now (the foreign
-- key guaranteed each has a user; a user has one number, so 004's one
-- card per sender and recipient stays one per sender and number).
INSERT INTO inbox_by_phone (seq, card_id, recipient_phone, sender_phone,
                            sender_jid, vcard, note, created_at, attempts,
                            receipt_to, receipt_id, handed_at)
SELECT i.seq, i.card_id, u.phone, i.sender_phone, i.sender_jid, i.vcard,
       i.note, i.created_at, i.attempts, i.receipt_to, i.receipt_id,
       i.handed_at
FROM inbox i JOIN users u ON u.id = i.recipient_id;

-- The counter may be past the last row (the newest card was taken), and
-- is never below it: carry it over rather than let a seq come back.
DELETE FROM sqlite_sequence WHERE name = 'inbox_by_phone';
UPDATE sqlite_sequence SET name = 'inbox_by_phone' WHERE name = 'inbox';

DROP TABLE inbox;
ALTER TABLE inbox_by_phone RENAME TO inbox;
CREATE INDEX inbox_recipient ON inbox (recipient_phone, seq);
CREATE INDEX inbox_handed ON inbox (handed_at) WHERE handed_at IS NOT NULL;
-- 004's rules, by number: one waiting card per sender (a card held for a
-- number nobody has proved included), and the expiry timer's index.
CREATE UNIQUE INDEX inbox_sender ON inbox (recipient_phone, sender_jid);
CREATE INDEX inbox_created ON inbox (created_at);

-- What the cascade from users did, by number. Unregistering deletes the
-- cards waiting for the user, as before.
CREATE TRIGGER inbox_user_removed AFTER DELETE ON users BEGIN
    DELETE FROM inbox WHERE recipient_phone = OLD.phone;
END;

-- A change of number takes the waiting cards along: they were accepted for
-- this user; the old number's next owner must not receive them. Cards held
-- for the new number are the user's now too; where one sender has a card
-- under both numbers, the newer replaces the older, as a send would.
CREATE TRIGGER inbox_user_renumbered AFTER UPDATE OF phone ON users
WHEN OLD.phone <> NEW.phone BEGIN
    DELETE FROM inbox
    WHERE recipient_phone IN (OLD.phone, NEW.phone)
      AND seq NOT IN (SELECT max(seq) FROM inbox
                      WHERE recipient_phone IN (OLD.phone, NEW.phone)
                      GROUP BY sender_jid);
    UPDATE inbox SET recipient_phone = NEW.phone
    WHERE recipient_phone = OLD.phone;
END;

-- Numbers a user refuses cards from; gone with the user.
CREATE TABLE blocks (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    phone TEXT NOT NULL,               -- E.164 of the blocked sender
    created_at INTEGER NOT NULL,       -- unix seconds
    PRIMARY KEY (user_id, phone)
) WITHOUT ROWID;
