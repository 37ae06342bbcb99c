/* The statements of store_session.c, store_claim.c, store_window.c and
 * store_adhoc.c (who is online, the instances' leases, claims on cards,
 * send counts written by compare-and-set, ad-hoc runs), in the SQL that SQLite and PostgreSQL both
 * speak, kept apart so that store_sql.c's table takes them in one line.
 * Private to store_sql.c.
 *
 * Why they read as they do:
 * - ONLINE_ADD then ONLINE_TOUCH: a known resource seen again by this
 *   instance (?3) becomes its own, so its session survives a takeover of
 *   the instance that saw it first.
 * - ONLINE_RECEIPTS: what a resource did (ack) outweighs what it said
 *   (disco#info).
 * - ONLINE_CLEAR: only this instance's; the others' users are online.
 * - INSTANCE_DEAD: instances other than ?2 whose lease ran out at ?1,
 *   and owners of sessions that never had one (died before their first
 *   heartbeat).
 * - INSTANCE_TAKE, INSTANCE_RELEASE: the rows one instance deletes or
 *   frees are its alone (RETURNING): two taking over one dead instance
 *   share its users, never repeat them.
 * - INBOX_CLAIM: won when nobody holds the card, this instance (?2) does,
 *   or the hold ran out (?3): one UPDATE, so of two instances one wins.
 * - INBOX_MISSED: never-delivered cards whose recipient is online, where
 *   the card or the session came after ?1 (unix ms; ?5 in unix s, as
 *   cards are stamped) and both before ?4 (?6): what a race between two
 *   instances' transactions may have left undelivered.
 * - ANSWER_TAKE: the answer is the asker's once (RETURNING).
 * - ADHOC_TAKE: of two instances given one submitted form, one runs the
 *   command (RETURNING); ADHOC_TRIM keeps an owner's newest ?2 runs.
 * - WINDOW_SWAP, WINDOW_FIRST: a send's count, written only over the
 *   window it was read from (?5, ?6), or where none was: two instances
 *   counting at once cannot both write over the same count. */
#ifndef CARDX_COMPONENT_STORE_INST_SQL_H
#define CARDX_COMPONENT_STORE_INST_SQL_H

