/* What the store's files share: the statements, the struct and its call
 * helpers. Private to component/store*.c. */
#ifndef CARDX_COMPONENT_STORE_INT_H
#define CARDX_COMPONENT_STORE_INT_H

#include "component/db.h"
#include "component/store.h"

/* One prepared statement per operation; their SQL is in store_sql.c. */
enum store_op {
    OP_BEGIN,
    OP_COMMIT,
    OP_ROLLBACK,
    OP_USER_SET_PHONE,
    OP_USER_INSERT,
    OP_USER_PHONE,
    OP_USER_JID,
    OP_USER_REMOVE,
    OP_USER_PAGE,
    OP_CARD_SET,
    OP_CARD_GET,
    OP_INBOX_PUSH,
    OP_INBOX_LIST,
    OP_INBOX_COUNT,
    OP_INBOX_MARK,
    OP_INBOX_REQUEUE,
    OP_INBOX_HANDED_FIRST,
    OP_INBOX_HANDED_BEFORE,
    OP_INBOX_TAKE,
    OP_INBOX_DELETE,
    OP_INBOX_DROP_SENDER,
    OP_INBOX_COUNT_NUMBER,
    OP_INBOX_SENDER,
    OP_INBOX_REPLACE,
    OP_INBOX_CREATED_FIRST,
    OP_INBOX_CREATED_BEFORE,
    OP_WINDOW_GET,
    OP_WINDOW_SET,
    OP_WINDOW_PRUNE,
    OP_LOOKUP_GET,
    OP_LOOKUP_SET,
    OP_LOOKUP_FORGET,
    OP_LOOKUP_PRUNE,
    OP_BLOCK_ADD,
    OP_BLOCK_REMOVE,
    OP_BLOCK_LIST,
    OP_BLOCK_CHECK,
    OP_ONLINE_ADD,
    OP_ONLINE_TOUCH,
    OP_ONLINE_REMOVE,
    OP_ONLINE_RECEIPTS,
    OP_ONLINE_GET,
    OP_ONLINE_COUNT,
    OP_ONLINE_LIST,
    OP_ONLINE_CLEAR,
    OP_USER_PROVE,
    OP_VERIFY_KEY_PUT,
    OP_VERIFY_KEY_GET,
    OP_VERIFY_CLAIM_PUT,
    OP_VERIFY_ISSUED_ADD,
    OP_VERIFY_CLAIM_GET,
    OP_VERIFY_CLAIM_FAIL,
    OP_VERIFY_CLAIM_DROP,
    OP_VERIFY_CLAIM_LATEST,
    OP_VERIFY_ISSUED_PHONE,
    OP_VERIFY_ISSUED_JID,
    OP_VERIFY_PRUNE_ISSUED,
    OP_VERIFY_PRUNE_CLAIMS,
    OP_REPORT_USERS,
    OP_REPORT_INBOX,
    OP_REPORT_BY_PHONE,
    OP_REPORT_BY_JID,
    OP_REPORT_PURGE,
    OP_REPORT_BLOCKED,
    OP_REPORT_LIMITED,
    OP_CONSENT_MODE_GET,
    OP_CONSENT_MODE_SET,
    OP_CONSENT_KNOWN,
    OP_CONSENT_CONTACTS_CLEAR,
    OP_CONSENT_NUMBER_ADD,
    OP_CONSENT_SET_HELD,
    OP_CONSENT_HELD_LIST,
    OP_CONSENT_HELD_SENDER,
    OP_CONSENT_RELEASE,
    OP_CONSENT_DECLINE,
    OP_CONSENT_HELD_COUNT,
    OP_SHARE_PUT,
    OP_SHARE_LIST,
    OP_SHARE_ADVANCE,
    OP_SHARE_UPDATES,
    OP_UPDATE_UPSERT,
    OP_UPDATE_PENDING,
    OP_UPDATE_DROP,
    OP_PROFILE_PUT,
    OP_PROFILE_GET,
    OP_PROFILE_DEFAULT,
    OP_PROFILE_SET_DEFAULT,
    OP_PROFILE_DELETE,
    OP_PROFILE_LIST,
    OP_USER_LANG_SEEN,
    OP_USER_LANG_CHOOSE,
    OP_USER_LANG,
    OP_USER_LANG_CHOICE,
    /* Instances sharing the database (store_inst_sql.h). */
    OP_INSTANCE_BEAT,
    OP_INSTANCE_LEAVE,
    OP_INSTANCE_DEAD,
    OP_INSTANCE_TAKE,
    OP_INSTANCE_RELEASE,
    OP_INSTANCE_LIVE,
    OP_INBOX_CLAIM,
    OP_INBOX_CLAIM_ALL,
    OP_INBOX_MARK_CLAIMED,
    OP_INBOX_UNCLAIM,
    OP_INBOX_UNCLAIM_ALL,
    OP_INBOX_CLAIMANT,
    OP_INBOX_MISSED,
    OP_WINDOW_SWAP,
    OP_WINDOW_FIRST,
    OP_WINDOW_UNCOUNT,
    OP_ANSWER_PUT,
    OP_ANSWER_TAKE,
    OP_ANSWER_PRUNE,
    OP_ADHOC_OPEN,
    OP_ADHOC_TRIM,
    OP_ADHOC_PRUNE,
    OP_ADHOC_FIND,
    OP_ADHOC_TAKE,
    OP_COUNT
};

