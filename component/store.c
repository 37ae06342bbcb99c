/* cardxd's SQLite store: each statement is prepared once at open, then
 * every call binds, steps and resets it. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "component/store.h"
#include "sql/sqlutil.h"

/* Users read per statement run in store_user_each. */
#define STORE_USER_PAGE 64

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
    OP_INBOX_GET,
    OP_INBOX_DELETE,
    OP_SESSION_ADD,
    OP_SESSION_REMOVE,
    OP_SESSION_RECEIPTS,
    OP_SESSION_COUNT,
    OP_SESSION_LIST,
    OP_SESSION_CLEAR,
    OP_COUNT
};

/* The inbox columns store_item_read expects, in its order. */
#define INBOX_COLUMNS                                                          \
    "seq, card_id, sender_phone, sender_jid, vcard, note, created_at, "        \
    "attempts, receipt_to, receipt_id"
#define RECIPIENT_ID "(SELECT id FROM users WHERE jid = ?2)"

static const char *const store_sql[OP_COUNT] = {
    [OP_BEGIN] = "BEGIN IMMEDIATE",
    [OP_COMMIT] = "COMMIT",
    [OP_ROLLBACK] = "ROLLBACK",
    [OP_USER_SET_PHONE] = "UPDATE users SET phone = ?1 WHERE jid = ?2",
    [OP_USER_INSERT] = "INSERT INTO users (phone, jid, registered_at) "
                       "VALUES (?1, ?2, ?3)",
    [OP_USER_PHONE] = "SELECT phone FROM users WHERE jid = ?1",
    [OP_USER_JID] = "SELECT jid FROM users WHERE phone = ?1",
    [OP_USER_REMOVE] = "DELETE FROM users WHERE jid = ?1",
    [OP_USER_PAGE] = "SELECT id, jid, phone FROM users WHERE id > ?1 "
                     "ORDER BY id LIMIT ?2",
    /* The WHERE keeps the parser from reading ON CONFLICT as a join. */
    [OP_CARD_SET] = "INSERT INTO cards (user_id, vcard, updated_at) "
                    "SELECT id, ?2, ?3 FROM users WHERE jid = ?1 "
                    "ON CONFLICT (user_id) DO UPDATE SET "
                    "vcard = excluded.vcard, updated_at = excluded.updated_at",
    [OP_CARD_GET] = "SELECT c.vcard FROM cards c "
                    "JOIN users u ON u.id = c.user_id WHERE u.jid = ?1",
    [OP_INBOX_PUSH] = "INSERT INTO inbox (card_id, recipient_id, "
                      "sender_phone, sender_jid, vcard, note, created_at, "
                      "attempts, receipt_to, receipt_id) "
                      "SELECT ?1, id, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 "
                      "FROM users WHERE jid = ?2",
    [OP_INBOX_LIST] = "SELECT " INBOX_COLUMNS " FROM inbox WHERE "
                      "recipient_id = (SELECT id FROM users WHERE jid = ?1) "
                      "ORDER BY seq",
    [OP_INBOX_COUNT] = "SELECT count(*) FROM inbox WHERE "
                       "recipient_id = (SELECT id FROM users WHERE jid = ?1)",
    [OP_INBOX_MARK] = "UPDATE inbox SET attempts = attempts + 1 "
                      "WHERE card_id = ?1",
    [OP_INBOX_GET] = "SELECT " INBOX_COLUMNS " FROM inbox WHERE "
                     "card_id = ?1 AND recipient_id = " RECIPIENT_ID,
    [OP_INBOX_DELETE] = "DELETE FROM inbox WHERE "
                        "card_id = ?1 AND recipient_id = " RECIPIENT_ID,
    [OP_SESSION_ADD] = "INSERT INTO temp.sessions (full_jid, bare_jid) "
                       "VALUES (?1, ?2) ON CONFLICT (full_jid) DO NOTHING",
    [OP_SESSION_REMOVE] = "DELETE FROM temp.sessions WHERE full_jid = ?1",
    [OP_SESSION_RECEIPTS] = "UPDATE temp.sessions SET receipts = ?2 "
                            "WHERE full_jid = ?1",
    [OP_SESSION_COUNT] = "SELECT count(*), coalesce(sum(receipts), 0) "
                         "FROM temp.sessions WHERE bare_jid = ?1",
    [OP_SESSION_LIST] = "SELECT full_jid FROM temp.sessions "
                        "WHERE bare_jid = ?1 ORDER BY full_jid",
    [OP_SESSION_CLEAR] = "DELETE FROM temp.sessions",
};

