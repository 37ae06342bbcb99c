-- 003_trigram.sql: a substring index over the contacts, so that a search
-- finds a name written without spaces (Chinese, Japanese, Korean) by any of
-- its parts: contacts_fts's unicode61 tokenizer makes "张伟" one token that
-- only "张" (a prefix) finds, never "伟".
--
-- contacts_fts stays for every search it serves today (word prefixes,
-- accents ignored, numbers by their digits); cardstore_search.c sends a
-- search with CJK text here. Trigrams match substrings of three characters
-- or more; one or two characters go to contacts_uni (below); words without
-- CJK text (numbers, email addresses, Latin names) are looked for by LIKE
-- in the contacts the others found (cardstore_substr.c). So numbers and
-- email addresses stay out of this index, which would otherwise double the
-- store's size.
-- SQLite >= 3.34 has the trigram tokenizer (Debian 12: 3.40).
CREATE VIRTUAL TABLE contacts_tri USING fts5 (
    name, org, title, address, fnote,
    content = 'contacts', content_rowid = 'id',
    tokenize = 'trigram'
);

-- Existing contacts are indexed now; the triggers keep it in step.
INSERT INTO contacts_tri (contacts_tri) VALUES ('rebuild');

CREATE TRIGGER contacts_tri_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_tri (rowid, name, org, title, address, fnote)
    VALUES (new.id, new.name, new.org, new.title, new.address, new.fnote);
END;

CREATE TRIGGER contacts_tri_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_tri (contacts_tri, rowid, name, org, title,
                              address, fnote)
    VALUES ('delete', old.id, old.name, old.org, old.title, old.address,
            old.fnote);
END;

CREATE TRIGGER contacts_tri_update
AFTER UPDATE OF name, org, title, address, fnote ON contacts BEGIN
    INSERT INTO contacts_tri (contacts_tri, rowid, name, org, title,
                              address, fnote)
    VALUES ('delete', old.id, old.name, old.org, old.title, old.address,
            old.fnote);
    INSERT INTO contacts_tri (rowid, name, org, title, address, fnote)
    VALUES (new.id, new.name, new.org, new.title, new.address, new.fnote);
END;

-- Trigrams cannot match one or two characters ("伟", "张伟"), the common
-- search for a Chinese name. The store (cardstore_contacts.c) writes each
-- CJK character of the name (cjk_name) and of the other text fields
-- (cjk_other) as a word of its own, "0" standing between characters that
-- were not adjacent, so that unicode61 indexes single characters and a
-- phrase finds a pair.
ALTER TABLE contacts ADD COLUMN cjk_name TEXT;
ALTER TABLE contacts ADD COLUMN cjk_other TEXT;

CREATE VIRTUAL TABLE contacts_uni USING fts5 (
    cjk_name, cjk_other,
    content = 'contacts', content_rowid = 'id',
    tokenize = 'unicode61'
);

-- Every contact gets its (empty) entry, which the store's first fill
-- replaces.
INSERT INTO contacts_uni (contacts_uni) VALUES ('rebuild');

CREATE TRIGGER contacts_uni_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_uni (rowid, cjk_name, cjk_other)
    VALUES (new.id, new.cjk_name, new.cjk_other);
END;

CREATE TRIGGER contacts_uni_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_uni (contacts_uni, rowid, cjk_name, cjk_other)
    VALUES ('delete', old.id, old.cjk_name, old.cjk_other);
END;

CREATE TRIGGER contacts_uni_update AFTER UPDATE OF cjk_name, cjk_other
ON contacts BEGIN
    INSERT INTO contacts_uni (contacts_uni, rowid, cjk_name, cjk_other)
    VALUES ('delete', old.id, old.cjk_name, old.cjk_other);
    INSERT INTO contacts_uni (rowid, cjk_name, cjk_other)
    VALUES (new.id, new.cjk_name, new.cjk_other);
END;

-- Work SQL cannot do, left for the store's next open: filling cjk_name and
-- cjk_other of the contacts saved before this migration.
CREATE TABLE store_todo (
    what TEXT PRIMARY KEY
) WITHOUT ROWID;
INSERT INTO store_todo (what) VALUES ('cjk_chars');
