/* cardxd: the cardx XEP-0114 component program (logic in libcardxd). */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "component/cardxd.h"
#include "component/config.h"
#include "component/store.h"
#include "buildconf.h"

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: cardxd -c FILE [-d] [-t | --backup COPY]\n"
            "Attach the cardx business-card service to an XMPP server as an\n"
            "external component (XEP-0114).\n\n"
            "  -c, --config FILE  configuration file, normally\n"
            "                     " CARDXD_CONFIG " (see cardxd.conf(5))\n"
            "  -d, --debug        log debug messages (overrides [log] level)\n"
            "  -t, --test         check the configuration and the database "
            "as a start\n"
            "                     would, and exit\n"
            "      --backup COPY  copy the database, even while cardxd runs, "
            "to COPY\n"
            "                     and exit\n"
            "  -h, --help         show this help\n"
            "  -V, --version      show the version\n");
}

/* cli_parse()'s answer when the program goes on past the command line. */
#define CLI_GO_ON (-1)
/* The exit status of a command-line mistake. */
#define EXIT_USAGE 2

/* What the command line asks for; the strings are argv's. */
struct cli {
    const char *path;   /* -c FILE */
    const char *backup; /* --backup COPY, or NULL */
    int debug;          /* -d */
    int test;           /* -t */
};

/* Reads argv into cli: CLI_GO_ON, or the exit status after --help,
 * --version or a mistake. */
static int cli_parse(int argc, char **argv, struct cli *cli)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"debug", no_argument, NULL, 'd'},
        {"test", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"backup", required_argument, NULL, 'B'},
        {NULL, 0, NULL, 0}};
    int c;

    while ((c = getopt_long(argc, argv, "c:dthV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            cli->path = optarg;
            break;
        case 'd':
            cli->debug = 1;
            break;
        case 't':
            cli->test = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_SUCCESS;
        case 'B':
            cli->backup = optarg;
            break;
        case 'V':
            printf("cardxd %s\n", PACKAGE_VERSION);
            return EXIT_SUCCESS;
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (!cli->path || optind != argc) {
        fprintf(stderr, "cardxd: %s\n",
                cli->path ? "unexpected argument" : "missing -c FILE");
        usage(stderr);
        return EXIT_USAGE;
    }
    return CLI_GO_ON;
}

/* Loads and validates the configuration at path into *out (the caller's);
 * EXIT_SUCCESS, or the exit status after saying why not. */
static int cli_config_load(const char *path, struct cardxd_config **out)
{
    struct cardxd_config *cfg = config_new();
    char *err = NULL;

    *out = NULL;
    if (!cfg) {
        fprintf(stderr, "cardxd: out of memory\n");
        return EXIT_FAILURE;
    }
    if (config_load(cfg, path, &err) < 0 || config_validate(cfg, &err) < 0) {
        fprintf(stderr, "cardxd: %s\n", err);
        free(err);
        config_free(cfg);
        /* EX_CONFIG: systemd's RestartPreventExitStatus= stops here
         * rather than restarting a service that cannot work. */
        return EX_CONFIG;
    }
    *out = cfg;
    return EXIT_SUCCESS;
}

/* --backup: copies the SQLite database to copy; the exit status. */
static int cli_backup(const struct cardxd_config *cfg, const char *copy)
{
    char *err = NULL;

    if (strcmp(cfg->driver, "postgresql") == 0) {
        fprintf(stderr, "cardxd: --backup copies an SQLite file; back up a "
                        "PostgreSQL database with pg_dump (see ADMIN.md)\n");
        return EXIT_FAILURE;
    }
    if (store_backup(cfg->database, copy, &err) < 0) {
        fprintf(stderr, "cardxd: %s\n", err);
        free(err);
        return EXIT_FAILURE;
    }
    printf("cardxd: %s copied to %s\n", cfg->database, copy);
    return EXIT_SUCCESS;
}

/* -t: checks the configuration at path and the database as a start would;
 * the exit status. */
static int cli_check(const struct cardxd_config *cfg, const char *path,
                     const struct log *lg)
{
    char *err = NULL;

    if (cardxd_check(cfg, path, lg, &err) < 0) {
        fprintf(stderr, "cardxd: %s\n", err);
        free(err);
        return EXIT_FAILURE;
    }
    printf("cardxd: %s: configuration OK\n", path);
    return EXIT_SUCCESS;
}

/* Runs the daemon until it stops; takes cfg; the exit status. */
static int cli_daemon(struct cardxd_config *cfg, const struct cli *cli,
                      struct log *lg)
{
    struct cardxd_opts run = {cli->path, cli->debug};
    struct cardxd *cd = NULL;
    sigset_t hup;
    char *err = NULL;
    int rc = EXIT_FAILURE;

    /* A reload asked for while the database is checked and migrated
     * waits for the loop's signalfd instead of killing the start. */
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, NULL);
    if (cardxd_log_setup(lg, cfg, cli->debug, &err) < 0) {
        fprintf(stderr, "cardxd: %s\n", err);
        config_free(cfg);
        goto out;
    }
    /* The daemon takes the config: a reload replaces it. */
    if (cardxd_new(cfg, &run, lg, &cd, &err) < 0) {
        fprintf(stderr, "cardxd: %s\n", err);
        if (lg->owned) /* the admin reads the file, not stderr */
            log_error(lg, "%s", err);
        goto out;
    }
    rc = cardxd_run(cd) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
    free(err);
    cardxd_free(cd);
    return rc;
}

int main(int argc, char **argv)
{
    struct cli cli = {NULL, NULL, 0, 0};
    struct cardxd_config *cfg = NULL;
    struct log lg = {LOG_LEVEL_INFO, NULL, 0};
    int rc;

    /* Everything cardxd creates (the database, its journal, a backup) holds
     * numbers and cards: private, whatever umask it was started with. */
    umask(077);
    rc = cli_parse(argc, argv, &cli);
    if (rc != CLI_GO_ON)
        return rc;
    rc = cli_config_load(cli.path, &cfg);
    if (rc != EXIT_SUCCESS)
        return rc;
    lg.level = cli.debug ? LOG_LEVEL_DEBUG : cfg->log_level;
    if (cli.backup)
        rc = cli_backup(cfg, cli.backup);
    else if (cli.test)
        rc = cli_check(cfg, cli.path, &lg);
    else {
        rc = cli_daemon(cfg, &cli, &lg);
        cfg = NULL; /* the daemon took it */
    }
    config_free(cfg);
    log_close(&lg);
    return rc;
}
