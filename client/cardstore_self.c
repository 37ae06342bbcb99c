/* The card store's own card: the user's vcard-temp and whether the
 * service has this version. */
#include "client/cardstore_int.h"

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

int cardstore_self_mark_uploaded(struct cardstore *cs, const char *xml)
{
    sqlite3_stmt *s = cs->stmt[OP_SELF_UPLOADED];

    if (!xml)
        return cs_fail(cs, CARDSTORE_EINVAL, "no card version to mark");
    return cs_write(cs, s, cs_bind(cs, s, 1, "t", xml),
                    "your card is not the version that was sent");
}
