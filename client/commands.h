/* cardx's commands: what `cardx COMMAND ...` does, callable without the
 * program (a handset app, the tests) through one context. */
#ifndef CARDX_CLIENT_COMMANDS_H
#define CARDX_CLIENT_COMMANDS_H

#include <stdio.h>

#include "client/cli.h"
#include "client/settings.h"

/* A context for running commands. settings is borrowed and must outlive
 * the context; in, out and err are borrowed streams (questions are asked
 * on in only when it is a terminal). Nothing is opened until a command
 * needs it. NULL on allocation failure. */
struct cardx_cmd *cmd_new(struct cardx_settings *settings, FILE *in, FILE *out,
                          FILE *err);

/* Closes the session and the store. Accepts NULL. */
void cmd_free(struct cardx_cmd *c);

/* Runs one command, argv[0] being its name ("send", "inbox", ...), and
 * returns its exit status (CARDX_EXIT_*). Errors are one line on err,
 * "cardx: ...". */
int cmd_run(struct cardx_cmd *c, int argc, char **argv);

/* Writes the general help (topic NULL) or a command's help to out.
 * Returns CARDX_EXIT_OK, or CARDX_EXIT_USAGE for an unknown topic. */
int cmd_help(struct cardx_cmd *c, const char *topic);

/* The global options' help, for `cardx --help`. */
void cmd_usage(FILE *out);

#endif
