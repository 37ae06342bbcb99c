/* Internals shared by cardx's command files (client/cli_*.c). */
#ifndef CARDX_CLIENT_COMMANDS_INT_H
#define CARDX_CLIENT_COMMANDS_INT_H

#include <libintl.h>
#include <stdint.h>
#include <stdio.h>
#include <strophe.h>

#include "client/cardstore.h"
#include "client/commands.h"
#include "client/session.h"
#include "client/settings.h"
#include "common/i18n.h"

/* What the commands print, in the user's language: the catalog of the
 * cardx domain, named on every call so that a program embedding the
 * library keeps its own textdomain(). The locale itself is the program's
 * to set (cardx does in main.c); the library never changes it. */
#define _(s) dgettext(I18N_DOMAIN, s)
#define P_(one, many, n) dngettext(I18N_DOMAIN, one, many, n)

/* Prints "cardx: MESSAGE" on err and returns code; fmt is English,
 * translated here (xgettext extracts cmd_fail's third argument). */
int cmd_fail(struct cardx_cmd *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The exit status for a SESSION_E* code. */
int cmd_session_status(int session_rc);

/* The exit status for a failed request to cardxd: like
 * cmd_session_status(), but an error saying cardxd cannot be reached
 * (service-unavailable...) is a network status, not a refusal. */
int cmd_iq_status(struct cardx_cmd *c, int session_rc);

/* The open card store (cmd_lib_store's, underneath), opening it on first
 * use; NULL after reporting why (then *status is the exit status). */
struct cardstore *cmd_store(struct cardx_cmd *c, int *status);

/* The store underneath once opened (c->store is the public one), else
 * NULL. */
struct cardstore *cmd_cardstore(struct cardx_cmd *c);

/* A libstrophe context for stanzas that never go on the wire; NULL when
 * memory ran out. */
xmpp_ctx_t *cmd_xctx(struct cardx_cmd *c);

/* A logged-in session, connecting (and asking for the password) on first
 * use or after the connection dropped. NULL after reporting why, with
 * *status set. */
struct session *cmd_online(struct cardx_cmd *c, int *status);

/* Creates the session object without connecting (for registration). */
struct session *cmd_session(struct cardx_cmd *c, int *status);

/* Stores every card the session queued (inbox), acknowledging each to
 * cardxd only once committed; counts newly stored ones in *added. Returns
 * 0 or an exit status after reporting. */
int cmd_store_cards(struct cardx_cmd *c, int *added);

/* The rest of f as a string, the caller's to free; NULL when it cannot be
 * read or memory ran out. */
char *cmd_slurp(FILE *f);

/* Parses a positive row id; -1 when arg is not one. */
int64_t cmd_parse_id(const char *arg);

/* "YYYY-MM-DD HH:MM" in local time. */
void cmd_format_time(int64_t t, char *buf, size_t size);

/* Asks a yes/no question on in when interactive; 1 for yes. */
int cmd_ask(struct cardx_cmd *c, const char *question);

/* True when argv holds --help or -h. */
int cmd_wants_help(int argc, char **argv);

/* --- updates of saved cards (cli_update.c) and profiles (cli_profile.c) */

/* Adds an arrived update to the inbox, marked as one, in one
 * transaction; returns as cardstore_inbox_add(). */
int cmd_store_update(struct cardstore *cs, const struct cardstore_card *card,
                     const char *updates, const char *changed, int64_t *id);

#endif
