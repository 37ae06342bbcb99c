-- 003_updates.sql: updates of saved cards. An inbox card that updates an
-- earlier one says which and what changed; a contact saved from a card
-- keeps that card's fields as the base of a three-way merge, so that the
-- user's own edits survive the sender's.

-- The inbox cards that are updates (xep/cardx.md, updates).
CREATE TABLE inbox_updates (
    inbox_id INTEGER PRIMARY KEY,      -- inbox.id
    updates TEXT NOT NULL,             -- the card id it updates
    changed TEXT NOT NULL              -- space-separated field names
);
CREATE TRIGGER inbox_updates_gone AFTER DELETE ON inbox BEGIN
    DELETE FROM inbox_updates WHERE inbox_id = OLD.id;
END;

-- The sender's card as a contact last took it: whose it is, and its
-- fields (the columns of struct vcard_fields, as in contacts).
CREATE TABLE contact_base (
    contact_id INTEGER PRIMARY KEY,    -- contacts.id
    sender_phone TEXT NOT NULL,        -- E.164
    name TEXT, given TEXT, family TEXT, phone TEXT, email TEXT, org TEXT,
    title TEXT, address TEXT, url TEXT, fnote TEXT
);
CREATE TRIGGER contact_base_gone AFTER DELETE ON contacts BEGIN
    DELETE FROM contact_base WHERE contact_id = OLD.id;
END;

-- Choices about updates the user made while offline (deleting a contact
-- turns its sender's updates off): told to cardxd at the next sync.
CREATE TABLE updates_pending (
    sender_phone TEXT PRIMARY KEY,     -- E.164
    receive INTEGER NOT NULL           -- 1 on, 0 off
) WITHOUT ROWID;