/* Who is online only matters while this process runs: never persisted. */
static const char store_sessions_sql[] =
    "CREATE TEMP TABLE sessions ("
    " full_jid TEXT PRIMARY KEY,"
    " bare_jid TEXT NOT NULL,"
    " receipts INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX temp.sessions_bare ON sessions (bare_jid);";

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[OP_COUNT];
    /* Set when the last call failed for a reason of ours, not SQLite's. */
    const char *msg;
};

/* What only cardxd's store has: the sessions table and the statements. */
static int store_setup(struct store *st, const char *path, char **err)
{
    if (sqlite3_exec(st->db, store_sessions_sql, NULL, NULL, NULL) != SQLITE_OK)
        return sqlutil_fail(err, STORE_EDB, "%s: sessions table: %s", path,
                            sqlite3_errmsg(st->db));
    if (sqlutil_prepare_all(st->db, path, store_sql, OP_COUNT, st->stmt, err) <
        0)
        return STORE_EDB;
    return 0;
}

int store_open(const char *path, const char *synchronous, struct store **out,
               char **err)
{
    /* Removing a user relies on the cascade: no foreign keys, no store. */
    const struct sqlutil_spec spec = {
        .synchronous = synchronous,
        .migrations = component_migrations,
        .migrations_count = component_migrations_count,
        .need_foreign_keys = 1,
    };
    struct store *st;
    int rc;

    *out = NULL;
    *err = NULL;
    st = calloc(1, sizeof *st);
    if (!st)
        return sqlutil_fail(err, STORE_ENOMEM, "out of memory");
    rc = sqlutil_open(path, &spec, &st->db, err) < 0
             ? STORE_EDB
             : store_setup(st, path, err);
    if (rc < 0) {
        store_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

void store_free(struct store *st)
{
    int rc;
    int i;

    if (!st)
        return;
    /* finalize repeats the last step's error, already reported when it
     * happened, and always releases the statement. */
    for (i = 0; i < OP_COUNT; i++)
        (void)sqlite3_finalize(st->stmt[i]);
    /* Fails only with a statement left unfinalised: a bug here. */
    rc = sqlite3_close(st->db);
    assert(rc == SQLITE_OK);
    (void)rc;
    free(st);
}

const char *store_errmsg(const struct store *st)
{
    return st->msg ? st->msg : sqlite3_errmsg(st->db);
}

/* Starts a call with op's statement, forgetting the last failure of ours. */
static sqlite3_stmt *store_stmt(struct store *st, enum store_op op)
{
    st->msg = NULL;
    return st->stmt[op];
}

static int store_fail(struct store *st, int code, const char *msg)
{
    st->msg = msg;
    return code;
}

/* Maps a SQLite result to the store's codes. */
static int store_code(int rc)
{
    if (rc == SQLITE_OK)
        return STORE_OK;
    return rc == SQLITE_NOMEM ? STORE_ENOMEM : STORE_EDB;
}

/* Ends a call on s: resets it and drops its bindings. Returns rc, the
 * result so far, or the reset's failure if rc was SQLITE_OK. */
static int store_reset(sqlite3_stmt *s, int rc)
{
    int reset = sqlite3_reset(s);
    int clear = sqlite3_clear_bindings(s);

    if (rc != SQLITE_OK)
        return rc;
    return reset != SQLITE_OK ? reset : clear;
}

/* Steps a statement that yields no rows, given the result of binding it,
 * and resets it. Returns SQLITE_OK or the failure. */
static int store_run(sqlite3_stmt *s, int rc)
{
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    return store_reset(s, rc);
}

/* store_run for a write that must touch a row: STORE_ENOTFOUND if none. */
static int store_write(struct store *st, sqlite3_stmt *s, int rc,
                       const char *notfound)
{
    rc = store_run(s, rc);
    if (rc != SQLITE_OK)
        return store_code(rc);
    if (sqlite3_changes(st->db) == 0)
        return store_fail(st, STORE_ENOTFOUND, notfound);
    return 0;
}

/* Copies text column col of the current row into *out (NULL for NULL). */
static int store_column_dup(struct store *st, sqlite3_stmt *s, int col,
                            char **out)
{
    if (sqlutil_column_dup(s, col, out) != SQLITE_OK)
        return store_fail(st, STORE_ENOMEM, "out of memory");
    return 0;
}

/* Runs op (one text parameter) for its single text column. */
static int store_get_text(struct store *st, enum store_op op, const char *key,
                          char **out, const char *notfound)
{
    sqlite3_stmt *s = store_stmt(st, op);
    int rc = sqlutil_bind(s, 1, "t", key);
    int ret = 0;

    *out = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        ret = store_column_dup(st, s, 0, out);
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        ret = store_fail(st, STORE_ENOTFOUND, notfound);
        rc = SQLITE_OK;
    }
    rc = store_reset(s, rc);
    if (ret == 0)
        ret = store_code(rc);
    if (ret < 0) {
        free(*out);
        *out = NULL;
    }
    return ret;
}

int store_begin(struct store *st)
{
    return store_code(store_run(store_stmt(st, OP_BEGIN), SQLITE_OK));
}

int store_commit(struct store *st)
{
    return store_code(store_run(store_stmt(st, OP_COMMIT), SQLITE_OK));
}

int store_rollback(struct store *st)
{
    return store_code(store_run(store_stmt(st, OP_ROLLBACK), SQLITE_OK));
}

/* --- users --- */

int store_user_register(struct store *st, const char *phone, const char *jid,
                        int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, OP_USER_SET_PHONE);
    int rc = store_run(s, sqlutil_bind(s, 1, "tt", phone, jid));

    if (rc == SQLITE_OK && sqlite3_changes(st->db) == 0) {
        s = st->stmt[OP_USER_INSERT];
        rc = store_run(s, sqlutil_bind(s, 1, "ttl", phone, jid, now));
    }
    /* The JID's own row was just updated or absent: only the phone's
     * uniqueness can fail. */
    if (rc == SQLITE_CONSTRAINT &&
        sqlite3_extended_errcode(st->db) == SQLITE_CONSTRAINT_UNIQUE)
        return store_fail(st, STORE_ECONFLICT,
                          "the phone number belongs to another JID");
    return store_code(rc);
}

