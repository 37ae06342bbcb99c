-- 007_updates.sql: cards that stay current (a card's recipients get its
-- owner's edits), and the profiles a user sends instead of the whole card.

-- Who received whose card: one row per sender and recipient number, kept
-- when the card was accepted for them, so that an edit of the card can
-- follow it. vcard is what they were last sent (for what changed), fields
-- the profile's field names it was sent with (NULL: the whole card), and
-- updates whether the recipient takes updates from this sender.
CREATE TABLE shares (
    sender_jid TEXT NOT NULL,          -- bare JID
    recipient_phone TEXT NOT NULL,     -- E.164, registered or not
    card_id TEXT NOT NULL,             -- the last card or update queued
    profile TEXT,                      -- its profile's name, or NULL
    fields TEXT,                       -- space-separated field names
    vcard TEXT NOT NULL,
    updates INTEGER NOT NULL DEFAULT 1,
    shared_at INTEGER NOT NULL,        -- unix seconds
    PRIMARY KEY (sender_jid, recipient_phone)
) WITHOUT ROWID;
CREATE INDEX shares_recipient ON shares (recipient_phone);

-- An update is an inbox card like any other (the same storage, delivery
-- and acknowledgement) with the id of the card it updates and the fields
-- that changed (space-separated); NULL for a card sent by its owner.
ALTER TABLE inbox ADD COLUMN updates TEXT;
ALTER TABLE inbox ADD COLUMN changed TEXT;

-- A user's named profiles: the field names each shows, and which one a
-- send without a profile uses (at most one is the default).
CREATE TABLE profiles (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    fields TEXT NOT NULL,              -- space-separated field names
    is_default INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, name)
) WITHOUT ROWID;

-- An unregistered user neither sends updates nor receives them.
CREATE TRIGGER shares_user_removed AFTER DELETE ON users BEGIN
    DELETE FROM shares
    WHERE sender_jid = OLD.jid OR recipient_phone = OLD.phone;
END;

-- A recipient's new number takes their shares along, as it takes their
-- waiting cards (005_privacy).
CREATE TRIGGER shares_user_renumbered AFTER UPDATE OF phone ON users
WHEN OLD.phone <> NEW.phone BEGIN
    UPDATE OR REPLACE shares SET recipient_phone = NEW.phone
    WHERE recipient_phone = OLD.phone;
END;
