-- 003_adhoc_runs.sql: an ad-hoc command (XEP-0050) waiting for its form
-- lives in the database (as sql/component/010_adhoc_runs.sql for SQLite),
-- so that a form submitted through another cardxd instance than the one
-- that sent it continues the same run.
CREATE TABLE adhoc_runs (
    run_id TEXT PRIMARY KEY,      -- the sessionid on the wire
    node TEXT NOT NULL,           -- the command's node
    owner TEXT NOT NULL,          -- the full JID that started it
    expires_at BIGINT NOT NULL    -- unix ms; past it, the run is gone
);
CREATE INDEX adhoc_runs_owner ON adhoc_runs (owner, expires_at);
CREATE INDEX adhoc_runs_expires ON adhoc_runs (expires_at);