/* The inbox columns store_item_read (store_inbox.c) expects, in its order;
 * the statements of store_sql.c select them. */
#define INBOX_COLUMNS                                                          \
    "seq, card_id, sender_phone, sender_jid, vcard, note, created_at, "        \
    "attempts, receipt_to, receipt_id, handed_at, recipient_phone, "           \
    "updates, changed"

/* The statements (store_sql.c): store_sql_common in the SQL every driver
 * speaks, and per driver the entries whose dialect differs (NULL where it
 * does not). */
extern const char *const store_sql_common[OP_COUNT];
extern const char *const store_sql_sqlite[OP_COUNT];
extern const char *const store_sql_pg[OP_COUNT];
/* PostgreSQL's SQL for each new connection (store_sql_pg.c). */
extern const char store_sql_pg_setup[];

/* Fills sql with drv's statement for each operation (its override, else
 * the common one; all static) and returns the SQL drv runs once at open
 * (static), or NULL. */
const char *store_sql_for(const struct db_driver *drv,
                          const char *sql[OP_COUNT]);

struct store {
    struct db *db;
    /* What db was opened with: the driver may prepare it again. */
    const char *sql[OP_COUNT];
    /* Set when the last call failed for a reason of ours, not the
     * database's. */
    const char *msg;
    int damaged; /* a call found the file damaged (store_damaged()) */
    /* The instance this process is: owns the sessions it records and the
     * claims it makes (store_instance_set()). */
    char *instance;
};

/* Starts a call with op's statement, forgetting the last failure of ours. */
struct db_stmt *store_stmt(struct store *st, enum store_op op);

/* Records msg (static) as the reason of this call's failure; returns code. */
int store_fail(struct store *st, int code, const char *msg);

/* Runs op, a statement without parameters nor rows. */
int store_exec(struct store *st, enum store_op op);

/* Runs s, a statement whose rows (if any) are not wanted, once, then ends
 * the call. rc is the result of binding s: when negative, s is only
 * reset. Returns 0 or the first failure. */
int store_run(struct db_stmt *s, int rc);

/* store_run() for a write that must touch a row: STORE_ENOTFOUND with
 * notfound as the message if none. */
int store_write(struct store *st, struct db_stmt *s, int rc,
                const char *notfound);

/* Steps s, whose binding gave rc, to its first row. Returns 1 with s on
 * that row, 0 when there is none, or a negative code; in every case the
 * call ends with store_end(). */
int store_step(struct db_stmt *s, int rc);

/* Ends a call on s: resets it and clears its bindings. Returns ret when it
 * is negative (the first failure wins), else 0 or the reset's failure. */
int store_end(struct db_stmt *s, int ret);

/* Copies text column col of the current row into *out (NULL for NULL), the
 * caller's to free(). Returns 0 or STORE_ENOMEM. */
int store_column_dup(struct store *st, struct db_stmt *s, int col, char **out);

/* Runs op (one text parameter, key) for its single text column, copied
 * into *out for the caller to free(). STORE_ENOTFOUND with notfound as the
 * message when there is no row. */
int store_get_text(struct store *st, enum store_op op, const char *key,
                   char **out, const char *notfound);

#endif
