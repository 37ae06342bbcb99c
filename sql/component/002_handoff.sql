-- 002_handoff.sql: a card handed only to clients that never acknowledge
-- stays, and is retired only when its grace period has passed.

-- Unix milliseconds of the first hand-off to resources none of which was
-- known to acknowledge; NULL while the card waits, or once it went to a
-- resource that acknowledges (then only an acknowledgement retires it).
ALTER TABLE inbox ADD COLUMN handed_at INTEGER;

-- The grace timer reads the oldest hand-off and the cards past it.
CREATE INDEX inbox_handed ON inbox (handed_at) WHERE handed_at IS NOT NULL;
