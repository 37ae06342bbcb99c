-- 002_trigram.sql: a substring index over the contacts, so that a search
-- finds a name written without spaces (Chinese, Japanese, Korean) by any of
-- its parts: contacts_fts's unicode61 tokenizer makes "张伟" one token that
-- only "张" (a prefix) finds, never "伟".
--
-- contacts_fts stays for every search it serves today (word prefixes,
-- accents ignored, numbers by their digits); cardstore_search.c sends a
-- search with CJK text here. Trigrams match substrings of three characters
-- or more; shorter words, and words without such text (numbers, email
-- addresses, Latin names), are looked for by LIKE in the contacts the
-- other words found, or by a scan (cardstore_substr.c). So numbers and
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
