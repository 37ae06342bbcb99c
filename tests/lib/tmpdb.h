/* A database file in a fresh temporary directory, for the unit tests of
 * both SQLite stores. */
#ifndef CARDX_TESTS_TMPDB_H
#define CARDX_TESTS_TMPDB_H

#include <stdint.h>

struct tmpdb {
    char dir[64];
    char path[96];
};

/* Creates the directory under $TMPDIR (or /tmp) and names the file in it,
 * which does not exist yet. Fails the test on error. */
void tmpdb_init(struct tmpdb *d);

/* Removes the file, its journals and the directory; the directory must
 * then be empty. */
void tmpdb_remove(const struct tmpdb *d);

/* Runs a one-integer query on a separate connection, to see what is really
 * on disk rather than what a store reports. */
int64_t tmpdb_int(const struct tmpdb *d, const char *sql);

/* Runs sql on a separate connection; it must succeed. */
void tmpdb_exec(const struct tmpdb *d, const char *sql);

#endif
