/* Schema migrations: numbered SQL scripts embedded at build time by
 * sql/embed.sh and applied in order, tracked by PRAGMA user_version. */
#ifndef CARDX_SQL_MIGRATIONS_H
#define CARDX_SQL_MIGRATIONS_H

#include <stddef.h>
#include <sqlite3.h>

/* One script. version counts from 1 without gaps (embed.sh checks), so
 * migrations[i].version == i + 1. The script must not open or close a
 * transaction itself: migrate_apply wraps each one. */
struct migration {
    int version;
    const char *sql;
};

/* Generated from sql/component/NNN_*.sql into sql/component_migrations.c. */
extern const struct migration component_migrations[];
extern const size_t component_migrations_count;

/* Generated from sql/component-pg/NNN_*.sql into
 * sql/component_pg_migrations.c: the same schema on PostgreSQL, applied by
 * component/db_pg_conn.c and tracked in its schema_version table. */
extern const struct migration component_pg_migrations[];
extern const size_t component_pg_migrations_count;

/* Generated from sql/client/NNN_*.sql into sql/client_migrations.c. */
extern const struct migration client_migrations[];
extern const size_t client_migrations_count;

/* Brings db up to version n: reads PRAGMA user_version and applies every
 * newer script of m[0..n) in its own transaction (BEGIN IMMEDIATE, script,
 * user_version, COMMIT). Refuses a database whose user_version is newer
 * than n. Returns 0, or -1 with *err set to a message the caller frees
 * with free() (NULL if even that allocation failed); a failed script is
 * rolled back and the database stays at the previous version. */
int migrate_apply(sqlite3 *db, const struct migration *m, size_t n, char **err);

#endif
