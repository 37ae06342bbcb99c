/* cardxd's store: opening and closing it through its driver, the helpers
 * every call uses and the caller's transactions. Each statement is
 * prepared once at open, then every call binds, steps and resets it. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "component/store_int.h"

/* Sets *err to a copy of msg (NULL if even that fails) and returns code. */
static int store_open_fail(char **err, int code, const char *msg)
{
    *err = strdup(msg);
    return code;
}

/* A store names its instance at random until store_instance_set(). */
static int store_name_instance(struct store *st)
{
    char id[STORE_INSTANCE_RANDOM_MAX];

    if (rand_hex_id(id, sizeof(id), STORE_INSTANCE_PREFIX,
                    STORE_INSTANCE_RANDOM_BYTES) < 0)
        return STORE_EDB;
    st->instance = strdup(id);
    return st->instance ? 0 : STORE_ENOMEM;
}

int store_open_driver(const struct db_driver *drv, const char *target,
                      const char *synchronous, struct store **out, char **err)
{
    struct db_spec spec = {
        .target = target,
        .synchronous = synchronous,
        .n = OP_COUNT,
    };
    struct store *st;
    int rc;

    *out = NULL;
    *err = NULL;
    st = calloc(1, sizeof *st);
    if (!st)
        return store_open_fail(err, STORE_ENOMEM, "out of memory");
    if (store_name_instance(st) < 0) {
        store_free(st);
        return store_open_fail(err, STORE_ENOMEM, "no instance name");
    }
    spec.setup = store_sql_for(drv, st->sql);
    spec.sql = st->sql;
    rc = drv->open(&spec, &st->db, err);
    if (rc < 0) {
        store_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

int store_open(const char *path, const char *synchronous, struct store **out,
               char **err)
{
    return store_open_driver(&db_sqlite, path, synchronous, out, err);
}

void store_free(struct store *st)
{
    if (!st)
        return;
    db_close(st->db);
    free(st->instance);
    free(st);
}

const char *store_errmsg(const struct store *st)
{
    return st->msg ? st->msg : db_errmsg(st->db);
}

enum store_fault store_fault(struct store *st)
{
    enum store_fault f;

    if (st->msg)
        return STORE_FAULT_OTHER;
    f = db_fault(st->db);
    if (f == STORE_FAULT_CORRUPT)
        st->damaged = 1;
    return f;
}

int store_damaged(const struct store *st)
{
    return st->damaged;
}

int store_set_busy_timeout(struct store *st, int64_t ms)
{
    return db_set_busy_timeout(st->db, ms);
}

int store_set_query_timeout(struct store *st, int64_t ms)
{
    return db_set_query_timeout(st->db, ms);
}

struct db_stmt *store_stmt(struct store *st, enum store_op op)
{
    st->msg = NULL;
    return db_stmt(st->db, op);
}

int store_fail(struct store *st, int code, const char *msg)
{
    st->msg = msg;
    return code;
}

int store_run(struct db_stmt *s, int rc)
{
    if (rc == 0)
        rc = db_step(s);
    return store_end(s, rc > 0 ? 0 : rc);
}

int store_write(struct store *st, struct db_stmt *s, int rc,
                const char *notfound)
{
    rc = store_run(s, rc);
    if (rc < 0)
        return rc;
    if (db_changes(s) == 0)
        return store_fail(st, STORE_ENOTFOUND, notfound);
    return 0;
}

int store_column_dup(struct store *st, struct db_stmt *s, int col, char **out)
{
    const char *text = db_column_text(s, col);

    *out = NULL;
    if (!text)
        return 0;
    *out = strdup(text);
    return *out ? 0 : store_fail(st, STORE_ENOMEM, "out of memory");
}

int store_step(struct db_stmt *s, int rc)
{
    return rc < 0 ? rc : db_step(s);
}

int store_end(struct db_stmt *s, int ret)
{
    int rc = db_reset(s);

    return ret < 0 ? ret : rc;
}

int store_get_text(struct store *st, enum store_op op, const char *key,
                   char **out, const char *notfound)
{
    struct db_stmt *s = store_stmt(st, op);
    int ret = store_step(s, db_bind(s, 1, "t", key));

    *out = NULL;
    if (ret == 1)
        ret = store_column_dup(st, s, 0, out);
    else if (ret == 0)
        ret = store_fail(st, STORE_ENOTFOUND, notfound);
    ret = store_end(s, ret);
    if (ret < 0) {
        free(*out);
        *out = NULL;
    }
    return ret;
}

int store_exec(struct store *st, enum store_op op)
{
    return store_run(store_stmt(st, op), 0);
}

int store_begin(struct store *st)
{
    return store_exec(st, OP_BEGIN);
}

int store_commit(struct store *st)
{
    return store_exec(st, OP_COMMIT);
}

int store_rollback(struct store *st)
{
    return store_exec(st, OP_ROLLBACK);
}

int store_reconnect(struct store *st)
{
    st->msg = NULL;
    return db_reconnect(st->db);
}

void store_wait(const struct store *st, struct store_wait *w)
{
    db_wait(st->db, w);
}

int store_in_transaction(const struct store *st)
{
    return db_in_transaction(st->db);
}