int store_user_phone(struct store *st, const char *jid, char **phone)
{
    return store_get_text(st, OP_USER_PHONE, jid, phone, "no such user");
}

int store_user_jid(struct store *st, const char *phone, char **jid)
{
    return store_get_text(st, OP_USER_JID, phone, jid, "no such number");
}

int store_user_remove(struct store *st, const char *jid)
{
    sqlite3_stmt *s = store_stmt(st, OP_USER_REMOVE);

    return store_write(st, s, sqlutil_bind(s, 1, "t", jid), "no such user");
}

struct store_user_row {
    int64_t id;
    char *jid;
    char *phone;
};

/* Reads up to STORE_USER_PAGE users with an id above after. *n counts the
 * rows to free, also on failure. */
static int store_user_page(struct store *st, int64_t after,
                           struct store_user_row *rows, size_t *n)
{
    sqlite3_stmt *s = store_stmt(st, OP_USER_PAGE);
    int rc = sqlutil_bind(s, 1, "li", after, STORE_USER_PAGE);
    int ret = 0;

    *n = 0;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    while (rc == SQLITE_ROW && ret == 0 && *n < STORE_USER_PAGE) {
        struct store_user_row *row = &rows[(*n)++];

        row->id = sqlite3_column_int64(s, 0);
        ret = store_column_dup(st, s, 1, &row->jid);
        if (ret == 0)
            ret = store_column_dup(st, s, 2, &row->phone);
        if (ret == 0)
            rc = sqlite3_step(s);
    }
    rc = store_reset(s, rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc);
    return ret != 0 ? ret : store_code(rc);
}