/* clang-format off */
#define STORE_INST_SQL                                                         \
    [OP_ONLINE_ADD] = "INSERT INTO sessions (full_jid, bare_jid, instance, "   \
        "updated_at) VALUES (?1, ?2, ?3, ?4) "                                 \
        "ON CONFLICT (full_jid) DO NOTHING",                                   \
    [OP_ONLINE_TOUCH] = "UPDATE sessions SET instance = ?2, updated_at = ?3 "  \
        "WHERE full_jid = ?1",                                                 \
    [OP_ONLINE_REMOVE] = "DELETE FROM sessions WHERE full_jid = ?1",           \
    [OP_ONLINE_RECEIPTS] = "UPDATE sessions SET receipts = CASE WHEN "         \
        "receipts > ?2 THEN receipts ELSE ?2 END WHERE full_jid = ?1",         \
    [OP_ONLINE_GET] = "SELECT receipts FROM sessions WHERE full_jid = ?1",     \
    [OP_ONLINE_COUNT] = "SELECT count(*), coalesce(sum(CASE WHEN receipts > "  \
        "0 THEN 1 ELSE 0 END), 0) FROM sessions WHERE bare_jid = ?1",          \
    [OP_ONLINE_LIST] = "SELECT full_jid FROM sessions "                        \
        "WHERE bare_jid = ?1 ORDER BY full_jid",                               \
    [OP_ONLINE_CLEAR] = "DELETE FROM sessions WHERE instance = ?1",            \
    [OP_INSTANCE_BEAT] = "INSERT INTO instances (id, started_at, "             \
        "lease_until) VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE "         \
        "SET lease_until = excluded.lease_until",                              \
    [OP_INSTANCE_LEAVE] = "DELETE FROM instances WHERE id = ?1",               \
    [OP_INSTANCE_DEAD] = "SELECT id FROM instances WHERE lease_until < ?1 "    \
        "AND id <> ?2 UNION SELECT s.instance FROM sessions s "                \
        "WHERE s.instance <> ?2 AND NOT EXISTS (SELECT 1 FROM instances i "    \
        "WHERE i.id = s.instance) LIMIT ?3",                                   \
    [OP_INSTANCE_TAKE] = "DELETE FROM sessions WHERE instance = ?1 "           \
        "RETURNING bare_jid",                                                  \
    [OP_INSTANCE_RELEASE] = "UPDATE inbox SET claimed_by = NULL, "             \
        "claim_until = NULL WHERE claimed_by = ?1 RETURNING recipient_phone",  \
    [OP_INSTANCE_LIVE] = "SELECT count(*) FROM instances "                     \
        "WHERE lease_until >= ?1",                                             \
    [OP_INBOX_CLAIM] = "UPDATE inbox SET claimed_by = ?2, claim_until = ?4 "   \
        "WHERE card_id = ?1 AND (claimed_by IS NULL OR claimed_by = ?2 OR "    \
        "claim_until < ?3)",                                                   \
    /* A flush's claims in one statement: only cards it may deliver. */       \
    [OP_INBOX_CLAIM_ALL] = "UPDATE inbox SET claimed_by = ?2, "                \
        "claim_until = ?4 WHERE recipient_phone = "                            \
        "(SELECT phone FROM users WHERE jid = ?1) AND held = 0 AND "           \
        "(claimed_by IS NULL OR claimed_by = ?2 OR claim_until < ?3) "         \
        "RETURNING card_id",                                                   \
    /* A flush's marks in one statement: what it claimed and sent. */         \
    [OP_INBOX_MARK_CLAIMED] = "UPDATE inbox SET attempts = attempts + 1, "     \
        "handed_at = CASE WHEN ?4 IS NULL THEN NULL "                          \
        "ELSE coalesce(handed_at, ?4) END WHERE recipient_phone = "            \
        "(SELECT phone FROM users WHERE jid = ?1) AND claimed_by = ?2 AND "    \
        "claim_until = ?3",                                                    \
    [OP_INBOX_UNCLAIM] = "UPDATE inbox SET claimed_by = NULL, "                \
        "claim_until = NULL WHERE card_id = ?1 AND claimed_by = ?2",           \
    [OP_INBOX_UNCLAIM_ALL] = "UPDATE inbox SET claimed_by = NULL, "            \
        "claim_until = NULL WHERE claimed_by = ?1",                            \
    [OP_INBOX_CLAIMANT] = "SELECT claimed_by, claim_until FROM inbox "         \
        "WHERE card_id = ?1",                                                  \
    [OP_INBOX_MISSED] = "SELECT DISTINCT u.jid FROM inbox i "                  \
        "JOIN users u ON u.phone = i.recipient_phone "                         \
        "JOIN sessions s ON s.bare_jid = u.jid "                               \
        "WHERE i.attempts = 0 AND i.held = 0 AND "                             \
        "(i.claimed_by IS NULL OR i.claim_until < ?2) AND "                    \
        "(i.created_at >= ?5 OR s.updated_at >= ?1) AND "                      \
        "i.created_at < ?6 AND s.updated_at < ?4 LIMIT ?3",                    \
    [OP_WINDOW_SWAP] = "UPDATE send_windows SET started_at = ?3, used = ?4 "   \
        "WHERE jid = ?1 AND kind = ?2 AND started_at = ?5 AND used = ?6",      \
    [OP_WINDOW_FIRST] = "INSERT INTO send_windows (jid, kind, started_at, "    \
        "used) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (jid, kind) DO NOTHING",    \
    [OP_WINDOW_UNCOUNT] = "UPDATE send_windows SET used = used - 1 "           \
        "WHERE jid = ?1 AND kind = ?2 AND started_at = ?3 AND used > 0",       \
    [OP_ANSWER_PUT] = "INSERT INTO answers (id, from_jid, payload, "           \
        "received_at) VALUES (?1, ?2, ?3, ?4) "                                \
        "ON CONFLICT (id, from_jid) DO NOTHING",                               \
    [OP_ANSWER_TAKE] = "DELETE FROM answers WHERE id = ?1 AND from_jid = ?2 "  \
        "RETURNING payload",                                                   \
    [OP_ANSWER_PRUNE] = "DELETE FROM answers WHERE received_at < ?1",        \
    [OP_ADHOC_OPEN] = "INSERT INTO adhoc_runs (run_id, node, owner, "          \
        "expires_at) VALUES (?1, ?2, ?3, ?4)",                                 \
    [OP_ADHOC_TRIM] = "DELETE FROM adhoc_runs WHERE owner = ?1 AND run_id "    \
        "NOT IN (SELECT run_id FROM adhoc_runs WHERE owner = ?1 "              \
        "ORDER BY expires_at DESC LIMIT ?2)",                                  \
    [OP_ADHOC_PRUNE] = "DELETE FROM adhoc_runs WHERE expires_at <= ?1",        \
    [OP_ADHOC_FIND] = "SELECT expires_at FROM adhoc_runs WHERE run_id = ?1 "   \
        "AND node = ?2 AND owner = ?3",                                        \
    [OP_ADHOC_TAKE] = "DELETE FROM adhoc_runs WHERE run_id = ?1 AND node = ?2 "\
        "AND owner = ?3 RETURNING expires_at"
/* clang-format on */

#endif
