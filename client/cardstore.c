/* cardx's local card store: each statement is prepared once at open, then
 * every call binds, steps and resets it. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

#include "client/cardstore.h"
#include "sql/sqlutil.h"

/* Phone suffixes shorter than this are not indexed (see 001_init.sql). */
#define CS_MIN_SUFFIX 4
/* Longer "numbers" are indexed whole only, to bound phone_keys. */
#define CS_MAX_KEY_DIGITS 32
/* A search number this long without its leading zeros may be a national
 * or international number whose prefix the stored E.164 lacks. */
#define CS_MIN_BARE 6
/* Written with spaces or dashes and this long, it is a phone number, not
 * also words of an address: prefix queries on short pieces ("+86", "138")
 * would cost a scan of every number. */
#define CS_NUMBER_DIGITS 7
#define CS_NFIELDS 10

/* The store keeps one column per member: a new member needs a column. */
_Static_assert(sizeof(struct vcard_fields) == CS_NFIELDS * sizeof(char *),
               "struct vcard_fields changed: update cs_fields and the schema");

/* Field names as vcard_fields_set knows them, in CARD_FIELDS order. */
static const char *const cs_fields[CS_NFIELDS] = {
    "name", "given", "family",  "phone", "email",
    "org",  "title", "address", "url",   "note"};

/* The card's NOTE is fnote: note is the sender's message in the inbox. */
#define CARD_FIELDS                                                            \
    "name, given, family, phone, email, org, title, address, url, fnote"
/* The columns cs_card_read expects, in its order. */
#define INBOX_COLUMNS                                                          \
    "id, card_id, sender_phone, note, received, received, " CARD_FIELDS        \
    ", vcard_xml, extra"
#define CONTACT_COLUMNS                                                        \
    "id, NULL, NULL, NULL, created, updated, " CARD_FIELDS ", vcard_xml, "     \
    "extra"
#define COL_FIELDS 6
#define COL_XML 16
#define COL_EXTRA 17

enum cs_op {
    OP_BEGIN,
    OP_COMMIT,
    OP_ROLLBACK,
    OP_SAVEPOINT,
    OP_RELEASE,
    OP_ROLLBACK_TO,
    OP_SEEN_ADD,
    OP_INBOX_INSERT,
    OP_INBOX_IDS,
    OP_INBOX_COUNT,
    OP_INBOX_GET,
    OP_INBOX_DELETE,
    OP_CONTACT_INSERT,
    OP_CONTACT_UPDATE,
    OP_CONTACT_GET,
    OP_CONTACT_DELETE,
    OP_CONTACT_IDS,
    OP_CONTACT_SEARCH,
    OP_CONTACT_MATCHES,
    OP_CONTACT_BY_DIGITS,
    OP_SELF_GET,
    OP_SELF_SET,
    OP_SELF_CLEAR,
    OP_SELF_UPLOADED,
    OP_COUNT
};

static const char *const cs_sql[OP_COUNT] = {
    [OP_BEGIN] = "BEGIN IMMEDIATE",
    [OP_COMMIT] = "COMMIT",
    [OP_ROLLBACK] = "ROLLBACK",
    [OP_SAVEPOINT] = "SAVEPOINT cardstore",
    [OP_RELEASE] = "RELEASE cardstore",
    [OP_ROLLBACK_TO] = "ROLLBACK TO cardstore",
    [OP_SEEN_ADD] = "INSERT INTO seen (card_id, seen_at) VALUES (?1, ?2) "
                    "ON CONFLICT (card_id) DO NOTHING",
    [OP_INBOX_INSERT] = "INSERT INTO inbox (" CARD_FIELDS
                        ", card_id, sender_phone, note, received, "
                        "vcard_xml, extra) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                        "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [OP_INBOX_IDS] = "SELECT id FROM inbox ORDER BY received, id",
    [OP_INBOX_COUNT] = "SELECT count(*) FROM inbox",
    [OP_INBOX_GET] = "SELECT " INBOX_COLUMNS " FROM inbox WHERE id = ?1",
    [OP_INBOX_DELETE] = "DELETE FROM inbox WHERE id = ?1",
    [OP_CONTACT_INSERT] = "INSERT INTO contacts (" CARD_FIELDS
                          ", phone_digits, phone_keys, vcard_xml, extra, "
                          "updated, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                          "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    [OP_CONTACT_UPDATE] =
        "UPDATE contacts SET name = ?1, given = ?2, family = ?3, phone = ?4, "
        "email = ?5, org = ?6, title = ?7, address = ?8, url = ?9, "
        "fnote = ?10, phone_digits = ?11, phone_keys = ?12, vcard_xml = ?13, "
        "extra = ?14, updated = ?15 WHERE id = ?16",
    [OP_CONTACT_GET] = "SELECT " CONTACT_COLUMNS " FROM contacts WHERE id = ?1",
    [OP_CONTACT_DELETE] = "DELETE FROM contacts WHERE id = ?1",
    [OP_CONTACT_IDS] = "SELECT id FROM contacts "
                       "ORDER BY name COLLATE NOCASE NULLS LAST, id",
    /* Weights follow the column order: a name hit counts most. Ranking
     * reads only the index (an external-content table's rows are read for
     * column values alone), and LIMIT keeps just the best ?2 while it
     * sorts; the caller reads those contacts' cards. */
    [OP_CONTACT_SEARCH] = "SELECT rowid FROM contacts_fts "
                          "WHERE contacts_fts MATCH ?1 ORDER BY "
                          "bm25(contacts_fts, 10.0, 5.0, 5.0, 3.0, 2.0, 1.0, "
                          "1.0), rowid LIMIT ?2",
    /* Walks the matches without ranking them: cheaper than a window
     * count(*) on the ranked query. */
    [OP_CONTACT_MATCHES] = "SELECT count(*) FROM contacts_fts "
                           "WHERE contacts_fts MATCH ?1",
    [OP_CONTACT_BY_DIGITS] = "SELECT id FROM contacts WHERE phone_digits = ?1 "
                             "ORDER BY id LIMIT 1",
    [OP_SELF_GET] = "SELECT vcard_xml, uploaded FROM self WHERE id = 1",
    [OP_SELF_SET] = "INSERT INTO self (id, vcard_xml, uploaded, updated) "
                    "VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET "
                    "vcard_xml = excluded.vcard_xml, "
                    "uploaded = excluded.uploaded, updated = excluded.updated",
    [OP_SELF_CLEAR] = "DELETE FROM self",
    [OP_SELF_UPLOADED] = "UPDATE self SET uploaded = 1 WHERE id = 1",
};

