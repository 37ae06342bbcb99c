/* The card store's statement plumbing: failures and their messages,
 * bind-step-reset of the prepared statements, and transactions. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/cardstore_int.h"
#include "sql/sqlutil.h"

int cs_fail(struct cardstore *cs, int code, const char *msg)
{
    cs->msg = msg;
    return code;
}

/* Records SQLite's message for rc now, before a later call (a rollback)
 * replaces it. */
int cs_db_fail(struct cardstore *cs, int rc)
{
    if (rc == SQLITE_NOMEM)
        return cs_fail(cs, CARDSTORE_ENOMEM, "out of memory");
    snprintf(cs->err, sizeof cs->err, "%s", sqlite3_errmsg(cs->db));
    return cs_fail(cs, CARDSTORE_EDB, cs->err);
}

int cs_nomem(struct cardstore *cs)
{
    return cs_fail(cs, CARDSTORE_ENOMEM, "out of memory");
}

/* sqlutil_bind(), keeping SQLite's message on failure. Every call drops
 * its bindings before it returns, while the caller's strings are alive. */
int cs_bind(struct cardstore *cs, sqlite3_stmt *s, int first, const char *types,
            ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = sqlutil_vbind(s, first, types, ap);
    va_end(ap);
    return rc == SQLITE_OK ? 0 : cs_db_fail(cs, rc);
}

/* Binds the card fields of f to parameters 1..CS_NFIELDS. */
int cs_bind_fields(struct cardstore *cs, sqlite3_stmt *s,
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
int cs_end(struct cardstore *cs, sqlite3_stmt *s, int ret)
{
    int rc = sqlutil_reset(s, SQLITE_OK);

    if (ret != 0)
        return ret;
    return rc == SQLITE_OK ? 0 : cs_db_fail(cs, rc);
}

/* Steps a statement that yields no rows, given the result of binding it,
 * and ends the call. */
int cs_run(struct cardstore *cs, sqlite3_stmt *s, int ret)
{
    int rc;

    if (ret != 0)
        return cs_end(cs, s, ret);
    rc = sqlutil_run(s, SQLITE_OK);
    return rc == SQLITE_OK ? 0 : cs_db_fail(cs, rc);
}

int cs_exec(struct cardstore *cs, enum cs_op op)
{
    return cs_run(cs, cs->stmt[op], 0);
}

/* cs_run for a write that must touch a row: CARDSTORE_ENOTFOUND if none. */
int cs_write(struct cardstore *cs, sqlite3_stmt *s, int ret,
             const char *notfound)
{
    ret = cs_run(cs, s, ret);
    if (ret == 0 && sqlite3_changes(cs->db) == 0)
        return cs_fail(cs, CARDSTORE_ENOTFOUND, notfound);
    return ret;
}

/* Copies text column col of the current row into *out (NULL for NULL). */
int cs_column_dup(struct cardstore *cs, sqlite3_stmt *s, int col, char **out)
{
    return sqlutil_column_dup(s, col, out) == SQLITE_OK ? 0 : cs_nomem(cs);
}

/* Runs a statement (bound by the caller) for one integer, or notfound. */
int cs_get_int(struct cardstore *cs, sqlite3_stmt *s, int ret, int64_t *out,
               const char *notfound)
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
int cs_tx_begin(struct cardstore *cs, int *own)
{
    *own = sqlite3_get_autocommit(cs->db);
    return cs_exec(cs, *own ? OP_BEGIN : OP_SAVEPOINT);
}

/* Commits the unit of work when ret is not negative, else undoes it. The
 * message stays the first failure's, even if the undo fails too. */
int cs_tx_end(struct cardstore *cs, int own, int ret)
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
