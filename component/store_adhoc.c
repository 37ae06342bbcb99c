/* cardxd's store: ad-hoc command runs waiting for their forms, shared so
 * that any instance continues a run another one started. */
#include <stdint.h>

#include "component/store_int.h"

int store_adhoc_open(struct store *st, const char *run_id, const char *node,
                     const char *owner, int64_t now, int64_t expires_at,
                     int keep)
{
    struct db_stmt *s = store_stmt(st, OP_ADHOC_PRUNE);
    int rc = store_run(s, db_bind(s, 1, "l", now));

    if (rc < 0)
        return rc;
    s = store_stmt(st, OP_ADHOC_OPEN);
    rc = store_run(s, db_bind(s, 1, "tttl", run_id, node, owner, expires_at));
    if (rc < 0)
        return rc;
    s = store_stmt(st, OP_ADHOC_TRIM);
    return store_run(s, db_bind(s, 1, "ti", owner, keep));
}

/* Runs op (FIND or TAKE) on the run: its expiry into *expires_at. */
static int adhoc_read(struct store *st, enum store_op op, const char *run_id,
                      const char *node, const char *owner, int64_t *expires_at)
{
    struct db_stmt *s = store_stmt(st, op);
    int ret = store_step(s, db_bind(s, 1, "ttt", run_id, node, owner));

    if (ret == 1) {
        *expires_at = db_column_int64(s, 0);
        ret = 0;
    } else if (ret == 0) {
        ret = store_fail(st, STORE_ENOTFOUND, "no such command run");
    }
    return store_end(s, ret);
}

int store_adhoc_find(struct store *st, const char *run_id, const char *node,
                     const char *owner, int64_t *expires_at)
{
    return adhoc_read(st, OP_ADHOC_FIND, run_id, node, owner, expires_at);
}

int store_adhoc_take(struct store *st, const char *run_id, const char *node,
                     const char *owner, int64_t *expires_at)
{
    return adhoc_read(st, OP_ADHOC_TAKE, run_id, node, owner, expires_at);
}