struct cardstore {
    sqlite3 *db;
    sqlite3_stmt *stmt[OP_COUNT];
    /* FTS5's own tokenizer, to tell which search words hold a token. */
    fts5_tokenizer tok_api;
    Fts5Tokenizer *tok;
    /* For vcard_merge, which keeps vcard_xml in step with edited fields. */
    xmpp_ctx_t *ctx;
    /* The last failure's message: ours, or SQLite's copied into err. */
    const char *msg;
    char err[256];
};

/* A growing list of row ids, collected before visiting. */
struct cs_ids {
    int64_t *v;
    size_t n, cap;
};

/* A growing string; failed latches an allocation failure. */
struct cs_buf {
    char *p;
    size_t len, cap;
    int failed;
};

/* --- failures and statement plumbing --- */

static int cs_fail(struct cardstore *cs, int code, const char *msg)
{
    cs->msg = msg;
    return code;
}

/* Records SQLite's message for rc now, before a later call (a rollback)
 * replaces it. */
static int cs_db_fail(struct cardstore *cs, int rc)
{
    if (rc == SQLITE_NOMEM)
        return cs_fail(cs, CARDSTORE_ENOMEM, "out of memory");
    snprintf(cs->err, sizeof cs->err, "%s", sqlite3_errmsg(cs->db));
    return cs_fail(cs, CARDSTORE_EDB, cs->err);
}

static int cs_nomem(struct cardstore *cs)
{
    return cs_fail(cs, CARDSTORE_ENOMEM, "out of memory");
}

/* sqlutil_bind(), keeping SQLite's message on failure. Every call drops
 * its bindings before it returns, while the caller's strings are alive. */
static int cs_bind(struct cardstore *cs, sqlite3_stmt *s, int first,
                   const char *types, ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = sqlutil_vbind(s, first, types, ap);
    va_end(ap);
    return rc == SQLITE_OK ? 0 : cs_db_fail(cs, rc);
}

/* Binds the card fields of f to parameters 1..CS_NFIELDS. */
static int cs_bind_fields(struct cardstore *cs, sqlite3_stmt *s,
                          const struct vcard_fields *f)
{
    int ret = 0;
    int i;

    for (i = 0; i < CS_NFIELDS && ret == 0; i++)
        ret = cs_bind(cs, s, i + 1, "t", vcard_fields_get(f, cs_fields[i]));
    return ret;
}

/* Ends a call on s: resets it and drops its bindings. Returns ret, the
 * result so far; the reset can only repeat a failed step's error. */
static int cs_end(struct cardstore *cs, sqlite3_stmt *s, int ret)
{
    int reset = sqlite3_reset(s);
    int clear = sqlite3_clear_bindings(s);

    if (ret != 0)
        return ret;
    if (reset != SQLITE_OK)
        return cs_db_fail(cs, reset);
    return clear == SQLITE_OK ? 0 : cs_db_fail(cs, clear);
}

/* Steps a statement that yields no rows, given the result of binding it,
 * and ends the call. */
static int cs_run(struct cardstore *cs, sqlite3_stmt *s, int ret)
{
    int rc;

    if (ret == 0) {
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
            ret = cs_db_fail(cs, rc);
    }
    return cs_end(cs, s, ret);
}

static int cs_exec(struct cardstore *cs, enum cs_op op)
{
    return cs_run(cs, cs->stmt[op], 0);
}

/* cs_run for a write that must touch a row: CARDSTORE_ENOTFOUND if none. */
static int cs_write(struct cardstore *cs, sqlite3_stmt *s, int ret,
                    const char *notfound)
{
    ret = cs_run(cs, s, ret);
    if (ret == 0 && sqlite3_changes(cs->db) == 0)
        return cs_fail(cs, CARDSTORE_ENOTFOUND, notfound);
    return ret;
}

