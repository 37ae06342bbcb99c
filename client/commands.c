/* cardx's command context: the lazily opened libcardx store and client
 * (made from the program's settings, asking for the password), and the
 * helpers every command uses. */
#include "client/commands.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <libintl.h>

#include "client/cliparse.h"
#include "common/i18n.h"
#include "common/phone.h"
#include "common/util.h"

#define _(s) cmd_tr(s)
#define P_(one, many, n) cmd_trn(one, many, n)

#define PASSWORD_MAX 1024
/* Room for a language tag, as libcardx's lang setting takes. */
#define CMD_LANG_SIZE 36

struct cardx_cmd *cmd_new(struct cardx_settings *settings, FILE *in, FILE *out,
                          FILE *err)
{
    struct cardx_cmd *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    c->settings = settings;
    c->in = in;
    c->out = out;
    c->err = err;
    c->interactive = in && isatty(fileno(in));
    return c;
}

void cmd_free(struct cardx_cmd *c)
{
    if (!c)
        return;
    cardx_client_free(c->client);
    cardx_store_free(c->store);
    free(c->component);
    free(c);
}

const char *cmd_phone_shown(const char *e164, char *buf, size_t len)
{
    return phone_format_into(e164, buf, len, "?");
}

int cmd_fail(struct cardx_cmd *c, int code, const char *fmt, ...)
{
    va_list ap;

    fflush(c->out);
    fputs("cardx: ", c->err);
    va_start(ap, fmt);
    vfprintf(c->err, _(fmt), ap);
    va_end(ap);
    fputc('\n', c->err);
    fflush(c->err);
    return code;
}

/* True when argv holds --help or -h (before "--"). */
static int cmd_wants_help(int argc, char **argv);

int cmd_run(struct cardx_cmd *c, int argc, char **argv)
{
    const struct cmd_spec *spec;

    if (argc < 1) {
        cmd_help(c, NULL);
        return CARDX_EXIT_USAGE;
    }
    spec = cmd_find(argv[0]);
    if (!spec)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "unknown command '%s' (see cardx help)", argv[0]);
    if (spec->run != cmd_help_command && cmd_wants_help(argc, argv))
        return cmd_help(c, spec->name);
    return spec->run(c, argc, argv);
}

int cmd_lib_dispatch(struct cardx_cmd *c, const struct cmd_lib_sub *subs,
                     int argc, char **argv, const char *usage)
{
    const char *name = argc > 1 ? argv[1] : subs[0].name;
    cardx_store *cs;
    int status;

    cs = cmd_lib_store(c, &status);
    if (!cs)
        return status;
    for (const struct cmd_lib_sub *sub = subs; sub->name; sub++) {
        if (strcmp(sub->name, name) == 0 && (sub->takes_args || argc <= 2))
            return sub->run(c, cs, argc > 1 ? argc - 2 : 0, argv + 2);
    }
    return cmd_fail(c, CARDX_EXIT_USAGE, "%s", usage);
}

const char *cmd_tr(const char *msgid)
{
    return dgettext(I18N_DOMAIN, msgid);
}

const char *cmd_trn(const char *one, const char *many, unsigned long n)
{
    return dngettext(I18N_DOMAIN, one, many, n);
}

cardx_store *cmd_lib_store(struct cardx_cmd *c, int *status)
{
    char *err = NULL;
    int rc;

    *status = CARDX_EXIT_OK;
    if (c->store)
        return c->store;
    rc = cardx_store_open(c->settings->data_dir, &c->store, &err);
    if (rc != CARDX_OK) {
        *status =
            cmd_fail(c, CARDX_EXIT_ERROR, "%s", err ? err : cardx_strerror(rc));
        c->store = NULL;
    }
    cardx_free(err);
    return c->store;
}

/* Reads a line from in with echo off (in is a terminal). */
static char *prompt_password(struct cardx_cmd *c)
{
    struct termios old, quiet;
    char buf[PASSWORD_MAX];
    int fd = fileno(c->in), restore;
    char *pw = NULL;

    fprintf(c->err, _("Password for %s: "), c->settings->jid);
    fflush(c->err);
    restore = tcgetattr(fd, &old) == 0;
    if (restore) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (fgets(buf, sizeof(buf), c->in)) {
        buf[strcspn(buf, "\r\n")] = '\0';
        pw = strdup(buf);
    }
    if (restore)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', c->err);
    explicit_bzero(buf, sizeof(buf));
    return pw;
}

/* Makes sure the settings hold a JID, a password and the component. */
static int need_account(struct cardx_cmd *c)
{
    struct cardx_settings *s = c->settings;

    if (!s->jid)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "no account: give --jid JID (cardx register saves "
                        "it for later commands)");
    if (!s->password && c->interactive) {
        s->password = prompt_password(c);
        s->password_from = SETTINGS_FROM_CLI;
    }
    if (!s->password && c->interactive)
        return cmd_fail(c, CARDX_EXIT_USAGE, "no password given");
    if (!s->password)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "no password for %s: set CARDX_PASSWORD, put "
                        "password = ... in %s, or run on a terminal",
                        s->jid, s->config_path ? s->config_path : "the config");
    if (!c->component) {
        c->component = settings_component(s);
        if (!c->component)
            return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    }
    return CARDX_EXIT_OK;
}