/* Reads a page at a time so that fn runs with no statement active and
 * may call the store itself. */
int store_user_each(struct store *st,
                    int (*fn)(void *ud, const char *jid, const char *phone),
                    void *ud)
{
    struct store_user_row rows[STORE_USER_PAGE];
    int64_t after = INT64_MIN;
    size_t n;
    size_t i;
    int ret;

    do {
        memset(rows, 0, sizeof rows);
        ret = store_user_page(st, after, rows, &n);
        for (i = 0; ret == 0 && i < n; i++)
            ret = fn(ud, rows[i].jid, rows[i].phone);
        for (i = 0; i < n; i++) {
            free(rows[i].jid);
            free(rows[i].phone);
        }
        if (n > 0)
            after = rows[n - 1].id;
    } while (ret == 0 && n == STORE_USER_PAGE);
    return ret;
}

int store_user_next_page(struct store *st, int64_t *cursor,
                         int (*fn)(void *ud, const char *jid,
                                   const char *phone),
                         void *ud)
{
    struct store_user_row rows[STORE_USER_PAGE];
    size_t n = 0, i;
    int ret;

    memset(rows, 0, sizeof rows);
    ret = store_user_page(st, *cursor, rows, &n);
    for (i = 0; ret == 0 && i < n; i++)
        fn(ud, rows[i].jid, rows[i].phone);
    for (i = 0; i < n; i++) {
        free(rows[i].jid);
        free(rows[i].phone);
    }
    if (ret < 0)
        return ret;
    if (n > 0)
        *cursor = rows[n - 1].id;
    return (int)n;
}

/* --- the user's own card --- */

int store_card_set(struct store *st, const char *jid, const char *vcard,
                   int64_t now)
{
    sqlite3_stmt *s = store_stmt(st, OP_CARD_SET);

    return store_write(st, s, sqlutil_bind(s, 1, "ttl", jid, vcard, now),
                       "no such user");
}

int store_card_get(struct store *st, const char *jid, char **vcard)
{
    return store_get_text(st, OP_CARD_GET, jid, vcard, "no card");
}

/* --- inbox --- */

int store_inbox_push(struct store *st, struct store_inbox_item *item)
{
    sqlite3_stmt *s = store_stmt(st, OP_INBOX_PUSH);
    int rc = sqlutil_bind(
        s, 1, "ttttttlitt", item->card_id, item->recipient_jid,
        item->sender_phone, item->sender_jid, item->vcard, item->note,
        item->created, item->attempts, item->receipt_to, item->receipt_id);
    int ret = store_write(st, s, rc, "no such recipient");

    if (ret == 0)
        item->seq = sqlite3_last_insert_rowid(st->db);
    return ret;
}

/* Frees the strings of item, not item itself. */
static void store_item_clear(struct store_inbox_item *item)
{
    free(item->card_id);
    free(item->recipient_jid);
    free(item->sender_phone);
    free(item->sender_jid);
    free(item->vcard);
    free(item->note);
    free(item->receipt_to);
    free(item->receipt_id);
}

void store_inbox_item_free(struct store_inbox_item *item)
{
    if (!item)
        return;
    store_item_clear(item);
    free(item);
}

/* Fills the zeroed item from a row of INBOX_COLUMNS. The recipient is not
 * a column: rows are always selected by it. */