/* Copies text column col of the current row into *out (NULL for NULL). */
static int cs_column_dup(struct cardstore *cs, sqlite3_stmt *s, int col,
                         char **out)
{
    return sqlutil_column_dup(s, col, out) == SQLITE_OK ? 0 : cs_nomem(cs);
}

/* Runs a statement (bound by the caller) for one integer, or notfound. */
static int cs_get_int(struct cardstore *cs, sqlite3_stmt *s, int ret,
                      int64_t *out, const char *notfound)
{
    int rc;

    if (ret == 0) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            *out = sqlite3_column_int64(s, 0);
        else if (rc == SQLITE_DONE)
            ret = cs_fail(cs, CARDSTORE_ENOTFOUND, notfound);
        else
            ret = cs_db_fail(cs, rc);
    }
    return cs_end(cs, s, ret);
}

/* --- transactions --- */

/* Starts a unit of work: a transaction of its own, or a savepoint inside
 * the caller's (cardstore_begin). *own says which, for cs_tx_end. */
static int cs_tx_begin(struct cardstore *cs, int *own)
{
    *own = sqlite3_get_autocommit(cs->db);
    return cs_exec(cs, *own ? OP_BEGIN : OP_SAVEPOINT);
}

/* Commits the unit of work when ret is not negative, else undoes it. The
 * message stays the first failure's, even if the undo fails too. */
static int cs_tx_end(struct cardstore *cs, int own, int ret)
{
    char saved[sizeof cs->err];
    const char *msg;

    if (ret >= 0) {
        int end = cs_exec(cs, own ? OP_COMMIT : OP_RELEASE);

        if (end == 0)
            return ret;
        ret = end;
    }
    msg = cs->msg;
    memcpy(saved, cs->err, sizeof saved);
    if (own) {
        /* Some errors end the transaction on their own. */
        if (!sqlite3_get_autocommit(cs->db))
            cs_exec(cs, OP_ROLLBACK);
    } else if (cs_exec(cs, OP_ROLLBACK_TO) == 0) {
        cs_exec(cs, OP_RELEASE);
    }
    memcpy(cs->err, saved, sizeof saved);
    cs->msg = msg;
    return ret;
}

int cardstore_begin(struct cardstore *cs)
{
    return cs_exec(cs, OP_BEGIN);
}

int cardstore_commit(struct cardstore *cs)
{
    return cs_exec(cs, OP_COMMIT);
}

int cardstore_rollback(struct cardstore *cs)
{
    return cs_exec(cs, OP_ROLLBACK);
}

/* --- opening --- */

/* The FTS5 API of db, as its documentation says to fetch it. */
static fts5_api *cs_fts5_api(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &s, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_bind_pointer(s, 1, &api, "fts5_api_ptr", NULL);
    if (rc == SQLITE_OK && sqlite3_step(s) != SQLITE_ROW)
        api = NULL;
    if (sqlite3_finalize(s) != SQLITE_OK)
        api = NULL;
    return api;
}

/* The same tokenizer as contacts_fts, minus options that only change what
 * a token looks like. */
static int cs_tokenizer_setup(struct cardstore *cs, const char *path,
                              char **err)
{
    fts5_api *api = cs_fts5_api(cs->db);
    void *ud = NULL;

    if (!api || api->iVersion < 2 ||
        api->xFindTokenizer(api, "unicode61", &ud, &cs->tok_api) != SQLITE_OK ||
        cs->tok_api.xCreate(ud, NULL, 0, &cs->tok) != SQLITE_OK) {
        cs->tok = NULL;
        return sqlutil_fail(err, CARDSTORE_EDB,
                            "%s: SQLite's FTS5 unicode61 tokenizer is not "
                            "available",
                            path);
    }
    return 0;
}

/* What only the card store has: its statements and FTS5's tokenizer. */
static int cs_setup(struct cardstore *cs, const char *path, char **err)
{
    if (sqlutil_prepare_all(cs->db, path, cs_sql, OP_COUNT, cs->stmt, err) < 0)
        return CARDSTORE_EDB;
    return cs_tokenizer_setup(cs, path, err);
}

int cardstore_open(const char *path, struct cardstore **out, char **err)
{
    /* A card the service handed over must survive a power cut: FULL syncs
     * the WAL at every commit. An in-memory database (tests, tools) cannot
     * use a WAL. */
    const struct sqlutil_spec spec = {
        .synchronous = "full",
        .migrations = client_migrations,
        .migrations_count = client_migrations_count,
        .memory_ok = 1,
    };
    struct cardstore *cs;
    int rc;

    *out = NULL;
    *err = NULL;
    cs = calloc(1, sizeof *cs);
    if (!cs)
        return sqlutil_fail(err, CARDSTORE_ENOMEM, "out of memory");
    cs->msg = "no error";
    cs->ctx = xmpp_ctx_new(NULL, NULL);
    if (!cs->ctx) {
        free(cs);
        return sqlutil_fail(err, CARDSTORE_ENOMEM, "out of memory");
    }
    rc = sqlutil_open(path, &spec, &cs->db, err) < 0 ? CARDSTORE_EDB
                                                     : cs_setup(cs, path, err);
    if (rc < 0) {
        cardstore_free(cs);
        return rc;
    }
    *out = cs;
    return 0;
}