/* --- the libcardx client --- */

static void lib_on_card(void *ud, const cardx_card *card)
{
    struct cardx_cmd *c = ud;
    const char *who = cardx_card_get(card, "name");
    const char *sender = cardx_card_sender(card);

    c->lib_added++;
    if (!c->show_cards)
        return;
    if (!who)
        who = cardx_card_get(card, "org");
    fprintf(c->out, _("%s from %s: %s (inbox #%lld)\n"),
            cardx_card_updates(card) ? _("Updated card") : _("New card"),
            sender ? CMD_PHONE_SHOWN(sender) : _("an unknown number"),
            who ? who : "(no name)", (long long)cardx_card_id(card));
    fflush(c->out);
}

/* The number a send went to, as cardxd normalised it, or why it was
 * refused (in the language of the request: libcardx's lang setting). */
static void lib_on_sent(void *ud, uint32_t request,
                        enum cardx_send_status status, const char *number,
                        const char *card_id, int error, const char *reason)
{
    struct cardx_cmd *c = ud;

    (void)request;
    (void)status;
    (void)card_id;
    snprintf(c->sent_to, sizeof(c->sent_to), "%s", number ? number : "");
    snprintf(c->send_reason, sizeof(c->send_reason), "%s",
             error != CARDX_OK && reason ? reason : "");
}

/* $CARDX_DEBUG: libstrophe's log on standard error, as cardx(1) says. */
static void lib_on_log(void *ud, const char *area, const char *msg)
{
    struct cardx_cmd *c = ud;

    fprintf(c->err, "cardx: strophe %s: %s\n", area, msg);
}

/* The program's settings as libcardx's; NULL when out of memory. */
static cardx_settings *lib_settings(struct cardx_cmd *c)
{
    const struct cardx_settings *s = c->settings;
    cardx_settings *ls = cardx_settings_new();
    char server[320] = "", timeout[24], lang[CMD_LANG_SIZE];
    int bad = !ls;

    if (s->server_host)
        snprintf(server, sizeof(server),
                 strchr(s->server_host, ':') ? "[%s]" : "%s", s->server_host);
    if (s->server_host && s->server_port)
        snprintf(server + strlen(server), sizeof(server) - strlen(server),
                 ":%d", s->server_port);
    snprintf(timeout, sizeof(timeout), "%d", s->timeout_ms);
    bad = bad || cardx_settings_set(ls, "jid", s->jid) ||
          cardx_settings_set(ls, "password", s->password) ||
          cardx_settings_set(ls, "server", server) ||
          cardx_settings_set(ls, "component", c->component) ||
          cardx_settings_set(ls, "data_dir", s->data_dir) ||
          cardx_settings_set(ls, "tls", s->tls ? "yes" : "no") ||
          cardx_settings_set(ls, "cafile", s->cafile) ||
          cardx_settings_set(ls, "timeout_ms", timeout) ||
          cardx_settings_set(ls, "available", c->unavailable ? "no" : "yes");
    /* cardxd's texts (errors, forms) and libcardx's in the language cardx
     * prints, from the catalogs cardx reads (main() bound them). */
    if (!bad && i18n_gettext_lang(lang, sizeof(lang)))
        bad = cardx_settings_set(ls, "lang", lang) == CARDX_E_NOMEM ||
              cardx_settings_set(ls, "locale_dir",
                                 bindtextdomain(I18N_DOMAIN, NULL)) ==
                  CARDX_E_NOMEM;
    if (bad) {
        cardx_settings_free(ls);
        return NULL;
    }
    return ls;
}

cardx_client *cmd_lib_client(struct cardx_cmd *c, int *status)
{
    struct cardx_callbacks cb = {.card = lib_on_card, .sent = lib_on_sent};
    const char *debug = getenv("CARDX_DEBUG");
    cardx_settings *ls;
    char *err = NULL;
    int rc;

    *status = need_account(c);
    if (*status != CARDX_EXIT_OK)
        return NULL;
    if (c->client)
        return c->client;
    if (debug && debug[0] && strcmp(debug, "0") != 0)
        cb.log = lib_on_log;
    ls = lib_settings(c);
    rc = ls ? cardx_client_new(ls, &cb, c, &c->client, &err) : CARDX_E_NOMEM;
    cardx_settings_free(ls);
    if (rc != CARDX_OK) {
        *status =
            cmd_fail(c, CARDX_EXIT_ERROR, "%s", err ? err : cardx_strerror(rc));
        c->client = NULL;
    }
    cardx_free(err);
    return c->client;
}

