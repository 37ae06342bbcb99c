/* cardx: parses the global options, loads the settings and runs one
 * command (client/commands.h does the work). */
#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buildconf.h"
#include "client/commands.h"
#include "client/settings.h"
#include "common/i18n.h"

#define _(s) gettext(s)

#define MAX_OPTIONS 32

/* A global option given on the command line, as a settings key. */
struct cli_option {
    const char *key;
    const char *value;
};

/* The options that take a value, and the settings key each sets. */
static const struct {
    const char *option;
    const char *key;
} valued[] = {
    {"--jid", "jid"},
    {"--server", "server"},
    {"--component", "component"},
    {"--data-dir", "data_dir"},
    {"--timeout", "timeout"},
    {"--cafile", "cafile"},
    {"--config", NULL},
};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("cardx: ", stderr);
    fprintf(stderr, _(fmt), arg);
    fputs(_(" (see cardx --help)\n"), stderr);
    return 2;
}

/* The user's language for all cardx prints, from LC_ALL, LC_MESSAGES or
 * LANG as usual; the catalogs are in the build's localedir, or in
 * $CARDX_LOCALEDIR (a build tree's po/locale, for tests). Only the program
 * sets the locale: the library looks its messages up without touching it.
 * A host may lack the locale the user names (locales not installed,
 * locale-gen not run): glibc then stays in "C", which ignores every
 * catalog. The words are still wanted, so cardx falls back to C.UTF-8,
 * which glibc always has, and names the language through LANGUAGE, which
 * gettext honours in any locale but "C". */
static void locale_init(void)
{
    const char *dir = getenv("CARDX_LOCALEDIR");
    const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    const char *lang = NULL;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !lang; i++) {
        lang = getenv(names[i]);
        if (lang && !*lang)
            lang = NULL;
    }
    if (!setlocale(LC_ALL, "") && setlocale(LC_ALL, "C.UTF-8") && lang &&
        !getenv("LANGUAGE"))
        setenv("LANGUAGE", lang, 0);
    bindtextdomain(I18N_DOMAIN, dir && *dir ? dir : CARDX_LOCALEDIR);
    textdomain(I18N_DOMAIN);
}

/* Reads the options before the command into opts and *config; returns the
 * index of the command, or -1 after printing (then *status is set). */
static int parse_options(int argc, char **argv, struct cli_option *opts,
                         int *nopts, const char **config, int *status)
{
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *arg = argv[i], *value = NULL;
        size_t k, n;

        if (*nopts >= MAX_OPTIONS) {
            *status = usage_error("too many options at '%s'", arg);
            return -1;
        }
        if (strcmp(arg, "--") == 0)
            return i + 1;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            cmd_usage(stdout);
            *status = 0;
            return -1;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("cardx %s\n", PACKAGE_VERSION);
            *status = 0;
            return -1;
        }
        if (strcmp(arg, "--insecure-plaintext") == 0) {
            opts[(*nopts)++] = (struct cli_option){"tls", "no"};
            continue;
        }
        for (k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
            n = strlen(valued[k].option);
            if (strncmp(arg, valued[k].option, n) == 0 &&
                (arg[n] == '=' || arg[n] == '\0'))
                break;
        }
        if (k == sizeof(valued) / sizeof(valued[0])) {
            *status = usage_error("unknown option '%s'", arg);
            return -1;
        }
        if (arg[n] == '=')
            value = arg + n + 1;
        else if (i + 1 < argc)
            value = argv[++i];
        if (!value) {
            *status = usage_error("%s needs a value", arg);
            return -1;
        }
        if (!valued[k].key)
            *config = value;
        else
            opts[(*nopts)++] = (struct cli_option){valued[k].key, value};
    }
    return i;
}

static int apply_options(struct cardx_settings *s,
                         const struct cli_option *opts, int nopts)
{
    char *err = NULL;

    for (int i = 0; i < nopts; i++) {
        if (settings_set(s, opts[i].key, opts[i].value, &err) < 0) {
            fprintf(stderr, "cardx: %s\n", err ? err : "out of memory");
            free(err);
            return -1;
        }
    }
    return 0;
}

/* Environment overrides: the password, and the sync quiet period (tests). */
static int apply_env(struct cardx_settings *s)
{
    const char *pw = getenv("CARDX_PASSWORD");
    const char *quiet = getenv("CARDX_SYNC_QUIET_MS");
    char *err = NULL;

    if (pw && pw[0]) {
        if (settings_set(s, "password", pw, &err) < 0)
            goto fail;
        s->password_from = SETTINGS_FROM_ENV;
    }
    if (quiet && quiet[0] && settings_set(s, "sync_quiet", quiet, &err) < 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, _("cardx: environment: %s\n"), err ? err : "out of memory");
    free(err);
    return -1;
}

/* Options, then the account's files (the config file, XDG default unless
 * --config, and the one in its data directory), then options again so
 * they win, then the environment. */
static int load_settings(struct cardx_settings *s,
                         const struct cli_option *opts, int nopts,
                         const char *config)
{
    char *err = NULL;
    int dir_given;

    if (config && !(s->config_path = strdup(config)))
        return -1;
    if (apply_options(s, opts, nopts) < 0)
        return -1;
    dir_given = s->data_dir != NULL;
    if (settings_default_paths(s, &err) < 0 ||
        settings_load_account(s, dir_given, config != NULL, &err) < 0) {
        fprintf(stderr, "cardx: %s\n", err ? err : "out of memory");
        free(err);
        return -1;
    }
    if (apply_options(s, opts, nopts) < 0 || apply_env(s) < 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct cli_option opts[MAX_OPTIONS];
    struct cardx_settings *s = settings_new();
    struct cardx_cmd *c = NULL;
    const char *config = NULL;
    int nopts = 0, status = 2, first;

    locale_init();
    if (!s) {
        fputs(_("cardx: out of memory\n"), stderr);
        return 1;
    }
    /* A server going away must fail a write, not kill the program: the
     * program's choice, not the library's. */
    signal(SIGPIPE, SIG_IGN);
    first = parse_options(argc, argv, opts, &nopts, &config, &status);
    if (first < 0)
        goto out;
    if (first >= argc) {
        cmd_usage(stderr);
        goto out;
    }
    if (load_settings(s, opts, nopts, config) < 0)
        goto out;
    c = cmd_new(s, stdin, stdout, stderr);
    if (!c) {
        fputs(_("cardx: out of memory\n"), stderr);
        status = 1;
        goto out;
    }
    status = cmd_run(c, argc - first, argv + first);
out:
    cmd_free(c);
    settings_free(s);
    if (fflush(stdout) != 0 && status == 0)
        status = 1;
    return status;
}