void cardstore_free(struct cardstore *cs)
{
    int rc;
    int i;

    if (!cs)
        return;
    if (cs->tok)
        cs->tok_api.xDelete(cs->tok);
    /* finalize repeats the last step's error, already reported when it
     * happened, and always releases the statement. */
    for (i = 0; i < OP_COUNT; i++)
        (void)sqlite3_finalize(cs->stmt[i]);
    /* Fails only with a statement left unfinalised: a bug here. */
    rc = sqlite3_close(cs->db);
    assert(rc == SQLITE_OK);
    (void)rc;
    xmpp_ctx_free(cs->ctx);
    free(cs);
}

const char *cardstore_errmsg(const struct cardstore *cs)
{
    return cs->msg;
}

/* --- cards --- */

void cardstore_card_free(struct cardstore_card *c)
{
    if (!c)
        return;
    free(c->card_id);
    free(c->sender_phone);
    free(c->note);
    vcard_fields_clear(&c->f);
    free(c->vcard_xml);
    free(c->extra);
    free(c);
}

/* Reads a row of INBOX_COLUMNS or CONTACT_COLUMNS into a new *out. */
static int cs_card_read(struct cardstore *cs, sqlite3_stmt *s,
                        struct cardstore_card **out)
{
    struct cardstore_card *c = calloc(1, sizeof *c);
    char *value = NULL;
    int ret;
    int i;

    if (!c)
        return cs_nomem(cs);
    c->id = sqlite3_column_int64(s, 0);
    c->received = sqlite3_column_int64(s, 4);
    c->updated = sqlite3_column_int64(s, 5);
    ret = cs_column_dup(cs, s, 1, &c->card_id);
    if (ret == 0)
        ret = cs_column_dup(cs, s, 2, &c->sender_phone);
    if (ret == 0)
        ret = cs_column_dup(cs, s, 3, &c->note);
    if (ret == 0)
        ret = cs_column_dup(cs, s, COL_XML, &c->vcard_xml);
    if (ret == 0)
        ret = cs_column_dup(cs, s, COL_EXTRA, &c->extra);
    for (i = 0; i < CS_NFIELDS && ret == 0; i++) {
        ret = cs_column_dup(cs, s, COL_FIELDS + i, &value);
        /* vcard_fields_set leaves "" unset, as the struct requires. */
        if (ret == 0 && vcard_fields_set(&c->f, cs_fields[i], value) != 0)
            ret = cs_nomem(cs);
        free(value);
        value = NULL;
    }
    if (ret < 0) {
        cardstore_card_free(c);
        return ret;
    }
    *out = c;
    return 0;
}

/* Runs op, a SELECT of one row by id, into a new *out. */
static int cs_card_get(struct cardstore *cs, enum cs_op op, int64_t id,
                       struct cardstore_card **out, const char *notfound)
{
    sqlite3_stmt *s = cs->stmt[op];
    int ret = cs_bind(cs, s, 1, "l", id);
    int rc;

    *out = NULL;
    if (ret == 0) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            ret = cs_card_read(cs, s, out);
        else if (rc == SQLITE_DONE)
            ret = cs_fail(cs, CARDSTORE_ENOTFOUND, notfound);
        else
            ret = cs_db_fail(cs, rc);
    }
    ret = cs_end(cs, s, ret);
    if (ret < 0) {
        cardstore_card_free(*out);
        *out = NULL;
    }
    return ret;
}

/* Steps s (bound by the caller, ret the binding's result) and collects
 * column 0 of every row. ids->v is to free, also on failure. */
static int cs_ids_collect(struct cardstore *cs, sqlite3_stmt *s, int ret,
                          struct cs_ids *ids)
{
    int rc = SQLITE_DONE;

    while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (ids->n == ids->cap) {
            size_t more = ids->cap ? 2 * ids->cap : 64;
            int64_t *v = reallocarray(ids->v, more, sizeof *v);

            if (!v) {
                ret = cs_nomem(cs);
                break;
            }
            ids->v = v;
            ids->cap = more;
        }
        ids->v[ids->n++] = sqlite3_column_int64(s, 0);
    }
    if (ret == 0 && rc != SQLITE_DONE)
        ret = cs_db_fail(cs, rc);
    return cs_end(cs, s, ret);
}

/* Visits the cards of ids in order, read one at a time with op, so that fn
 * runs with no statement active and may call the store, even delete cards
 * still to come (those are skipped). Returns 0, fn's non-zero value, or a
 * negative code. */
static int cs_visit_ids(struct cardstore *cs, const struct cs_ids *ids,
                        enum cs_op op, cardstore_visit fn, void *ud)
{
    struct cardstore_card *c;
    size_t i;
    int ret = 0;

    for (i = 0; i < ids->n && ret == 0; i++) {
        ret = cs_card_get(cs, op, ids->v[i], &c, "gone");
        if (ret == CARDSTORE_ENOTFOUND) {
            ret = 0;
            continue;
        }
        if (ret == 0)
            ret = fn(ud, c);
        cardstore_card_free(c);
    }
    return ret;
}

/* Runs op (bound by the caller, ret the binding's result) for ids, then
 * visits those cards with get. */
static int cs_visit_query(struct cardstore *cs, enum cs_op op, int ret,
                          enum cs_op get, cardstore_visit fn, void *ud)
{
    struct cs_ids ids = {0};

