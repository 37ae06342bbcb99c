/* What the drivers of component/db.h share: finding one by its name, and
 * binding a statement's parameters in one call. */
#include "component/db.h"

#include <stdarg.h>
#include <string.h>

#include "buildconf.h"

/* The drivers this build has, SQLite (the embedded default) first. */
static const struct db_driver *const db_drivers[] = {
    &db_sqlite,
#ifdef HAVE_LIBPQ
    &db_postgresql,
#endif
};

const struct db_driver *db_driver_find(const char *name)
{
    for (size_t i = 0; i < sizeof db_drivers / sizeof db_drivers[0]; i++)
        if (strcmp(db_drivers[i]->name, name) == 0)
            return db_drivers[i];
    return NULL;
}

int db_bind(struct db_stmt *s, int first, const char *types, ...)
{
    va_list ap;
    int rc;

    va_start(ap, types);
    rc = s->drv->vbind(s, first, types, ap);
    va_end(ap);
    return rc;
}