static int store_item_read(struct store *st, sqlite3_stmt *s,
                           const char *recipient_jid,
                           struct store_inbox_item *item)
{
    item->seq = sqlite3_column_int64(s, 0);
    item->created = sqlite3_column_int64(s, 6);
    item->attempts = sqlite3_column_int(s, 7);
    item->recipient_jid = strdup(recipient_jid);
    if (!item->recipient_jid)
        return store_fail(st, STORE_ENOMEM, "out of memory");
    if (store_column_dup(st, s, 1, &item->card_id) ||
        store_column_dup(st, s, 2, &item->sender_phone) ||
        store_column_dup(st, s, 3, &item->sender_jid) ||
        store_column_dup(st, s, 4, &item->vcard) ||
        store_column_dup(st, s, 5, &item->note) ||
        store_column_dup(st, s, 8, &item->receipt_to) ||
        store_column_dup(st, s, 9, &item->receipt_id))
        return STORE_ENOMEM;
    return 0;
}

/* Reads the whole inbox of recipient_jid. *n counts the items to clear
 * (and *items is to free), also on failure. */
static int store_inbox_list(struct store *st, const char *recipient_jid,
                            struct store_inbox_item **items, size_t *n)
{
    sqlite3_stmt *s = store_stmt(st, OP_INBOX_LIST);
    int rc = sqlutil_bind(s, 1, "t", recipient_jid);
    size_t cap = 0;
    int ret = 0;

    *items = NULL;
    *n = 0;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    while (rc == SQLITE_ROW && ret == 0) {
        if (*n == cap) {
            size_t more = cap ? 2 * cap : 8;
            struct store_inbox_item *p =
                reallocarray(*items, more, sizeof **items);

            if (!p) {
                ret = store_fail(st, STORE_ENOMEM, "out of memory");
                break;
            }
            *items = p;
            cap = more;
        }
        memset(&(*items)[*n], 0, sizeof **items);
        ret = store_item_read(st, s, recipient_jid, &(*items)[(*n)++]);
        if (ret == 0)
            rc = sqlite3_step(s);
    }
    rc = store_reset(s, rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc);
    return ret != 0 ? ret : store_code(rc);
}

/* Collects first so that fn runs with no statement active and may call
 * the store (mark a card sent, take it, even list again). */
int store_inbox_each(struct store *st, const char *recipient_jid,
                     int (*fn)(void *ud, const struct store_inbox_item *item),
                     void *ud)
{
    struct store_inbox_item *items;
    size_t n;
    size_t i;
    int ret = store_inbox_list(st, recipient_jid, &items, &n);

    for (i = 0; ret == 0 && i < n; i++)
        ret = fn(ud, &items[i]);
    for (i = 0; i < n; i++)
        store_item_clear(&items[i]);
    free(items);
    return ret;
}

int store_inbox_count(struct store *st, const char *recipient_jid,
                      int64_t *count)
{
    sqlite3_stmt *s = store_stmt(st, OP_INBOX_COUNT);
    int rc = sqlutil_bind(s, 1, "t", recipient_jid);

    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    return store_code(store_reset(s, rc));
}

int store_inbox_mark_sent(struct store *st, const char *card_id)
{
    sqlite3_stmt *s = store_stmt(st, OP_INBOX_MARK);

    return store_write(st, s, sqlutil_bind(s, 1, "t", card_id), "no such card");
}

/* Reads the card into a new *item without deleting it. */
static int store_inbox_get(struct store *st, const char *recipient_jid,
                           const char *card_id, struct store_inbox_item **item)
{
    sqlite3_stmt *s = store_stmt(st, OP_INBOX_GET);
    int rc = sqlutil_bind(s, 1, "tt", card_id, recipient_jid);
    int ret = 0;

    *item = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *item = calloc(1, sizeof **item);
        ret = *item ? store_item_read(st, s, recipient_jid, *item)
                    : store_fail(st, STORE_ENOMEM, "out of memory");
        rc = SQLITE_OK;
    } else if (rc == SQLITE_DONE) {
        ret = store_fail(st, STORE_ENOTFOUND, "no such card");
        rc = SQLITE_OK;
    }
    rc = store_reset(s, rc);
    if (ret == 0)
        ret = store_code(rc);
    if (ret < 0) {
        store_inbox_item_free(*item);
        *item = NULL;
    }
    return ret;
}