    ret = cs_ids_collect(cs, cs->stmt[op], ret, &ids);
    if (ret == 0)
        ret = cs_visit_ids(cs, &ids, get, fn, ud);
    free(ids.v);
    return ret;
}

static int64_t cs_now(void)
{
    return (int64_t)time(NULL);
}

/* --- phone numbers --- */

/* The digits of phone into a new *out, NULL when it has none. */
static int cs_digits(struct cardstore *cs, const char *phone, char **out)
{
    size_t n = 0;
    const char *p;

    *out = NULL;
    if (!phone || !strpbrk(phone, "0123456789"))
        return 0;
    *out = malloc(strlen(phone) + 1);
    if (!*out)
        return cs_nomem(cs);
    for (p = phone; *p; p++)
        if (*p >= '0' && *p <= '9')
            (*out)[n++] = *p;
    (*out)[n] = '\0';
    return 0;
}

/* phone_keys for digits (see 001_init.sql) into a new *out; NULL for
 * NULL. */
static int cs_phone_keys(struct cardstore *cs, const char *digits, char **out)
{
    size_t len, size, i, n = 0;

    *out = NULL;
    if (!digits)
        return 0;
    len = strlen(digits);
    /* The whole number, then each shorter suffix and a space before it. */
    size = len + 1;
    if (len <= CS_MAX_KEY_DIGITS)
        for (i = 1; i + CS_MIN_SUFFIX <= len; i++)
            size += len - i + 1;
    *out = malloc(size);
    if (!*out)
        return cs_nomem(cs);
    memcpy(*out, digits, len);
    n = len;
    if (len <= CS_MAX_KEY_DIGITS)
        for (i = 1; i + CS_MIN_SUFFIX <= len; i++) {
            (*out)[n++] = ' ';
            memcpy(*out + n, digits + i, len - i);
            n += len - i;
        }
    (*out)[n] = '\0';
    assert(n + 1 == size);
    return 0;
}

/* The oldest contact whose number has the same digits as phone. */
static int cs_find_phone(struct cardstore *cs, const char *phone, int64_t *id)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_BY_DIGITS];
    char *digits;
    int ret = cs_digits(cs, phone, &digits);

    if (ret == 0 && !digits)
        return cs_fail(cs, CARDSTORE_ENOTFOUND, "the number has no digits");
    if (ret == 0)
        ret = cs_get_int(cs, s, cs_bind(cs, s, 1, "t", digits), id,
                         "no contact has this number");
    free(digits);
    return ret;
}

int cardstore_contact_by_phone(struct cardstore *cs, const char *e164,
                               int64_t *id)
{
    if (!e164)
        return cs_fail(cs, CARDSTORE_EINVAL, "no number given");
    return cs_find_phone(cs, e164, id);
}

/* --- inbox --- */

int cardstore_inbox_add(struct cardstore *cs, const struct cardstore_card *c,
                        int64_t *id)
{
    sqlite3_stmt *s;
    int64_t now = cs_now();
    int own;
    int ret = cs_tx_begin(cs, &own);

    if (ret == 0 && c->card_id) {
        s = cs->stmt[OP_SEEN_ADD];
        ret = cs_run(cs, s, cs_bind(cs, s, 1, "tl", c->card_id, now));
        /* Seen before: the earlier copy is in the inbox or was handled. */
        if (ret == 0 && sqlite3_changes(cs->db) == 0)
            return cs_tx_end(cs, own, 0);
    }
    if (ret == 0) {
        s = cs->stmt[OP_INBOX_INSERT];
        ret = cs_bind_fields(cs, s, &c->f);
        if (ret == 0)
            ret = cs_bind(cs, s, CS_NFIELDS + 1, "tttltt", c->card_id,
                          c->sender_phone, c->note,
                          c->received > 0 ? c->received : now, c->vcard_xml,
                          c->extra);
        ret = cs_run(cs, s, ret);
    }
    if (ret == 0 && id)
        *id = sqlite3_last_insert_rowid(cs->db);
    return cs_tx_end(cs, own, ret < 0 ? ret : 1);
}

int cardstore_inbox_list(struct cardstore *cs, cardstore_visit fn, void *ud)
{
    return cs_visit_query(cs, OP_INBOX_IDS, 0, OP_INBOX_GET, fn, ud);
}

int cardstore_inbox_count(struct cardstore *cs, int64_t *count)
{
    return cs_get_int(cs, cs->stmt[OP_INBOX_COUNT], 0, count, "no count");
}

int cardstore_inbox_get(struct cardstore *cs, int64_t id,
                        struct cardstore_card **out)
{
    return cs_card_get(cs, OP_INBOX_GET, id, out, "no such card in the inbox");
}

int cardstore_inbox_delete(struct cardstore *cs, int64_t id)
{
    sqlite3_stmt *s = cs->stmt[OP_INBOX_DELETE];

    return cs_write(cs, s, cs_bind(cs, s, 1, "l", id),
                    "no such card in the inbox");
}

/* --- contacts --- */

/* Binds what OP_CONTACT_INSERT and OP_CONTACT_UPDATE share: the fields,
 * the phone's derived columns, vcard_xml and extra (parameters 1..14). */
