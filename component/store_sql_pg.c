/* PostgreSQL's dialect of the store's statements: the entries of
 * store_sql_common (store_sql.c) PostgreSQL cannot take as written, and
 * the SQL each new connection runs. Most differences are types: where a
 * parameter's type cannot be inferred (a SELECT list, a CASE of
 * parameters) it gets a cast; SQLite's booleans are integers here. */
#include <stddef.h>

#include "component/store_int.h"

#define RECIPIENT_PHONE "(SELECT phone FROM users WHERE jid = ?2)"
#define SHARE_USER_ID "(SELECT id FROM users WHERE jid = ?1)"
/* The limit of window kind ?1..?3 (0: unlimited), as a number. */
#define KIND_LIMIT                                                             \
    "CASE kind WHEN 0 THEN ?1::bigint WHEN 1 THEN ?2::bigint "                 \
    "ELSE ?3::bigint END"

const char *const store_sql_pg[OP_COUNT] = {
    /* The WHERE keeps the parser from reading ON CONFLICT as a join. */
    [OP_CARD_SET] = "INSERT INTO cards (user_id, vcard, updated_at) "
                    "SELECT id, ?2::text, ?3::bigint FROM users WHERE jid = ?1 "
                    "ON CONFLICT (user_id) DO UPDATE SET "
                    "vcard = excluded.vcard, updated_at = excluded.updated_at",
    [OP_INBOX_PUSH] =
        "INSERT INTO inbox (card_id, recipient_phone, "
        "sender_phone, sender_jid, vcard, note, created_at, "
        "attempts, receipt_to, receipt_id, held) "
        "SELECT ?1::text, p, ?3::text, ?4::text, ?5::text, ?6::text, "
        "?7::bigint, ?8::integer, ?9::text, ?10::text, ?12::integer "
        "FROM (SELECT coalesce(?11::text, " RECIPIENT_PHONE ") AS p) AS r "
        "WHERE p IS NOT NULL RETURNING seq",
    [OP_INBOX_MARK] = "UPDATE inbox SET attempts = attempts + 1, "
                      "handed_at = CASE WHEN ?2::bigint IS NULL THEN NULL "
                      "ELSE coalesce(handed_at, ?2::bigint) END "
                      "WHERE card_id = ?1",
    [OP_INBOX_MARK_CLAIMED] =
        "UPDATE inbox SET attempts = attempts + 1, "
        "handed_at = CASE WHEN ?4::bigint IS NULL THEN NULL "
        "ELSE coalesce(handed_at, ?4::bigint) END WHERE recipient_phone = "
        "(SELECT phone FROM users WHERE jid = ?1) AND claimed_by = ?2 AND "
        "claim_until = ?3",
    [OP_BLOCK_ADD] =
        "INSERT INTO blocks (user_id, phone, created_at) "
        "SELECT id, ?2::text, ?3::bigint FROM users WHERE jid = ?1 "
        "ON CONFLICT (user_id, phone) DO NOTHING",
    [OP_CONSENT_MODE_SET] = "INSERT INTO consent (user_id, mode) "
                            "SELECT id, ?2::integer FROM users WHERE jid = ?1 "
                            "ON CONFLICT (user_id) DO UPDATE SET "
                            "mode = excluded.mode",
    [OP_CONSENT_NUMBER_ADD] = "INSERT INTO consent_numbers (user_id, phone, "
                              "kind) SELECT id, ?2::text, ?3::integer "
                              "FROM users WHERE jid = ?1 "
                              "ON CONFLICT DO NOTHING",
    [OP_VERIFY_CLAIM_DROP] = "DELETE FROM verify_claims WHERE jid = ?1 AND "
                             "phone = ?2 AND (?3::bytea IS NULL OR "
                             "hash = ?3::bytea)",
    [OP_REPORT_LIMITED] =
        "SELECT jid, kind, until FROM (SELECT jid, kind, used, "
        "started_at + CASE kind WHEN 0 THEN 60000 "
        "ELSE 86400000 END AS until FROM send_windows) AS w "
        "WHERE until > ?4 AND used >= " KIND_LIMIT " AND " KIND_LIMIT
        " > 0 ORDER BY jid, kind LIMIT ?5",
    [OP_PROFILE_SET_DEFAULT] = "UPDATE profiles SET is_default = CASE WHEN "
                               "?2::text IS NOT NULL AND name = ?2::text "
                               "THEN 1 ELSE 0 END "
                               "WHERE user_id = " SHARE_USER_ID,
    [OP_PROFILE_PUT] = "INSERT INTO profiles (user_id, name, fields) "
                       "SELECT id, ?2::text, ?3::text FROM users "
                       "WHERE jid = ?1 ON CONFLICT (user_id, name) DO UPDATE "
                       "SET fields = excluded.fields",
};

/* Nothing to set up per connection: who is online lives in the shared
 * sessions table (sql/component-pg/002_instances.sql). Empty rather than
 * absent, so that a setup added later has its place. */
const char store_sql_pg_setup[] = "";
