/* What the card store's files (client/cardstore*.c) share: the struct, its
 * statements and the plumbing every call goes through. Not for callers. */
#ifndef CARDX_CLIENT_CARDSTORE_INT_H
#define CARDX_CLIENT_CARDSTORE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <strophe.h>

#include "client/cardstore.h"

#define CS_NFIELDS 10

/* The store keeps one column per member: a new member needs a column. */
_Static_assert(sizeof(struct vcard_fields) == CS_NFIELDS * sizeof(char *),
               "struct vcard_fields changed: update cs_fields and the schema");

/* Field names as vcard_fields_set knows them, in the columns' order. */
extern const char *const cs_fields[CS_NFIELDS];

/* Where cs_card_read finds what, in a row of INBOX_COLUMNS or
 * CONTACT_COLUMNS (cardstore.c). */
#define COL_FIELDS 6
#define COL_XML 16
#define COL_EXTRA 17

/* The prepared statements, one per operation (SQL in cardstore.c). */
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
    OP_CONTACT_SUBSTR_TRI,
    OP_CONTACT_SUBSTR_SCAN,
    OP_CONTACT_SUBSTR_UNI,
    OP_CJK_TODO,
    OP_CJK_TODO_DONE,
    OP_CJK_IDS,
    OP_CJK_FIELDS,
    OP_CJK_SET,
    OP_SELF_GET,
    OP_SELF_SET,
    OP_SELF_CLEAR,
    OP_SELF_UPLOADED,
    OP_UPDATE_MARK,
    OP_UPDATE_GET,
    OP_BASE_SET,
    OP_BASE_GET,
    OP_BASE_BY_SENDER,
    OP_PENDING_SET,
    OP_PENDING_LIST,
    OP_PENDING_CLEAR,
    OP_COUNT
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

/* --- failures and statements (cardstore_stmt.c) --- */

/* Every function below returns 0 or a negative CARDSTORE_E* code and
 * leaves the reason in cs->msg for cardstore_errmsg(). */

/* Records msg (static) and returns code. */
int cs_fail(struct cardstore *cs, int code, const char *msg);
/* Records SQLite's message for rc now, before a later call (a rollback)
 * replaces it. */
int cs_db_fail(struct cardstore *cs, int rc);
int cs_nomem(struct cardstore *cs);

/* sqlutil_bind(), keeping SQLite's message on failure. Every call drops
 * its bindings before it returns, while the caller's strings are alive. */
int cs_bind(struct cardstore *cs, sqlite3_stmt *s, int first, const char *types,
            ...);
/* Binds the card fields of f to parameters 1..CS_NFIELDS. */
int cs_bind_fields(struct cardstore *cs, sqlite3_stmt *s,
                   const struct vcard_fields *f);

/* The calls below take ret, the result of binding s so far, and do nothing
 * but end the call when it is a failure. Each ends with cs_end. */

/* Ends a call on s: resets it and drops its bindings. Returns ret; the
 * reset can only repeat a failed step's error. */
int cs_end(struct cardstore *cs, sqlite3_stmt *s, int ret);
/* Steps a statement that yields no rows. */
int cs_run(struct cardstore *cs, sqlite3_stmt *s, int ret);
/* cs_run of op, which takes no parameters. */
int cs_exec(struct cardstore *cs, enum cs_op op);
/* cs_run for a write that must touch a row: CARDSTORE_ENOTFOUND with
 * notfound as the message if none. */
int cs_write(struct cardstore *cs, sqlite3_stmt *s, int ret,
             const char *notfound);
/* Steps s for one integer, or CARDSTORE_ENOTFOUND with notfound. */
int cs_get_int(struct cardstore *cs, sqlite3_stmt *s, int ret, int64_t *out,
               const char *notfound);
/* Copies text column col of the current row into *out (NULL for NULL),
 * the caller's to free. */
int cs_column_dup(struct cardstore *cs, sqlite3_stmt *s, int col, char **out);

/* Starts a unit of work: a transaction of its own, or a savepoint inside
 * the caller's (cardstore_begin). *own says which, for cs_tx_end. */