static int cs_bind_contact(struct cardstore *cs, sqlite3_stmt *s,
                           const struct vcard_fields *f, const char *xml,
                           const char *extra, char **digits, char **keys)
{
    int ret = cs_digits(cs, f->phone, digits);

    if (ret == 0)
        ret = cs_phone_keys(cs, *digits, keys);
    if (ret == 0)
        ret = cs_bind_fields(cs, s, f);
    if (ret == 0)
        ret =
            cs_bind(cs, s, CS_NFIELDS + 1, "tttt", *digits, *keys, xml, extra);
    return ret;
}

static int cs_contact_insert(struct cardstore *cs, const struct vcard_fields *f,
                             const char *xml, const char *extra,
                             int64_t created, int64_t updated, int64_t *id)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_INSERT];
    char *digits = NULL, *keys = NULL;
    int ret = cs_bind_contact(cs, s, f, xml, extra, &digits, &keys);

    if (ret == 0)
        ret = cs_bind(cs, s, CS_NFIELDS + 5, "ll", updated, created);
    ret = cs_run(cs, s, ret);
    if (ret == 0 && id)
        *id = sqlite3_last_insert_rowid(cs->db);
    free(digits);
    free(keys);
    return ret;
}

static int cs_contact_update(struct cardstore *cs, int64_t id,
                             const struct vcard_fields *f, const char *xml,
                             const char *extra)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_UPDATE];
    char *digits = NULL, *keys = NULL;
    int ret = cs_bind_contact(cs, s, f, xml, extra, &digits, &keys);

    if (ret == 0)
        ret = cs_bind(cs, s, CS_NFIELDS + 5, "ll", cs_now(), id);
    ret = cs_write(cs, s, ret, "no such contact");
    free(digits);
    free(keys);
    return ret;
}

/* vcard_xml for fields f: base (a vcard-temp card or NULL) with the fields
 * cardx knows set to f and everything else kept. A base that does not
 * parse is dropped (*out NULL): the fields are what the user sees. */
static int cs_regen_xml(struct cardstore *cs, const char *base,
                        const struct vcard_fields *f, char **out)
{
    xmpp_stanza_t *old, *merged;

    *out = NULL;
    if (!base)
        return 0;
    old = vcard_from_text(cs->ctx, base);
    if (!old)
        return 0;
    merged = vcard_merge(cs->ctx, old, f);
    xmpp_stanza_release(old);
    if (!merged)
        return cs_nomem(cs);
    *out = vcard_to_text(merged);
    xmpp_stanza_release(merged);
    return *out ? 0 : cs_nomem(cs);
}

int cardstore_contact_add(struct cardstore *cs, const struct cardstore_card *c,
                          int64_t *id)
{
    int64_t created = c->received > 0 ? c->received : cs_now();

    return cs_contact_insert(cs, &c->f, c->vcard_xml, c->extra, created,
                             c->updated > 0 ? c->updated : created, id);
}

int cardstore_contact_get(struct cardstore *cs, int64_t id,
                          struct cardstore_card **out)
{
    return cs_card_get(cs, OP_CONTACT_GET, id, out, "no such contact");
}

static int cs_field_known(const char *field)
{
    int i;

    for (i = 0; i < CS_NFIELDS; i++)
        if (strcmp(cs_fields[i], field) == 0)
            return 1;
    return 0;
}

/* Sets the field in c and regenerates its vcard_xml to match. */
static int cs_card_set_field(struct cardstore *cs, struct cardstore_card *c,
                             const char *field, const char *value)
{
    char *xml;
    int ret;

    if (vcard_fields_set(&c->f, field, value) != 0)
        return cs_nomem(cs);
    ret = cs_regen_xml(cs, c->vcard_xml, &c->f, &xml);
    if (ret == 0) {
        free(c->vcard_xml);
        c->vcard_xml = xml;
    }
    return ret;
}

int cardstore_contact_set(struct cardstore *cs, int64_t id, const char *field,
                          const char *value)
{
    struct cardstore_card *c = NULL;
    int own;
    int ret;

    if (!field || !cs_field_known(field))
        return cs_fail(cs, CARDSTORE_EINVAL, "unknown field");
    ret = cs_tx_begin(cs, &own);
    if (ret < 0)
        return ret;
    ret = cs_card_get(cs, OP_CONTACT_GET, id, &c, "no such contact");
    if (ret == 0)
        ret = cs_card_set_field(cs, c, field, value);
    if (ret == 0)
        ret = cs_contact_update(cs, id, &c->f, c->vcard_xml, c->extra);
    cardstore_card_free(c);
    return cs_tx_end(cs, own, ret);
}

int cardstore_contact_delete(struct cardstore *cs, int64_t id)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_DELETE];

    return cs_write(cs, s, cs_bind(cs, s, 1, "l", id), "no such contact");
}

int cardstore_contact_list(struct cardstore *cs, cardstore_visit fn, void *ud)
{
    return cs_visit_query(cs, OP_CONTACT_IDS, 0, OP_CONTACT_GET, fn, ud);
}

/* --- inbox to contacts --- */

/* Fills and overwrites contact id with card's set fields. The contact's
 * vcard_xml stays the base (the card's when it has none) so that neither
 * loses more than it must. */
