/* The SQL of cardxd's store: one table of statements, one per store
 * operation, written in the SQL every driver speaks (parameters ?N), and
 * per driver the few entries whose dialect differs. The store picks each
 * statement at open (store_sql_for) and hands the list to its driver. */
#include <stddef.h>
#include <string.h>

#include "buildconf.h"
#include "component/store_int.h"
#include "component/store_inst_sql.h"
#include "component/store_share_sql.h"

/* The inbox is keyed by number: a JID's cards are its number's. */
#define RECIPIENT_PHONE "(SELECT phone FROM users WHERE jid = ?2)"
#define RECIPIENT_PHONE_1 "(SELECT phone FROM users WHERE jid = ?1)"

/* Every statement in the SQL both SQLite and PostgreSQL accept. */
const char *const store_sql_common[OP_COUNT] = {
    [OP_BEGIN] = "BEGIN",
    [OP_COMMIT] = "COMMIT",
    [OP_ROLLBACK] = "ROLLBACK",
    /* A new number is unproven until store_user_prove(). */
    [OP_USER_SET_PHONE] = "UPDATE users SET phone = ?1, proven_at = CASE "
                          "WHEN phone = ?1 THEN proven_at END WHERE jid = ?2",
    [OP_USER_INSERT] = "INSERT INTO users (phone, jid, registered_at) "
                       "VALUES (?1, ?2, ?3)",
    [OP_USER_PHONE] = "SELECT phone FROM users WHERE jid = ?1",
    [OP_USER_JID] = "SELECT jid FROM users WHERE phone = ?1",
    [OP_USER_REMOVE] = "DELETE FROM users WHERE jid = ?1",
    [OP_USER_LANG_SEEN] = "UPDATE users SET lang_seen = ?2 WHERE jid = ?1 "
                          "AND lang_seen IS DISTINCT FROM ?2",
    [OP_USER_LANG_CHOOSE] = "UPDATE users SET lang_choice = ?2 WHERE jid = ?1",
    [OP_USER_LANG] = "SELECT coalesce(lang_choice, lang_seen) FROM users "
                     "WHERE jid = ?1",
    [OP_USER_LANG_CHOICE] = "SELECT lang_choice FROM users WHERE jid = ?1",
    [OP_USER_PAGE] = "SELECT id, jid, phone FROM users WHERE id > ?1 "
                     "ORDER BY id LIMIT ?2",
    /* The WHERE keeps the parser from reading ON CONFLICT as a join. */
    [OP_CARD_SET] = "INSERT INTO cards (user_id, vcard, updated_at) "
                    "SELECT id, ?2, ?3 FROM users WHERE jid = ?1 "
                    "ON CONFLICT (user_id) DO UPDATE SET "
                    "vcard = excluded.vcard, updated_at = excluded.updated_at",
    [OP_CARD_GET] = "SELECT c.vcard FROM cards c "
                    "JOIN users u ON u.id = c.user_id WHERE u.jid = ?1",
    /* ?11, the number, or else the number of the JID ?2: no row when
     * neither gives one. */
    [OP_INBOX_PUSH] =
        "INSERT INTO inbox (card_id, recipient_phone, "
        "sender_phone, sender_jid, vcard, note, created_at, "
        "attempts, receipt_to, receipt_id, held) "
        "SELECT ?1, p, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?12 "
        "FROM (SELECT coalesce(?11, " RECIPIENT_PHONE ") AS p) AS r "
        "WHERE p IS NOT NULL RETURNING seq",
    /* A held card (a consent request) waits for its recipient's yes. */
    [OP_INBOX_LIST] = "SELECT " INBOX_COLUMNS " FROM inbox WHERE "
                      "recipient_phone = "
                      "(SELECT phone FROM users WHERE jid = ?1) AND held = 0 "
                      "ORDER BY seq",
    [OP_INBOX_COUNT] = "SELECT count(*) FROM inbox WHERE recipient_phone = "
                       "(SELECT phone FROM users WHERE jid = ?1)",
    /* ?2 NULL: it reached a resource that acknowledges, so only an ack
     * retires it; else the first hand-off starts the grace period. */
    [OP_INBOX_MARK] = "UPDATE inbox SET attempts = attempts + 1, "
                      "handed_at = CASE WHEN ?2 IS NULL THEN NULL "
                      "ELSE coalesce(handed_at, ?2) END WHERE card_id = ?1",
    /* A bounce: the delivery reached nobody, so it does not count. */
    [OP_INBOX_REQUEUE] = "UPDATE inbox SET handed_at = NULL, "
                         "attempts = CASE WHEN attempts > 0 THEN attempts - 1 "
                         "ELSE 0 END WHERE "
                         "card_id = ?1 AND recipient_phone = " RECIPIENT_PHONE,
    [OP_INBOX_HANDED_FIRST] = "SELECT min(handed_at) FROM inbox "
                              "WHERE handed_at IS NOT NULL",
    [OP_INBOX_HANDED_BEFORE] = "SELECT u.jid, i.card_id FROM inbox i "
                               "JOIN users u ON u.phone = i.recipient_phone "
                               "WHERE i.handed_at IS NOT NULL AND "
                               "i.handed_at <= ?1 ORDER BY i.handed_at "
                               "LIMIT ?2",
    /* The recipient by number ?3, or else by the number of the JID ?2. */
    /* Deletes and reads in one statement: one round trip per ack. */
    [OP_INBOX_TAKE] = "DELETE FROM inbox WHERE "
                      "card_id = ?1 AND recipient_phone = "
                      "coalesce(?3, " RECIPIENT_PHONE ") "
                      "RETURNING " INBOX_COLUMNS,
    [OP_INBOX_DELETE] = "DELETE FROM inbox WHERE "
                        "card_id = ?1 AND recipient_phone = "
                        "coalesce(?3, " RECIPIENT_PHONE ")",
    [OP_INBOX_DROP_SENDER] = "DELETE FROM inbox WHERE sender_phone = ?1 AND "
                             "recipient_phone = " RECIPIENT_PHONE,
    /* By number: a card held for a number nobody has proved counts too. */
    [OP_INBOX_COUNT_NUMBER] = "SELECT count(*) FROM inbox "
                              "WHERE recipient_phone = ?1",
    [OP_INBOX_SENDER] = "SELECT card_id FROM inbox WHERE recipient_phone = ?1 "
                        "AND sender_jid = ?2",
    /* The latest card wins and is a new delivery: it keeps only its id
     * (and place), so that clients dedupe. */
    /* A card some client may already hold (handed out, not acknowledged)
     * takes the fresh id ?9: a late ack of the old content must not retire
     * the new one. */
    [OP_INBOX_REPLACE] = "UPDATE inbox SET card_id = CASE WHEN attempts > 0 "
                         "OR handed_at IS NOT NULL THEN ?9 ELSE card_id END, "
                         "sender_phone = ?3, vcard = ?4, "
                         "note = ?5, created_at = ?6, attempts = 0, "
                         "handed_at = NULL, receipt_to = ?7, "
                         "receipt_id = ?8, updates = NULL, changed = NULL, "
                         "claimed_by = NULL, claim_until = NULL, held = ?10 "
                         "WHERE card_id = ?1 AND recipient_phone = ?2 "
                         "RETURNING card_id",
    [OP_INBOX_CREATED_FIRST] = "SELECT min(created_at) FROM inbox",
    /* By number: held cards expire too. */
    [OP_INBOX_CREATED_BEFORE] = "SELECT recipient_phone, card_id FROM inbox "
                                "WHERE created_at < ?1 "
                                "ORDER BY created_at LIMIT ?2",
    [OP_WINDOW_GET] = "SELECT started_at, used FROM send_windows "
                      "WHERE jid = ?1 AND kind = ?2",
    [OP_WINDOW_SET] = "INSERT INTO send_windows (jid, kind, started_at, used) "
                      "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (jid, kind) DO "
                      "UPDATE SET started_at = excluded.started_at, "
                      "used = excluded.used",
    [OP_WINDOW_PRUNE] = "DELETE FROM send_windows WHERE started_at < ?1",
    [OP_LOOKUP_GET] = "SELECT window_start FROM send_lookups "
                      "WHERE jid = ?1 AND phone = ?2",
    [OP_LOOKUP_SET] = "INSERT INTO send_lookups (jid, phone, window_start) "
                      "VALUES (?1, ?2, ?3) ON CONFLICT (jid, phone) DO "
                      "UPDATE SET window_start = excluded.window_start",
    [OP_LOOKUP_FORGET] = "DELETE FROM send_lookups "
                         "WHERE jid = ?1 AND window_start < ?2",
    [OP_LOOKUP_PRUNE] = "DELETE FROM send_lookups WHERE window_start < ?1",
    /* The WHERE keeps the parser from reading ON CONFLICT as a join. */
    [OP_BLOCK_ADD] = "INSERT INTO blocks (user_id, phone, created_at) "
                     "SELECT id, ?2, ?3 FROM users WHERE jid = ?1 "
                     "ON CONFLICT (user_id, phone) DO NOTHING",
    [OP_BLOCK_REMOVE] = "DELETE FROM blocks WHERE phone = ?2 AND user_id = "
                        "(SELECT id FROM users WHERE jid = ?1)",
    [OP_BLOCK_LIST] = "SELECT b.phone FROM blocks b "
                      "JOIN users u ON u.id = b.user_id WHERE u.jid = ?1 "
                      "ORDER BY b.phone",
    [OP_BLOCK_CHECK] = "SELECT count(*) FROM blocks b "
                       "JOIN users u ON u.id = b.user_id "
                       "WHERE u.phone = ?1 AND b.phone = ?2",
    [OP_CONSENT_MODE_GET] = "SELECT c.mode FROM consent c "
                            "JOIN users u ON u.id = c.user_id "
                            "WHERE u.phone = ?1",
    /* The WHERE keeps the parser from reading ON CONFLICT as a join. */
    [OP_CONSENT_MODE_SET] = "INSERT INTO consent (user_id, mode) "
                            "SELECT id, ?2 FROM users WHERE jid = ?1 "
                            "ON CONFLICT (user_id) DO UPDATE SET "
                            "mode = excluded.mode",
    [OP_CONSENT_KNOWN] = "SELECT count(*) FROM consent_numbers n "
                         "JOIN users u ON u.id = n.user_id "
                         "WHERE u.phone = ?1 AND n.phone = ?2",
    [OP_CONSENT_CONTACTS_CLEAR] = "DELETE FROM consent_numbers WHERE kind = 0 "
                                  "AND user_id = (SELECT id FROM users "
                                  "WHERE jid = ?1)",
    [OP_CONSENT_NUMBER_ADD] = "INSERT INTO consent_numbers (user_id, phone, "
                              "kind) SELECT id, ?2, ?3 FROM users "
                              "WHERE jid = ?1 ON CONFLICT DO NOTHING",
    [OP_CONSENT_SET_HELD] = "UPDATE inbox SET held = ?2 WHERE card_id = ?1",
    [OP_CONSENT_HELD_LIST] =
        "SELECT card_id, sender_phone, vcard, note, "
        "created_at FROM inbox WHERE held = 1 AND "
        "recipient_phone = " RECIPIENT_PHONE_1 " ORDER BY seq",
    [OP_CONSENT_HELD_SENDER] = "SELECT sender_phone FROM inbox WHERE "
                               "held = 1 AND card_id = ?2 AND "
                               "recipient_phone = " RECIPIENT_PHONE_1,
    [OP_CONSENT_RELEASE] =
        "UPDATE inbox SET held = 0 WHERE held = 1 AND "
        "card_id = ?2 AND recipient_phone = " RECIPIENT_PHONE_1,
    [OP_CONSENT_DECLINE] =
        "DELETE FROM inbox WHERE held = 1 AND "
        "card_id = ?2 AND recipient_phone = " RECIPIENT_PHONE_1,
    [OP_CONSENT_HELD_COUNT] = "SELECT count(*) FROM inbox WHERE held = 1 "
                              "AND recipient_phone = " RECIPIENT_PHONE_1,
    [OP_USER_PROVE] = "UPDATE users SET proven_at = ?2 WHERE jid = ?1",
    [OP_VERIFY_KEY_PUT] = "INSERT INTO verify_key (id, key) VALUES (1, ?1) "
                          "ON CONFLICT (id) DO NOTHING",
    [OP_VERIFY_KEY_GET] = "SELECT key FROM verify_key WHERE id = 1",
    /* A new code replaces the claim's old one, with its tries. */
    [OP_VERIFY_CLAIM_PUT] = "INSERT INTO verify_claims (jid, phone, hash, "
                            "issued_at, expires_at, tries) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, 0) "
                            "ON CONFLICT (jid, phone) DO UPDATE SET "
                            "hash = excluded.hash, "
                            "issued_at = excluded.issued_at, "
                            "expires_at = excluded.expires_at, tries = 0",
    [OP_VERIFY_ISSUED_ADD] = "INSERT INTO verify_issued (jid, phone, "
                             "issued_at) VALUES (?1, ?2, ?3)",
    [OP_VERIFY_CLAIM_GET] = "SELECT hash, issued_at, expires_at, tries FROM "
                            "verify_claims WHERE jid = ?1 AND phone = ?2",
    [OP_VERIFY_CLAIM_FAIL] = "UPDATE verify_claims SET tries = tries + 1 "
                             "WHERE jid = ?1 AND phone = ?2",
    /* ?3 NULL drops whatever code the claim has. */
    [OP_VERIFY_CLAIM_DROP] = "DELETE FROM verify_claims WHERE jid = ?1 AND "
                             "phone = ?2 AND (?3 IS NULL OR hash = ?3)",
    [OP_VERIFY_CLAIM_LATEST] = "SELECT phone FROM verify_claims WHERE "
                               "jid = ?1 AND expires_at > ?2 "
                               "ORDER BY issued_at DESC LIMIT 1",
    [OP_VERIFY_ISSUED_PHONE] = "SELECT count(*), min(issued_at) FROM "
                               "verify_issued WHERE phone = ?1 AND "
                               "issued_at > ?2",
    [OP_VERIFY_ISSUED_JID] = "SELECT count(*), min(issued_at) FROM "
                             "verify_issued WHERE jid = ?1 AND issued_at > ?2",
    [OP_VERIFY_PRUNE_ISSUED] = "DELETE FROM verify_issued "
                               "WHERE issued_at <= ?1",
    [OP_VERIFY_PRUNE_CLAIMS] = "DELETE FROM verify_claims "
                               "WHERE expires_at <= ?1",
    /* What the administrator sees and does (store_report.c). */
    [OP_REPORT_USERS] = "SELECT count(*) FROM users",
    [OP_REPORT_INBOX] = "SELECT count(*), min(created_at) FROM inbox",
    [OP_REPORT_BY_PHONE] = "SELECT jid, phone, registered_at, proven_at "
                           "FROM users WHERE phone = ?1",
    [OP_REPORT_BY_JID] = "SELECT jid, phone, registered_at, proven_at "
                         "FROM users WHERE jid = ?1",
    [OP_REPORT_PURGE] = "DELETE FROM inbox WHERE recipient_phone = ?1",
    [OP_REPORT_BLOCKED] = "SELECT phone, count(*) AS n FROM blocks "
                          "GROUP BY phone ORDER BY n DESC, phone LIMIT ?1",
    /* Windows still open whose use reached their kind's limit (?1..?3,
     * 0: unlimited) at ?4; kinds as in limits.h. */
    [OP_REPORT_LIMITED] =
        "SELECT jid, kind, until FROM (SELECT jid, kind, used, "
        "started_at + CASE kind WHEN 0 THEN 60000 "
        "ELSE 86400000 END AS until FROM send_windows) AS w "
        "WHERE until > ?4 AND used >= CASE kind WHEN 0 THEN ?1 "
        "WHEN 1 THEN ?2 ELSE ?3 END AND CASE kind WHEN 0 THEN ?1 "
        "WHEN 1 THEN ?2 ELSE ?3 END > 0 ORDER BY jid, kind LIMIT ?5",
    STORE_SHARE_SQL,
    STORE_INST_SQL,
};

/* SQLite's own: a write transaction takes the lock at BEGIN, so that two
 * writers never deadlock upgrading from a read. */
const char *const store_sql_sqlite[OP_COUNT] = {
    [OP_BEGIN] = "BEGIN IMMEDIATE",
};

/* Each driver's overrides and setup, by the driver's name. */
static const struct {
    const char *driver;
    const char *const *overrides;
    const char *setup;
} store_dialects[] = {
    {"sqlite", store_sql_sqlite, NULL},
#ifdef HAVE_LIBPQ
    {"postgresql", store_sql_pg, store_sql_pg_setup},
#endif
};

const char *store_sql_for(const struct db_driver *drv,
                          const char *sql[OP_COUNT])
{
    const char *const *over = NULL;
    const char *setup = NULL;

    for (size_t i = 0; i < sizeof store_dialects / sizeof store_dialects[0];
         i++)
        if (strcmp(store_dialects[i].driver, drv->name) == 0) {
            over = store_dialects[i].overrides;
            setup = store_dialects[i].setup;
        }
    for (size_t op = 0; op < OP_COUNT; op++)
        sql[op] = over && over[op] ? over[op] : store_sql_common[op];
    return setup;
}
