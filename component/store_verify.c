/* cardxd's store: pending claims of phone numbers, the hashes of their
 * one-time codes, the codes issued (for the daily caps) and the key of the
 * hashes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "component/store_int.h"

int store_user_prove(struct store *st, const char *jid, int64_t now)
{
    struct db_stmt *s = store_stmt(st, OP_USER_PROVE);

    return store_write(st, s, db_bind(s, 1, "tl", jid, now), "no such user");
}

/* Copies a blob column of exactly len bytes into out. */
static int store_blob(struct store *st, struct db_stmt *s, int col,
                      unsigned char *out, size_t len)
{
    size_t got = 0;
    const void *p = db_column_bytes(s, col, &got);

    if (!p || got != len)
        return store_fail(st, STORE_EDB, "a stored hash or key is damaged");
    memcpy(out, p, len);
    return 0;
}

int store_verify_key(struct store *st,
                     const unsigned char fresh[STORE_VERIFY_KEY_BYTES],
                     unsigned char key[STORE_VERIFY_KEY_BYTES])
{
    struct db_stmt *s = store_stmt(st, OP_VERIFY_KEY_PUT);
    int rc = store_run(s, db_bind(s, 1, "b", (const void *)fresh,
                                  (size_t)STORE_VERIFY_KEY_BYTES));

    if (rc < 0)
        return rc;
    s = store_stmt(st, OP_VERIFY_KEY_GET);
    rc = store_step(s, 0);
    if (rc == 1)
        rc = store_blob(st, s, 0, key, STORE_VERIFY_KEY_BYTES);
    else if (rc == 0)
        rc = store_fail(st, STORE_EDB, "the key of codes vanished");
    return store_end(s, rc);
}

int store_verify_claim_put(struct store *st, const char *jid, const char *phone,
                           const struct store_claim *c)
{
    struct db_stmt *s = store_stmt(st, OP_VERIFY_CLAIM_PUT);
    int rc = db_bind(s, 1, "tt", jid, phone);

    if (rc == 0)
        rc = db_bind(s, 3, "b", (const void *)c->hash,
                     (size_t)STORE_VERIFY_HASH_BYTES);
    if (rc == 0)
        rc = db_bind(s, 4, "ll", c->issued_at, c->expires_at);
    rc = store_run(s, rc);
    if (rc < 0)
        return rc;
    s = store_stmt(st, OP_VERIFY_ISSUED_ADD);
    return store_run(s, db_bind(s, 1, "ttl", jid, phone, c->issued_at));
}

int store_verify_claim_get(struct store *st, const char *jid, const char *phone,
                           struct store_claim *c)
{
    struct db_stmt *s = store_stmt(st, OP_VERIFY_CLAIM_GET);
    int rc = store_step(s, db_bind(s, 1, "tt", jid, phone));

    if (rc == 1) {
        rc = store_blob(st, s, 0, c->hash, STORE_VERIFY_HASH_BYTES);
        c->issued_at = db_column_int64(s, 1);
        c->expires_at = db_column_int64(s, 2);
        c->tries = (int)db_column_int64(s, 3);
    } else if (rc == 0) {
        rc = store_fail(st, STORE_ENOTFOUND, "no such claim");
    }
    return store_end(s, rc);
}

int store_verify_claim_fail(struct store *st, const char *jid,
                            const char *phone)
{
    struct db_stmt *s = store_stmt(st, OP_VERIFY_CLAIM_FAIL);

    return store_write(st, s, db_bind(s, 1, "tt", jid, phone), "no such claim");
}

int store_verify_claim_drop(struct store *st, const char *jid,
                            const char *phone, const unsigned char *hash)
{
    struct db_stmt *s = store_stmt(st, OP_VERIFY_CLAIM_DROP);
    int rc = db_bind(s, 1, "tt", jid, phone);

    if (rc == 0)
        rc = db_bind(s, 3, "b", (const void *)hash,
                     (size_t)STORE_VERIFY_HASH_BYTES);
    return store_run(s, rc);
}

int store_verify_claim_latest(struct store *st, const char *jid, int64_t now,
                              char **phone)
{
    struct db_stmt *s = store_stmt(st, OP_VERIFY_CLAIM_LATEST);
    int rc = store_step(s, db_bind(s, 1, "tl", jid, now));

    *phone = NULL;
    if (rc == 1)
        rc = store_column_dup(st, s, 0, phone);
    else if (rc == 0)
        rc = store_fail(st, STORE_ENOTFOUND, "no pending claim");
    rc = store_end(s, rc);
    if (rc < 0) {
        free(*phone);
        *phone = NULL;
    }
    return rc;
}

/* Runs a count-and-first statement for key since a time. */
static int store_issued_one(struct store *st, enum store_op op, const char *key,
                            int64_t since, int64_t *n, int64_t *first)
{
    struct db_stmt *s = store_stmt(st, op);
    int rc = store_step(s, db_bind(s, 1, "tl", key, since));

    *n = 0;
    *first = 0;
    if (rc == 1) {
        *n = db_column_int64(s, 0);
        *first = db_column_int64(s, 1); /* NULL reads as 0 */
        rc = 0;
    }
    return store_end(s, rc);
}

int store_verify_issued(struct store *st, const char *phone, const char *jid,
                        int64_t since, int64_t *n_phone, int64_t *first_phone,
                        int64_t *n_jid, int64_t *first_jid)
{
    int rc = store_issued_one(st, OP_VERIFY_ISSUED_PHONE, phone, since, n_phone,
                              first_phone);

    if (rc == 0)
        rc = store_issued_one(st, OP_VERIFY_ISSUED_JID, jid, since, n_jid,
                              first_jid);
    return rc;
}

int store_verify_prune(struct store *st, int64_t issued_before,
                       int64_t expired_before)
{
    struct db_stmt *s = store_stmt(st, OP_VERIFY_PRUNE_ISSUED);
    int rc = store_run(s, db_bind(s, 1, "l", issued_before));

    if (rc == 0) {
        s = store_stmt(st, OP_VERIFY_PRUNE_CLAIMS);
        rc = store_run(s, db_bind(s, 1, "l", expired_before));
    }
    return rc;
}