static int cs_merge_into(struct cardstore *cs, int64_t id,
                         const struct cardstore_card *card)
{
    struct cardstore_card *c = NULL;
    const char *value;
    char *xml = NULL;
    int ret = cs_card_get(cs, OP_CONTACT_GET, id, &c, "no such contact");
    int i;

    for (i = 0; i < CS_NFIELDS && ret == 0; i++) {
        value = vcard_fields_get(&card->f, cs_fields[i]);
        if (value && vcard_fields_set(&c->f, cs_fields[i], value) != 0)
            ret = cs_nomem(cs);
    }
    if (ret == 0)
        ret = cs_regen_xml(cs, c->vcard_xml ? c->vcard_xml : card->vcard_xml,
                           &c->f, &xml);
    if (ret == 0)
        ret = cs_contact_update(cs, id, &c->f, xml,
                                c->extra ? c->extra : card->extra);
    free(xml);
    cardstore_card_free(c);
    return ret;
}

/* Saves card as a contact per merge; *contact_id receives the contact. */
static int cs_save(struct cardstore *cs, const struct cardstore_card *card,
                   enum cardstore_merge merge, int64_t *contact_id)
{
    int64_t now = cs_now();
    int ret = CARDSTORE_ENOTFOUND;

    if (card->f.phone && merge != CARDSTORE_MERGE_NEW)
        ret = cs_find_phone(cs, card->f.phone, contact_id);
    if (ret == 0 && merge == CARDSTORE_MERGE_ASK)
        return cs_fail(cs, CARDSTORE_EEXISTS,
                       "a contact already has this number");
    if (ret == 0)
        return cs_merge_into(cs, *contact_id, card);
    if (ret != CARDSTORE_ENOTFOUND)
        return ret;
    return cs_contact_insert(cs, &card->f, card->vcard_xml, card->extra, now,
                             now, contact_id);
}

int cardstore_inbox_save(struct cardstore *cs, int64_t id,
                         enum cardstore_merge merge, int64_t *contact_id)
{
    struct cardstore_card *card = NULL;
    sqlite3_stmt *s = cs->stmt[OP_INBOX_DELETE];
    int64_t target = 0;
    int own;
    int ret = cs_tx_begin(cs, &own);

    if (ret < 0)
        return ret;
    ret = cs_card_get(cs, OP_INBOX_GET, id, &card, "no such card in the inbox");
    if (ret == 0)
        ret = cs_save(cs, card, merge, &target);
    if (ret == 0)
        ret = cs_write(cs, s, cs_bind(cs, s, 1, "l", id),
                       "no such card in the inbox");
    cardstore_card_free(card);
    ret = cs_tx_end(cs, own, ret);
    if ((ret == 0 || ret == CARDSTORE_EEXISTS) && contact_id)
        *contact_id = target;
    return ret;
}

/* --- search --- */