int cs_tx_begin(struct cardstore *cs, int *own);
/* Commits the unit of work when ret is not negative (and returns ret),
 * else undoes it. The message stays the first failure's. */
int cs_tx_end(struct cardstore *cs, int own, int ret);

/* --- cards (cardstore_cards.c) --- */

/* The time to store as "now": unix seconds. */
int64_t cs_now(void);
/* Runs op, a SELECT of one row by id, into a new *out (the caller's to
 * cardstore_card_free); CARDSTORE_ENOTFOUND with notfound if none. */
int cs_card_get(struct cardstore *cs, enum cs_op op, int64_t id,
                struct cardstore_card **out, const char *notfound);
/* Steps s (bound by the caller, ret the binding's result) and collects
 * column 0 of every row. ids->v is to free, also on failure. */
int cs_ids_collect(struct cardstore *cs, sqlite3_stmt *s, int ret,
                   struct cs_ids *ids);
/* Visits the cards of ids in order, each read with op when its turn comes
 * (cards deleted meanwhile are skipped). Returns 0, fn's non-zero value, or
 * a negative code. */
int cs_visit_ids(struct cardstore *cs, const struct cs_ids *ids, enum cs_op op,
                 cardstore_visit fn, void *ud);
/* Runs op (bound by the caller, ret the binding's result) for ids, then
 * visits those cards with get. */
int cs_visit_query(struct cardstore *cs, enum cs_op op, int ret, enum cs_op get,
                   cardstore_visit fn, void *ud);

/* --- search words (cardstore_search.c) --- */

/* A growing string; failed latches an allocation failure. */
struct cs_buf {
    char *p;
    size_t len, cap;
    int failed;
};

void cs_buf_add(struct cs_buf *b, const char *s, size_t n);
/* Appends the n bytes at s as one quoted FTS5 string (no syntax). */
void cs_buf_string(struct cs_buf *b, const char *s, size_t n);
int cs_is_space(char c);
/* The next whitespace-separated word at or after *p: its start, and *n its
 * length; NULL at the end. *p moves past it. */
const char *cs_word(const char **p, size_t *n);
/* True for a piece of a written phone number (digits and +-()./). */
int cs_phone_like(const char *w, size_t n);
/* *has: whether the word holds a token for FTS5's unicode61 tokenizer. */
int cs_has_token(struct cardstore *cs, const char *w, size_t n, int *has);

/* --- substring search for CJK text (cardstore_substr.c) --- */

/* How many words too short for trigrams one search narrows by (the
 * parameters of OP_CONTACT_SUBSTR_*). */
#define CS_SHORT_SLOTS 4

/* True when text holds a character of a script written without spaces
 * between words (Chinese, Japanese, Korean), which the word index cannot
 * find by any part. */
int cs_text_has_cjk(const char *text);
/* The CJK characters of fields[0..n) as words (see 003_trigram.sql) into
 * a new *out, NULL when there are none. */
int cs_cjk_chars(struct cardstore *cs, const char *const *fields, size_t n,
                 char **out);
/* Fills cjk_name and cjk_other of contacts saved before they existed, once
 * (store_todo says whether). */
int cs_cjk_backfill(struct cardstore *cs);
/* cardstore_contact_search() for such text, by substrings. */
int cs_search_substr(struct cardstore *cs, const char *text, size_t limit,
                     cardstore_visit fn, void *ud, int64_t *total);

/* --- contacts (cardstore_contacts.c), for saving inbox cards --- */

/* The oldest contact whose number has the same digits as phone. */
int cs_find_phone(struct cardstore *cs, const char *phone, int64_t *id);
int cs_contact_insert(struct cardstore *cs, const struct vcard_fields *f,
                      const char *xml, const char *extra, int64_t created,
                      int64_t updated, int64_t *id);
/* Fills and overwrites contact id with card's set fields. */
int cs_merge_into(struct cardstore *cs, int64_t id,
                  const struct cardstore_card *card);

#endif
