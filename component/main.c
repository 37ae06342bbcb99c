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

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"debug", no_argument, NULL, 'd'},
        {"test", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"backup", required_argument, NULL, 'B'},
        {NULL, 0, NULL, 0}};
    const char *path = NULL, *backup = NULL;
    int debug = 0, test = 0, c, rc = EXIT_FAILURE;
    struct cardxd_config *cfg = NULL;
    struct cardxd *cd = NULL;
    struct cardxd_opts run = {NULL, 0};
    sigset_t hup;
    struct log lg = {LOG_LEVEL_INFO, NULL, 0};
    char *err = NULL;

    /* Everything cardxd creates (the database, its journal, a backup) holds
     * numbers and cards: private, whatever umask it was started with. */
    umask(077);
    while ((c = getopt_long(argc, argv, "c:dthV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'd':
            debug = 1;
            break;
        case 't':
            test = 1;
            break;
        case 'h':
            usage(stdout);
            return EXIT_SUCCESS;
        case 'B':
            backup = optarg;
            break;
        case 'V':
            printf("cardxd %s\n", PACKAGE_VERSION);
            return EXIT_SUCCESS;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (!path || optind != argc) {
        fprintf(stderr, "cardxd: %s\n",
                path ? "unexpected argument" : "missing -c FILE");
        usage(stderr);
        return 2;
    }
    cfg = config_new();
    if (!cfg) {
        fprintf(stderr, "cardxd: out of memory\n");
        return EXIT_FAILURE;
    }
    if (config_load(cfg, path, &err) < 0 || config_validate(cfg, &err) < 0) {
        fprintf(stderr, "cardxd: %s\n", err);
        /* EX_CONFIG: systemd's RestartPreventExitStatus= stops here
         * rather than restarting a service that cannot work. */
        rc = EX_CONFIG;
        goto out;
    }
    lg.level = debug ? LOG_LEVEL_DEBUG : cfg->log_level;
    if (backup && strcmp(cfg->driver, "postgresql") == 0) {
        fprintf(stderr, "cardxd: --backup copies an SQLite file; back up a "
                        "PostgreSQL database with pg_dump (see ADMIN.md)\n");
        goto out;
    }
    if (backup) {
        if (store_backup(cfg->database, backup, &err) < 0) {
            fprintf(stderr, "cardxd: %s\n", err);
            goto out;
        }
        printf("cardxd: %s copied to %s\n", cfg->database, backup);
        rc = EXIT_SUCCESS;
        goto out;
    }
    if (test) {
        if (cardxd_check(cfg, path, &lg, &err) < 0) {
            fprintf(stderr, "cardxd: %s\n", err);
            goto out;
        }
        printf("cardxd: %s: configuration OK\n", path);
        rc = EXIT_SUCCESS;
        goto out;
    }
    /* A reload asked for while the database is checked and migrated
     * waits for the loop's signalfd instead of killing the start. */
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    sigprocmask(SIG_BLOCK, &hup, NULL);
    if (cardxd_log_setup(&lg, cfg, debug, &err) < 0) {
        fprintf(stderr, "cardxd: %s\n", err);
        goto out;
    }
    run.config_path = path;
    run.debug = debug;
    /* The daemon takes the config: a reload replaces it. */
    rc = cardxd_new(cfg, &run, &lg, &cd, &err);
    cfg = NULL;
    if (rc < 0) {
        rc = EXIT_FAILURE;
        fprintf(stderr, "cardxd: %s\n", err);
        if (lg.owned) /* the admin reads the file, not stderr */
            log_error(&lg, "%s", err);
        goto out;
    }
    rc = cardxd_run(cd) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
    free(err);
    cardxd_free(cd);
    config_free(cfg);
    log_close(&lg);
    return rc;
}