static void cs_buf_add(struct cs_buf *b, const char *s, size_t n)
{
    char *p;
    size_t cap;

    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* A prefix query for the n bytes at s as one FTS5 string: inside double
 * quotes nothing is syntax but the quote itself, which is doubled. */
static void cs_buf_term(struct cs_buf *b, const char *s, size_t n)
{
    const char *q;

    cs_buf_add(b, "\"", 1);
    while ((q = memchr(s, '"', n))) {
        cs_buf_add(b, s, (size_t)(q - s) + 1);
        cs_buf_add(b, "\"", 1);
        n -= (size_t)(q - s) + 1;
        s = q + 1;
    }
    cs_buf_add(b, s, n);
    cs_buf_add(b, "\"*", 2);
}

static int cs_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* The next whitespace-separated word at or after *p: its start, and *n its
 * length; NULL at the end. *p moves past it. */
static const char *cs_word(const char **p, size_t *n)
{
    const char *w = *p;

    while (cs_is_space(*w))
        w++;
    if (*w == '\0')
        return NULL;
    *p = w;
    while (**p != '\0' && !cs_is_space(**p))
        (*p)++;
    *n = (size_t)(*p - w);
    return w;
}

/* True for a piece of a written phone number: digits and + - ( ) . /
 * only, with at least one digit. */
static int cs_phone_like(const char *w, size_t n)
{
    size_t i;
    int digits = 0;

    for (i = 0; i < n; i++) {
        if (w[i] >= '0' && w[i] <= '9')
            digits = 1;
        else if (!strchr("+-()./", w[i]))
            return 0;
    }
    return digits;
}

static int cs_count_token(void *ctx, int tflags, const char *token, int ntoken,
                          int start, int end)
{
    (void)tflags;
    (void)token;
    (void)ntoken;
    (void)start;
    (void)end;
    ++*(int *)ctx;
    return SQLITE_OK;
}

/* Whether the word holds a token for FTS5: a string without one (only
 * punctuation, in any script) matches nothing and would empty an AND. */
static int cs_has_token(struct cardstore *cs, const char *w, size_t n, int *has)
{
    int rc;

    *has = 0;
    rc = cs->tok_api.xTokenize(cs->tok, has, FTS5_TOKENIZE_QUERY, w, (int)n,
                               cs_count_token);
    return rc == SQLITE_OK ? 0 : cs_db_fail(cs, rc);
}

/* A written number (one or more phone-like words, run[0..n)): its digits,
 * those digits without leading zeros (a trunk or international prefix, as
 * in 0013800138000 for +8613800138000), or, when short, each word as text,
 * as in an address ("12-14 Main St"). */
static int cs_query_phone(struct cardstore *cs, struct cs_buf *b,
                          const char *run, size_t n, int words)
{
    char *digits = malloc(n + 1);
    const char *p = run, *end = run + n, *w, *bare;
    size_t len, d = 0, i;

    if (!digits)
        return cs_nomem(cs);
    for (i = 0; i < n; i++)
        if (run[i] >= '0' && run[i] <= '9')
            digits[d++] = run[i];
    digits[d] = '\0';
    cs_buf_add(b, "(", 1);
    cs_buf_term(b, digits, d);
    bare = digits + strspn(digits, "0");
    if (bare != digits && strlen(bare) >= CS_MIN_BARE) {
        cs_buf_add(b, " OR ", 4);
        cs_buf_term(b, bare, strlen(bare));
    }
    if ((words > 1 || d != n) && d < CS_NUMBER_DIGITS) {
        cs_buf_add(b, " OR (", 5);
        for (i = 0; p < end && (w = cs_word(&p, &len)); i++) {
            if (i > 0)
                cs_buf_add(b, " AND ", 5);
            cs_buf_term(b, w, len);
        }
        cs_buf_add(b, ")", 1);
    }
    cs_buf_add(b, ")", 1);
    free(digits);
    return 0;
}

/* The FTS5 query for the user's text: every word a quoted prefix term, all
 * ANDed. *out is NULL when the text holds nothing to search for. */
static int cs_query_build(struct cardstore *cs, const char *text, char **out)
{
    struct cs_buf b = {0};
    const char *p = text, *w, *next, *w2;
    size_t n, n2;
    int terms = 0, words, has, ret = 0;

    while (ret == 0 && (w = cs_word(&p, &n))) {
        if (cs_phone_like(w, n)) {
            /* "+86 138 0013 8000" is one number written with spaces. */
            for (words = 1, next = p;
                 (w2 = cs_word(&next, &n2)) && cs_phone_like(w2, n2); words++)
                p = next;
            if (terms++ > 0)
                cs_buf_add(&b, " AND ", 5);
            ret = cs_query_phone(cs, &b, w, (size_t)(p - w), words);
            continue;
        }
        ret = cs_has_token(cs, w, n, &has);
        if (ret == 0 && has) {
            if (terms++ > 0)
                cs_buf_add(&b, " AND ", 5);
            cs_buf_term(&b, w, n);
        }
    }
    if (ret == 0 && b.failed)
        ret = cs_nomem(cs);
    if (ret < 0) {
        free(b.p);
        return ret;
    }
    *out = b.p;
    return 0;
}

/* The number of contacts matching query, the FTS5 query of text. */
static int cs_count_matches(struct cardstore *cs, const char *query,
                            int64_t *total)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_MATCHES];

    return cs_get_int(cs, s, cs_bind(cs, s, 1, "t", query), total, "no count");
}

int cardstore_contact_search(struct cardstore *cs, const char *text,
                             size_t limit, cardstore_visit fn, void *ud,
                             int64_t *total)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_SEARCH];
    /* SQLite takes a negative LIMIT for none. */
    int64_t max = limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit;
    struct cs_ids ids = {0};
    int64_t matches;
    char *query = NULL;
    int ret;

    if (total)
        *total = 0;
    if (!text)
        return cs_fail(cs, CARDSTORE_EINVAL, "no search text");
    ret = cs_query_build(cs, text, &query);
    if (ret < 0 || !query)
        return ret;
    ret = cs_ids_collect(cs, s, cs_bind(cs, s, 1, "tl", query, max), &ids);
    matches = (int64_t)ids.n;
    /* Only a full page may have left matches out. */
    if (ret == 0 && total && max >= 0 && ids.n == limit)
        ret = cs_count_matches(cs, query, &matches);
    if (ret == 0 && total)
        *total = matches;
    if (ret == 0)
        ret = cs_visit_ids(cs, &ids, OP_CONTACT_GET, fn, ud);
    free(ids.v);
    free(query);
    return ret;
}

/* --- the user's own card --- */

int cardstore_self_get(struct cardstore *cs, char **xml, int *uploaded)
{
    sqlite3_stmt *s = cs->stmt[OP_SELF_GET];
    int rc = sqlite3_step(s);
    int ret = 0;

    *xml = NULL;
    *uploaded = 0;
    if (rc == SQLITE_ROW) {
        ret = cs_column_dup(cs, s, 0, xml);
        *uploaded = sqlite3_column_int(s, 1) != 0;
    } else if (rc != SQLITE_DONE) {
        ret = cs_db_fail(cs, rc);
    }
    return cs_end(cs, s, ret);
}

int cardstore_self_set(struct cardstore *cs, const char *xml, int uploaded)
{
    sqlite3_stmt *s = cs->stmt[OP_SELF_SET];

    if (!xml)
        return cs_exec(cs, OP_SELF_CLEAR);
    return cs_run(cs, s,
                  cs_bind(cs, s, 1, "til", xml, uploaded != 0, cs_now()));
}

int cardstore_self_mark_uploaded(struct cardstore *cs)
{
    return cs_write(cs, cs->stmt[OP_SELF_UPLOADED], 0, "no card of your own");
}
