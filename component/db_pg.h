/* What cardxd asks of PostgreSQL outside the store's statements: what
 * cardxd -t reports, and how a DSN is named in the log without its
 * password. */
#ifndef CARDX_COMPONENT_DB_PG_H
#define CARDX_COMPONENT_DB_PG_H

/* Connects to dsn and reads its schema version without changing anything.
 * Returns 0 with *version the schema found (0: none yet) and *pending the
 * migrations the next start will run, or a negative code with *err a
 * one-line message (never the DSN) the caller frees. */
int db_pg_probe(const char *dsn, int *version, int *pending, char **err);

/* dsn's database, user, host and port, for the log: never its password.
 * Returns a string the caller frees, or NULL when out of memory. */
char *db_pg_describe(const char *dsn);

#endif
