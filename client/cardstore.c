/* cardx's local card store: opening it, and the SQL of every statement,
 * prepared once at open; every call then binds, steps and resets one. */
#include <stdlib.h>

#include "client/cardstore_int.h"
#include "client/cardstore_updates_sql.h"
#include "sql/sqlutil.h"

/* Field names as vcard_fields_set knows them, in CARD_FIELDS order. */
const char *const cs_fields[CS_NFIELDS] = {
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

/* Short search word ?K (a LIKE pattern "%word%", escaped with '\\') in a
 * searched field of contact P. Field by field: no string is built per row,
 * and LIKE ignores ASCII case. */
/* clang-format off */
#define CS_LIKE(P, K, F) P F " LIKE " K " ESCAPE '\\'"
#define CS_SHORT(P, K)                                                         \
    "(" K " IS NULL OR " CS_LIKE(P, K, "name") " OR "                          \
    CS_LIKE(P, K, "phone_digits") " OR " CS_LIKE(P, K, "email") " OR "         \
    CS_LIKE(P, K, "org") " OR " CS_LIKE(P, K, "title") " OR "                  \
    CS_LIKE(P, K, "address") " OR " CS_LIKE(P, K, "fnote") ")"
/* Every short word ?2..?5 that is not NULL occurs in a field. */
#define CS_SHORT_FILTER(P)                                                     \
    CS_SHORT(P, "?2") " AND " CS_SHORT(P, "?3") " AND " CS_SHORT(P, "?4")      \
    " AND " CS_SHORT(P, "?5")
/* clang-format on */

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
                          "updated, created, cjk_name, cjk_other) VALUES "
                          "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                          "?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    [OP_CONTACT_UPDATE] =
        "UPDATE contacts SET name = ?1, given = ?2, family = ?3, phone = ?4, "
        "email = ?5, org = ?6, title = ?7, address = ?8, url = ?9, "
        "fnote = ?10, phone_digits = ?11, phone_keys = ?12, vcard_xml = ?13, "
        "extra = ?14, updated = ?15, cjk_name = ?17, cjk_other = ?18 "
        "WHERE id = ?16",
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
    /* CJK text (cardstore_substr.c): trigram terms ?1, and up to
     * CS_SHORT_SLOTS words the trigram index cannot find (?2..?5, LIKE
     * patterns, or NULL) found in the searched fields; a hit in the name
     * first. */
    /* clang-format off */
    [OP_CONTACT_SUBSTR_TRI] =
        "SELECT c.id FROM contacts_tri JOIN contacts AS c "
        "ON c.id = contacts_tri.rowid WHERE contacts_tri MATCH ?1 "
        "AND " CS_SHORT_FILTER("c.") " ORDER BY "
        "bm25(contacts_tri, 10.0, 3.0, 2.0, 1.0, 1.0), c.id",
    [OP_CONTACT_SUBSTR_SCAN] =
        "SELECT c.id FROM contacts AS c WHERE " CS_SHORT_FILTER("c.")
        " ORDER BY NOT (" CS_LIKE("c.", "?2", "name") "), "
        "c.name COLLATE NOCASE, c.id",
    /* clang-format on */
    /* One or two CJK characters (?1, an FTS5 phrase) with the trigram
     * terms (?6, or NULL) and other words as above; a name hit first. */
    [OP_CONTACT_SUBSTR_UNI] =
        "SELECT c.id FROM contacts_uni JOIN contacts AS c "
        "ON c.id = contacts_uni.rowid WHERE contacts_uni MATCH ?1 "
        "AND (?6 IS NULL OR c.id IN (SELECT rowid FROM contacts_tri "
        "WHERE contacts_tri MATCH ?6)) AND " CS_SHORT_FILTER(
            "c.") " ORDER BY bm25(contacts_uni, 10.0, 1.0), c.id",
    [OP_CJK_TODO] = "SELECT count(*) FROM store_todo WHERE what = 'cjk_chars'",
    [OP_CJK_TODO_DONE] = "DELETE FROM store_todo WHERE what = 'cjk_chars'",
    [OP_CJK_IDS] = "SELECT id FROM contacts ORDER BY id",
    [OP_CJK_FIELDS] = "SELECT name, org, title, address, fnote FROM contacts "
                      "WHERE id = ?1",
    [OP_CJK_SET] =
        "UPDATE contacts SET cjk_name = ?1, cjk_other = ?2 WHERE id = ?3",
    [OP_CONTACT_BY_DIGITS] = "SELECT id FROM contacts WHERE phone_digits = ?1 "
                             "ORDER BY id LIMIT 1",
    [OP_SELF_GET] = "SELECT vcard_xml, uploaded FROM self WHERE id = 1",
    [OP_SELF_SET] = "INSERT INTO self (id, vcard_xml, uploaded, updated) "
                    "VALUES (1, ?1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET "
                    "vcard_xml = excluded.vcard_xml, "
                    "uploaded = excluded.uploaded, updated = excluded.updated",
    [OP_SELF_CLEAR] = "DELETE FROM self",
    [OP_SELF_UPLOADED] = "UPDATE self SET uploaded = 1 "
                         "WHERE id = 1 AND vcard_xml = ?1",
    CS_UPDATES_SQL,
};

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
    if (cs_tokenizer_setup(cs, path, err) < 0)
        return CARDSTORE_EDB;
    if (cs_cjk_backfill(cs) < 0)
        return sqlutil_fail(err, CARDSTORE_EDB,
                            "%s: indexing the contacts' CJK text: %s", path,
                            cs->msg);
    return 0;
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
    if (!cs)
        return;
    if (cs->tok)
        cs->tok_api.xDelete(cs->tok);
    sqlutil_finalize_all(cs->stmt, OP_COUNT);
    sqlutil_close(cs->db);
    xmpp_ctx_free(cs->ctx);
    free(cs);
}

const char *cardstore_errmsg(const struct cardstore *cs)
{
    return cs->msg;
}
