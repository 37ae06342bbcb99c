/* Parsing helpers for cardx's command lines: shell-style word splitting for
 * `cardx shell` and FIELD=VALUE card assignments. */
#ifndef CARDX_CLIENT_CLIPARSE_H
#define CARDX_CLIENT_CLIPARSE_H

#include "common/errors.h"

/* Splits line into words the way a POSIX shell quotes, without any
 * expansion: blanks separate words, '...' keeps everything literally,
 * "..." keeps everything but \" and \\, a backslash outside quotes escapes
 * the next character, and # at the start of a word begins a comment.
 * Returns the number of words with *argv a NULL-terminated array the caller
 * frees with cliparse_free(), or with *argv NULL and *err (caller frees)
 * CX_EINVAL for an unterminated quote, CX_ENOMEM when memory ran out. */
int cliparse_split(const char *line, char ***argv, char **err);

/* Frees an array from cliparse_split(). Accepts NULL. */
void cliparse_free(char **argv);

/* Reads "FIELD=VALUE" where FIELD is one of vcard_field_names() in any
 * case. *field receives the canonical name (static), *value the text after
 * the first '=' (borrowed from arg; may be empty, which clears the field).
 * Returns 0, CX_EINVAL when arg has no '=' or an empty field, CX_ENOTFOUND
 * for an unknown field name. */
int cliparse_assignment(const char *arg, const char **field,
                        const char **value);

#endif
