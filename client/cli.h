/* What the cardx program's command files need, on libcardx's public API
 * only (lib/cardx.h): the command context, exit statuses and the helpers
 * every command shares. A command file written on this header includes no
 * library internals. */
#ifndef CARDX_CLIENT_CLI_H
#define CARDX_CLIENT_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "lib/cardx.h"

/* Exit statuses, as documented in cardx(1). */
#define CARDX_EXIT_OK 0
#define CARDX_EXIT_ERROR 1   /* a local failure: store, file, bad input */
#define CARDX_EXIT_USAGE 2   /* bad command line or settings */
#define CARDX_EXIT_NETWORK 3 /* cannot connect, connection lost, timeout */
#define CARDX_EXIT_REFUSED 4 /* the server or cardxd said no */
#define CARDX_EXIT_AUTH 5    /* login failed */

struct cardx_settings; /* the program's settings (client/settings.h) */
struct session;        /* commands not yet on the public API */
struct _xmpp_ctx_t;

struct cardx_cmd {
    struct cardx_settings *settings; /* borrowed */
    FILE *in, *out, *err;            /* borrowed */
    int interactive;                 /* in is a terminal: we may ask */
    int in_shell;                    /* keep the session between commands */
    int show_cards;                  /* print cards as they are stored */
    cardx_store *store;              /* opened by cmd_lib_store() */
    cardx_client *client;            /* made by cmd_lib_client() */
    int added;                       /* new cards the client stored */
    char sent_to[64];                /* the number of the last send */
    struct session *session;         /* made by cmd_online() */
    struct _xmpp_ctx_t *xctx;        /* for stanzas built offline */
    char *component;                 /* cardxd's JID, from the settings */
};

/* One subcommand of a command on the card store ("inbox show"): it gets
 * the open store and the arguments after its name. */
struct cmd_lib_sub {
    const char *name;
    int (*run)(struct cardx_cmd *c, cardx_store *st, int argc, char **argv);
    int takes_args; /* 0: any argument makes it a usage error */
};

/* Opens the store and runs the subcommand argv[1] of subs (NULL-name
 * terminated; without argv[1], the first), passing the arguments after
 * it. An unknown subcommand fails with usage. Returns the exit status. */
int cmd_lib_dispatch(struct cardx_cmd *c, const struct cmd_lib_sub *subs,
                     int argc, char **argv, const char *usage);

/* The open card store, opening it on first use; NULL after reporting why
 * (then *status is the exit status). */
cardx_store *cmd_lib_store(struct cardx_cmd *c, int *status);

/* The account's libcardx client, made from the settings on first use
 * (asking for the password when interactive), not connected; NULL after
 * reporting why, with *status set. Cards it stores are counted in
 * c->added and, with c->show_cards, printed as they arrive. */
cardx_client *cmd_lib_client(struct cardx_cmd *c, int *status);

/* The client, connected (again) if it is not online; NULL after
 * reporting why, with *status set. */
cardx_client *cmd_lib_online(struct cardx_cmd *c, int *status);

/* The exit status for a CARDX_E_* code of a request or a login. */
int cmd_lib_status(int error);

/* The quiet period of sync, from the settings (milliseconds). */
int cmd_quiet_ms(const struct cardx_cmd *c);

/* "2 new cards" / "no new cards". */
void cmd_print_count(struct cardx_cmd *c, int added);

/* The account's JID, from the settings (borrowed; NULL when unset). */
const char *cmd_jid(const struct cardx_cmd *c);

/* cardxd's JID once cmd_lib_client() made the client (borrowed). */
const char *cmd_component(const struct cardx_cmd *c);

/* Runs one command line already split into words (cmd_run). */
int cmd_run(struct cardx_cmd *c, int argc, char **argv);

/* Splits a line into words as a POSIX shell quotes, without expansion:
 * the count with *argv (freed with cmd_split_free), or -1 after setting
 * *err (the caller frees it; NULL when memory ran out). */
int cmd_split(const char *line, char ***argv, char **err);
void cmd_split_free(char **argv);

/* Monotonic milliseconds, for timeouts. */
int64_t cmd_now_ms(void);

/* Prints "cardx: MESSAGE" on err and returns code. */
int cmd_fail(struct cardx_cmd *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Parses a positive row id ("12" or "#12"); -1 when arg is not one. */
int64_t cmd_parse_id(const char *arg);

/* "YYYY-MM-DD HH:MM" in local time. */
void cmd_format_time(int64_t t, char *buf, size_t size);

/* Asks a yes/no question on in when interactive; 1 for yes. */
int cmd_ask(struct cardx_cmd *c, const char *question);

/* The rest of f as a string, the caller's to free; NULL when it cannot be
 * read or memory ran out. */
char *cmd_slurp(FILE *f);

/* Prints the card's set fields as "name     VALUE" lines. */
void cmd_print_card(struct cardx_cmd *c, const cardx_card *card);

/* Reads FIELD=VALUE (FIELD in any case): *field the canonical name
 * (static), *value borrowed from arg. 0, or an exit status after
 * reporting. */
int cmd_assignment(struct cardx_cmd *c, const char *arg, const char **field,
                   const char **value);

/* Applies FIELD=VALUE arguments to card; 0 or an exit status after
 * reporting (card is then partly changed). */
int cmd_apply_to_card(struct cardx_cmd *c, cardx_card *card, int argc,
                      char **argv);

/* The commands on this header. */
int cmd_inbox(struct cardx_cmd *c, int argc, char **argv);
int cmd_contacts(struct cardx_cmd *c, int argc, char **argv);
int cmd_export(struct cardx_cmd *c, int argc, char **argv);
int cmd_import(struct cardx_cmd *c, int argc, char **argv);
int cmd_send(struct cardx_cmd *c, int argc, char **argv);
int cmd_sync(struct cardx_cmd *c, int argc, char **argv);
int cmd_shell(struct cardx_cmd *c, int argc, char **argv);
int cmd_block(struct cardx_cmd *c, int argc, char **argv);
int cmd_unblock(struct cardx_cmd *c, int argc, char **argv);
int cmd_blocked(struct cardx_cmd *c, int argc, char **argv);
int cmd_card(struct cardx_cmd *c, int argc, char **argv);

#endif
