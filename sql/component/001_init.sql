-- 001_init.sql: cardxd's first schema: users, their cards, the inbox.

-- One row per registered phone; a JID holds at most one number.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,        -- E.164
    jid TEXT NOT NULL UNIQUE,          -- bare JID
    registered_at INTEGER NOT NULL     -- unix seconds
);

-- The card a user publishes about themselves.
CREATE TABLE cards (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    vcard TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Cards waiting for their recipient; AUTOINCREMENT so a seq is never
-- reused, even after the newest card was taken.
CREATE TABLE inbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    card_id TEXT NOT NULL UNIQUE,
    recipient_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sender_phone TEXT NOT NULL,
    sender_jid TEXT NOT NULL,
    vcard TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    receipt_to TEXT,
    receipt_id TEXT
);

-- Delivery walks one recipient's inbox in order; also serves the cascade.
CREATE INDEX inbox_recipient ON inbox (recipient_id, seq);
