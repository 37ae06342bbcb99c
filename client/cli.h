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

struct cardx_cmd {
    struct cardx_settings *settings; /* borrowed */
    FILE *in, *out, *err;            /* borrowed */
    int interactive;                 /* in is a terminal: we may ask */
    int in_shell;                    /* keep the session between commands */
    int show_cards;                  /* print cards as they are stored */
    int lib_added;                   /* new cards the client stored */
    int unavailable;                 /* the client goes online unannounced */
    char sent_to[64];                /* the number of the last send */
    char send_reason[256];           /* why cardxd refused it, or "" */
    cardx_store *store;              /* opened by cmd_lib_store() */
    cardx_client *client;            /* made by cmd_lib_client() */
    char *component;                 /* cardxd's JID, from the settings */
};

/* The open card store, opening it on first use; NULL after reporting why
 * (then *status is the exit status). */
cardx_store *cmd_lib_store(struct cardx_cmd *c, int *status);

/* The account's libcardx client, made from the settings on first use
 * (asking for the password when interactive), not connected; NULL after
 * reporting why, with *status set. Cards it stores are printed as they
 * arrive with c->show_cards (in the shell). */
cardx_client *cmd_lib_client(struct cardx_cmd *c, int *status);

/* The client, connected (again) if it is not online; NULL after
 * reporting why, with *status set. */
cardx_client *cmd_lib_online(struct cardx_cmd *c, int *status);

/* The exit status for a CARDX_E_* code of a request or a login. */
int cmd_lib_status(int error);

/* msgid in the user's language, from the cardx catalog: what
 * commands_int.h's _() does, for files on this header (which define
 * _(s) as cmd_tr(s) for xgettext). */
const char *cmd_tr(const char *msgid);

/* The plural of cmd_tr: one or many in the user's language for n (files
 * on this header define P_(one, many, n) as cmd_trn(one, many, n)). */
const char *cmd_trn(const char *one, const char *many, unsigned long n);

/* A phone number as people read it ("+86 138 0013 8000"), into buf (len
 * bytes): e164 itself when libphonenumber cannot format it, "?" for NULL.
 * Returns buf. The wire and the store keep E.164. */
const char *cmd_phone_shown(const char *e164, char *buf, size_t len);
/* cmd_phone_shown() into a buffer of the enclosing block, for a printf
 * argument. */
#define CMD_PHONE_SHOWN(e164)                                                  \
    cmd_phone_shown((e164), (char[CMD_PHONE_SHOWN_MAX]){0}, CMD_PHONE_SHOWN_MAX)
#define CMD_PHONE_SHOWN_MAX 64

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

/* Prints the card's set fields as "name     VALUE" lines, then its photo
 * ("photo    JPEG 120x80, 5321 bytes") when it has one. */
void cmd_print_card(struct cardx_cmd *c, const cardx_card *card);

/* Runs one command line already split into words (cmd_run). */
int cmd_run(struct cardx_cmd *c, int argc, char **argv);

/* "2 new cards" / "no new cards". */
void cmd_print_count(struct cardx_cmd *c, int added);

/* Prints "cardx: MESSAGE" on err and returns code. */
int cmd_fail(struct cardx_cmd *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reads "--name VALUE" or "--name=VALUE" at argv[*i]; returns the value
 * (borrowed) and advances *i, or NULL when argv[*i] is not that option. */
const char *cmd_option_value(int argc, char **argv, int *i, const char *name);

/* Parses a positive row id ("12" or "#12"); -1 when arg is not one. */
int64_t cmd_parse_id(const char *arg);

/* "YYYY-MM-DD HH:MM" in local time. */
void cmd_format_time(int64_t t, char *buf, size_t size);

/* Asks a yes/no question on in when interactive; 1 for yes. */
int cmd_ask(struct cardx_cmd *c, const char *question);

/* The rest of f as a string, the caller's to free; NULL when it cannot be
 * read or memory ran out. */
char *cmd_slurp(FILE *f);

/* Reads FIELD=VALUE (FIELD in any case): *field the canonical name
 * (static), *value borrowed from arg. 0, or an exit status after
 * reporting. */
int cmd_assignment(struct cardx_cmd *c, const char *arg, const char **field,
                   const char **value);

/* One command: its name, the function, and its help. */
struct cmd_spec {
    const char *name;
    int (*run)(struct cardx_cmd *c, int argc, char **argv);
    const char *synopsis; /* one or more lines "cardx NAME ..." */
    const char *summary;  /* one line */
    const char *details;  /* paragraphs, may be NULL */
};

/* The commands, NULL-name terminated (cli_help.c). */
extern const struct cmd_spec cmd_specs[];
const struct cmd_spec *cmd_find(const char *name);

/* The commands of cli_send.c, cli_requests.c, cli_shell.c, help
 * (cli_help.c), and register (cli_register.c, still on the internal
 * session). */
int cmd_register(struct cardx_cmd *c, int argc, char **argv);
int cmd_send(struct cardx_cmd *c, int argc, char **argv);
int cmd_sync(struct cardx_cmd *c, int argc, char **argv);
int cmd_consent(struct cardx_cmd *c, int argc, char **argv);
int cmd_requests(struct cardx_cmd *c, int argc, char **argv);
int cmd_shell(struct cardx_cmd *c, int argc, char **argv);
int cmd_help_command(struct cardx_cmd *c, int argc, char **argv);

/* The commands on this header (cli_block.c, cli_inbox.c,
 * cli_contacts.c). */
int cmd_block(struct cardx_cmd *c, int argc, char **argv);
int cmd_unblock(struct cardx_cmd *c, int argc, char **argv);
int cmd_blocked(struct cardx_cmd *c, int argc, char **argv);
int cmd_inbox(struct cardx_cmd *c, int argc, char **argv);
int cmd_contacts(struct cardx_cmd *c, int argc, char **argv);
int cmd_export(struct cardx_cmd *c, int argc, char **argv);
int cmd_import(struct cardx_cmd *c, int argc, char **argv);

int cmd_card(struct cardx_cmd *c, int argc, char **argv);
/* cardx card qr ARGS... (cli_qr.c): argv holds the arguments after "qr". */
int cmd_card_qr(struct cardx_cmd *c, int argc, char **argv);
/* card profile list|show|set|delete|default (argv[0] is "profile";
 * cli_profile.c). */
int cmd_card_profile(struct cardx_cmd *c, int argc, char **argv);

/* Takes photo=@FILE (set the photo, checked and within
 * CARDX_PHOTO_MAX_BYTES) or photo= (remove it) out of argv, compacting it
 * and lowering *argc, and applies it to card (cli_photo.c). Returns 0 or
 * an exit status after reporting. */
int cmd_photo_assign(struct cardx_cmd *c, cardx_card *card, int *argc,
                     char **argv);

/* Goes online for an errand (card set's upload): outside the shell the
 * client then stays unavailable, so the cards that wait are left for
 * sync. 0 or an exit status after reporting. */
int cmd_go_online(struct cardx_cmd *c);

/* Uploads the own card if it changed since the last upload. *what (may be NULL)
 * receives 1 when something was uploaded. Returns 0 or an exit status after
 * reporting. */
int cmd_upload_self(struct cardx_cmd *c, int *what);

/* contacts updates ID on|off (cli_update.c, not yet on this header). */
int cmd_contacts_updates(struct cardx_cmd *c, cardx_store *st, int argc,
                         char **argv);

#endif
