-- 002_instances.sql: several cardxd instances on one database (as
-- sql/component/009_instances.sql for SQLite). Who is online lives in
-- shared sessions owned by the instance that saw the presence; each
-- instance holds a lease it renews by heartbeat, so that another can take
-- over a dead one's sessions; an inbox row is claimed by the instance
-- delivering it.
CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL, -- unix ms
    lease_until BIGINT NOT NULL -- unix ms; past it, the instance is dead
);
CREATE TABLE sessions (
    full_jid TEXT PRIMARY KEY,
    bare_jid TEXT NOT NULL,
    receipts INTEGER NOT NULL DEFAULT -1, -- -1 unknown, 0 no, 1 yes
    instance TEXT NOT NULL,               -- the owner: saw it last
    updated_at BIGINT NOT NULL            -- unix ms of its last presence
);
CREATE INDEX sessions_bare ON sessions (bare_jid);
CREATE INDEX sessions_instance ON sessions (instance);
CREATE INDEX sessions_updated ON sessions (updated_at);
-- A card being delivered: by whom, and until when (unix ms) that holds.
ALTER TABLE inbox ADD COLUMN claimed_by TEXT;
ALTER TABLE inbox ADD COLUMN claim_until BIGINT;
-- An answer to a question one instance asked (a user's vCard) that the
-- server handed to another: kept for the asker to pick up.
CREATE TABLE answers (
    id TEXT NOT NULL,       -- the id of the asker's iq
    from_jid TEXT NOT NULL, -- whom it asked
    payload TEXT NOT NULL,  -- the answer, as XML
    received_at BIGINT NOT NULL, -- unix ms
    PRIMARY KEY (id, from_jid)
);
CREATE INDEX answers_received ON answers (received_at);
