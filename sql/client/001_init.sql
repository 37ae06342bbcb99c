-- 001_init.sql: cardx's first local schema: inbox, contacts, own card.

-- Cards received and not yet saved or deleted, read like mail. The card
-- columns hold struct vcard_fields; fnote is the card's own NOTE, note the
-- sender's message.
CREATE TABLE inbox (
    id INTEGER PRIMARY KEY,
    card_id TEXT UNIQUE,               -- the service's id; NULL never dedups
    sender_phone TEXT,                 -- E.164
    note TEXT,
    received INTEGER NOT NULL,         -- unix seconds
    name TEXT, given TEXT, family TEXT, phone TEXT, email TEXT, org TEXT,
    title TEXT, address TEXT, url TEXT, fnote TEXT,
    vcard_xml TEXT,                    -- the whole vcard-temp, lossless
    extra TEXT                         -- vCard text properties not modelled
);

CREATE INDEX inbox_received ON inbox (received, id);

-- Every card_id ever added, so a card delivered again after it was saved
-- or deleted is not stored a second time.
CREATE TABLE seen (
    card_id TEXT PRIMARY KEY,
    seen_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Saved cards. phone_digits and phone_keys are derived from phone by the
-- store (SQL has no loop to compute them): the digits alone, for matching a
-- number written in any format, and those digits followed by every suffix
-- of at least four digits, so that full-text prefix queries find a number by
-- any run of its digits (its national part, its last four...).
CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    name TEXT, given TEXT, family TEXT, phone TEXT, email TEXT, org TEXT,
    title TEXT, address TEXT, url TEXT, fnote TEXT,
    phone_digits TEXT,
    phone_keys TEXT,
    created INTEGER NOT NULL,          -- unix seconds
    updated INTEGER NOT NULL,
    vcard_xml TEXT,
    extra TEXT
);

-- Saving a card looks for a contact with the same number.
CREATE INDEX contacts_phone ON contacts (phone_digits);

-- Search over the contacts without a second copy of their text (external
-- content); remove_diacritics so that "jose" finds "José".
CREATE VIRTUAL TABLE contacts_fts USING fts5 (
    name, phone_keys, email, org, title, address, fnote,
    content = 'contacts', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, name, phone_keys, email, org, title,
                              address, fnote)
    VALUES (new.id, new.name, new.phone_keys, new.email, new.org, new.title,
            new.address, new.fnote);
END;

-- An external-content index forgets a row only when given its old values.
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name, phone_keys, email,
                              org, title, address, fnote)
    VALUES ('delete', old.id, old.name, old.phone_keys, old.email, old.org,
            old.title, old.address, old.fnote);
END;

CREATE TRIGGER contacts_fts_update
AFTER UPDATE OF name, phone_keys, email, org, title, address, fnote
ON contacts BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, name, phone_keys, email,
                              org, title, address, fnote)
    VALUES ('delete', old.id, old.name, old.phone_keys, old.email, old.org,
            old.title, old.address, old.fnote);
    INSERT INTO contacts_fts (rowid, name, phone_keys, email, org, title,
                              address, fnote)
    VALUES (new.id, new.name, new.phone_keys, new.email, new.org, new.title,
            new.address, new.fnote);
END;

-- The user's own card: one row at most.
CREATE TABLE self (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    vcard_xml TEXT NOT NULL,
    uploaded INTEGER NOT NULL,         -- 1 when the service has this version
    updated INTEGER NOT NULL
);