cardx_client *cmd_lib_online(struct cardx_cmd *c, int *status)
{
    cardx_client *cl = cmd_lib_client(c, status);
    int rc;

    if (!cl || cardx_client_state(cl) == CARDX_STATE_ONLINE)
        return cl;
    rc = cardx_client_connect_blocking(cl);
    if (rc != CARDX_OK) {
        *status =
            cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
        return NULL;
    }
    return cl;
}

int cmd_lib_status(int error)
{
    switch (error) {
    case CARDX_OK:
        return CARDX_EXIT_OK;
    case CARDX_E_AUTH:
    case CARDX_E_NO_ACCOUNT:
        return CARDX_EXIT_AUTH;
    case CARDX_E_NET:
    case CARDX_E_TIMEOUT:
    case CARDX_E_UNREACHABLE:
    case CARDX_E_TLS:
    case CARDX_E_TLS_CERT:
    case CARDX_E_TLS_CERT_NAME:
        return CARDX_EXIT_NETWORK;
    case CARDX_E_NOMEM:
    case CARDX_E_DB:
    case CARDX_E_IO:
    case CARDX_E_STATE:
        return CARDX_EXIT_ERROR;
    default:
        return CARDX_EXIT_REFUSED;
    }
}

/* 1 when the own card is set and cardxd does not have this version. */
static int card_pending(cardx_store *st)
{
    cardx_card *card = NULL;
    int uploaded = 1;

    if (cardx_store_self_get(st, &card, &uploaded) != CARDX_OK)
        return 0;
    cardx_card_free(card);
    return !uploaded;
}

int cmd_go_online(struct cardx_cmd *c)
{
    int status;

    /* An errand: outside the shell, cards that wait stay for sync. */
    c->unavailable = !c->in_shell && !c->client;
    return cmd_lib_online(c, &status) ? CARDX_EXIT_OK : status;
}

int cmd_upload_self(struct cardx_cmd *c, int *what)
{
    int status, pending, rc;
    cardx_client *cl = cmd_lib_client(c, &status);

    if (what)
        *what = 0;
    if (!cl)
        return status;
    pending = card_pending(cardx_client_store(cl));
    rc = cardx_client_upload_self_blocking(cl);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    if (what)
        *what = pending;
    return CARDX_EXIT_OK;
}

char *cmd_slurp(FILE *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    char buf[8192];
    size_t n;

    if (!mem)
        return NULL;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        fwrite(buf, 1, n, mem);
    if ((fclose(mem) != 0) | ferror(f)) {
        free(text);
        return NULL;
    }
    return text;
}

const char *cmd_option_value(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

int64_t cmd_parse_id(const char *arg)
{
    char *end;
    long long v;

    if (arg[0] == '#')
        arg++;
    if (arg[0] < '0' || arg[0] > '9')
        return -1;
    errno = 0;
    v = strtoll(arg, &end, 10);
    if (errno || *end || v <= 0)
        return -1;
    return (int64_t)v;
}

void cmd_format_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!localtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M", &tm))
        snprintf(buf, size, "?");
}

int cmd_ask(struct cardx_cmd *c, const char *question)
{
    char buf[64];

    if (!c->interactive)
        return 0;
    fprintf(c->out, "%s [y/N] ", question);
    fflush(c->out);
    if (!fgets(buf, sizeof(buf), c->in))
        return 0;
    return buf[0] == 'y' || buf[0] == 'Y';
}

static int cmd_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
        if (strcmp(argv[i], "--") == 0)
            break;
    }
    return 0;
}

void cmd_print_card(struct cardx_cmd *c, const cardx_card *card)
{
    const char *type = NULL, *why = NULL;
    unsigned width = 0, height = 0;
    size_t len = 0;
    int rc;

    for (const char *const *name = cardx_field_names(); *name; name++) {
        const char *v = cardx_card_get(card, *name);

        if (v)
            fprintf(c->out, "%-8s %s\n", *name, v);
    }
    rc = cardx_card_photo_get(card, NULL, &len, &type, &width, &height, &why);
    if (rc == CARDX_OK)
        fprintf(c->out, "%-8s %s %ux%u, %zu bytes\n", "photo", type, width,
                height, len);
    else if (rc == CARDX_E_INVAL)
        fprintf(c->out, "%-8s unreadable (%s)\n", "photo", why ? why : "?");
}

int cmd_assignment(struct cardx_cmd *c, const char *arg, const char **field,
                   const char **value)
{
    int rc = cliparse_assignment(arg, field, value);

    if (rc == CX_EINVAL)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "'%s' is not FIELD=VALUE (e.g. name=\"Alice "
                        "Wang\")",
                        arg);
    if (rc == CX_ENOTFOUND)
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "unknown field in '%s' (fields: name, given, "
                        "family, phone, email, org, title, address, url, "
                        "note)",
                        arg);
    return CARDX_EXIT_OK;
}
