-- 002_trigram.sql: a substring index over the contacts, so that a search
-- finds a name written without spaces (Chinese, Japanese, Korean) by any of
-- its parts: contacts_fts's unicode61 tokenizer makes "张伟" one token that
-- only "张" (a prefix) finds, never "伟".
--
-- contacts_fts stays for every search it serves today (word prefixes,
-- accents ignored, numbers by their digits); cardstore_search.c sends a
-- search with CJK text here. Trigrams match substrings of three characters
-- or more; shorter words are found by a scan (cardstore_search.c).
-- SQLite >= 3.34 has the trigram tokenizer (Debian 12: 3.40).
CREATE VIRTUAL TABLE contacts_tri USING fts5 (
    name, phone_digits, email, org, title, address, fnote,
    content = 'contacts', content_rowid = 'id',
    tokenize = 'trigram'
);

-- Existing contacts are indexed now; the triggers keep it in step.
INSERT INTO contacts_tri (contacts_tri) VALUES ('rebuild');

CREATE TRIGGER contacts_tri_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_tri (rowid, name, phone_digits, email, org, title,
                              address, fnote)
    VALUES (new.id, new.name, new.phone_digits, new.email, new.org,
            new.title, new.address, new.fnote);
END;

CREATE TRIGGER contacts_tri_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_tri (contacts_tri, rowid, name, phone_digits, email,
                              org, title, address, fnote)
    VALUES ('delete', old.id, old.name, old.phone_digits, old.email, old.org,
            old.title, old.address, old.fnote);
END;

CREATE TRIGGER contacts_tri_update
AFTER UPDATE OF name, phone_digits, email, org, title, address, fnote
ON contacts BEGIN
    INSERT INTO contacts_tri (contacts_tri, rowid, name, phone_digits, email,
                              org, title, address, fnote)
    VALUES ('delete', old.id, old.name, old.phone_digits, old.email, old.org,
            old.title, old.address, old.fnote);
    INSERT INTO contacts_tri (rowid, name, phone_digits, email, org, title,
                              address, fnote)
    VALUES (new.id, new.name, new.phone_digits, new.email, new.org,
            new.title, new.address, new.fnote);
END;