/* Reads before deleting so that running out of memory loses no card. */
int store_inbox_take(struct store *st, const char *recipient_jid,
                     const char *card_id, struct store_inbox_item **item)
{
    struct store_inbox_item *got = NULL;
    sqlite3_stmt *s;
    int ret;

    if (item) {
        *item = NULL;
        ret = store_inbox_get(st, recipient_jid, card_id, &got);
        if (ret < 0)
            return ret;
    }
    s = store_stmt(st, OP_INBOX_DELETE);
    ret = store_write(st, s, sqlutil_bind(s, 1, "tt", card_id, recipient_jid),
                      "no such card");
    if (ret < 0) {
        store_inbox_item_free(got);
        return ret;
    }
    if (item)
        *item = got;
    return 0;
}

/* --- online sessions --- */

int store_session_add(struct store *st, const char *full_jid,
                      const char *bare_jid)
{
    sqlite3_stmt *s = store_stmt(st, OP_SESSION_ADD);
    int rc = store_run(s, sqlutil_bind(s, 1, "tt", full_jid, bare_jid));

    if (rc != SQLITE_OK)
        return store_code(rc);
    return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int store_session_remove(struct store *st, const char *full_jid)
{
    sqlite3_stmt *s = store_stmt(st, OP_SESSION_REMOVE);

    return store_code(store_run(s, sqlutil_bind(s, 1, "t", full_jid)));
}

int store_session_set_receipts(struct store *st, const char *full_jid,
                               int receipts)
{
    sqlite3_stmt *s = store_stmt(st, OP_SESSION_RECEIPTS);

    return store_write(st, s, sqlutil_bind(s, 1, "ti", full_jid, receipts != 0),
                       "no such session");
}

int store_session_count(struct store *st, const char *bare_jid, int *online,
                        int *receipts)
{
    sqlite3_stmt *s = store_stmt(st, OP_SESSION_COUNT);
    int rc = sqlutil_bind(s, 1, "t", bare_jid);

    if (rc == SQLITE_OK)
        rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (online)
            *online = sqlite3_column_int(s, 0);
        if (receipts)
            *receipts = sqlite3_column_int(s, 1);
        rc = SQLITE_OK;
    }
    return store_code(store_reset(s, rc));
}

/* Reads the full JIDs of bare_jid into a NULL-terminated array. */
static int store_session_list(struct store *st, const char *bare_jid,
                              char ***out)
{
    sqlite3_stmt *s = store_stmt(st, OP_SESSION_LIST);
    size_t n = 0, cap = 4;
    char **v = calloc(cap + 1, sizeof(*v));
    int rc = v ? sqlutil_bind(s, 1, "t", bare_jid) : SQLITE_NOMEM;

    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *full = (const char *)sqlite3_column_text(s, 0);

        rc = SQLITE_OK;
        if (n == cap) {
            char **grown = realloc(v, (2 * cap + 1) * sizeof(*v));

            if (!grown) {
                rc = SQLITE_NOMEM;
                break;
            }
            v = grown;
            cap *= 2;
        }
        if (!full || !(v[n] = strdup(full))) {
            rc = SQLITE_NOMEM;
            break;
        }
        v[++n] = NULL;
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    rc = store_code(store_reset(s, rc));
    if (rc < 0) {
        for (size_t i = 0; v && v[i]; i++)
            free(v[i]);
        free(v);
        return rc;
    }
    *out = v;
    return 0;
}

int store_session_each(struct store *st, const char *bare_jid,
                       int (*fn)(void *ud, const char *full_jid), void *ud)
{
    char **v = NULL;
    int ret = store_session_list(st, bare_jid, &v);

    for (size_t i = 0; ret == 0 && v[i]; i++)
        ret = fn(ud, v[i]);
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
    return ret;
}

int store_session_clear(struct store *st)
{
    return store_code(store_run(store_stmt(st, OP_SESSION_CLEAR), SQLITE_OK));
}
