-- 008_language.sql: the language each user reads, so that what cardxd
-- tells them later (a card delivered while they were away) is in it, also
-- after a restart.

-- The xml:lang of the user's last stanza to the service, as sent
-- ("zh-CN"); NULL until one came.
ALTER TABLE users ADD COLUMN lang_seen TEXT;
-- The language the user chose (ad-hoc command "language"); NULL follows
-- lang_seen.
ALTER TABLE users ADD COLUMN lang_choice TEXT;
