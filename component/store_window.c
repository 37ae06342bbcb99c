/* cardxd's store: the compare-and-set of a send window, so that several
 * instances counting one account's sends at once keep its limits. */
#include <stdint.h>

#include "component/store_int.h"

int store_window_swap(struct store *st, const char *jid, int kind,
                      int64_t old_started_at, int64_t old_used,
                      int64_t started_at, int64_t used)
{
    struct db_stmt *s;
    int rc;

    if (old_started_at < 0) {
        s = store_stmt(st, OP_WINDOW_FIRST);
        rc = db_bind(s, 1, "till", jid, kind, started_at, used);
    } else {
        s = store_stmt(st, OP_WINDOW_SWAP);
        rc = db_bind(s, 1, "tillll", jid, kind, started_at, used,
                     old_started_at, old_used);
    }
    rc = store_run(s, rc);
    if (rc < 0)
        return rc;
    return db_changes(s) > 0 ? 1 : 0;
}

int store_window_uncount(struct store *st, const char *jid, int kind,
                         int64_t started_at)
{
    struct db_stmt *s = store_stmt(st, OP_WINDOW_UNCOUNT);

    return store_run(s, db_bind(s, 1, "til", jid, kind, started_at));
}
