/* Settings belong to an account: which files apply to the JID in use, and
 * where that account's own settings live (beside its cards). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/settings.h"
#include "common/util.h"

/* Bare JIDs compared as servers do for the common case: case-insensitive
 * (nodeprep and nameprep fold ASCII case). */
static int same_jid(const char *a, const char *b)
{
    return strcasecmp(a, b) == 0;
}

/* The keys a file holds, read on their own to see whose they are. */
static int peek(const char *path, struct cardx_settings **out, char **err)
{
    struct cardx_settings *f = settings_new();
    int rc;

    *out = NULL;
    if (!f) {
        *err = str_printf("out of memory");
        return CX_ENOMEM;
    }
    rc = settings_load(f, path, 0, err);
    if (rc < 0) {
        settings_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

/* The account file of the data directory in use: the command line's, else
 * the config file's when that file may apply, else the default. */
static int account_path(struct cardx_settings *s,
                        const struct cardx_settings *g, int dir_given,
                        char **err)
{
    const char *dir = s->data_dir;

    if (!dir_given && g->data_dir &&
        (!s->jid || !g->jid || same_jid(s->jid, g->jid)))
        dir = g->data_dir;
    free(s->account_path);
    s->account_path = str_printf("%s/%s", dir, SETTINGS_ACCOUNT_NAME);
    if (!s->account_path) {
        *err = str_printf("out of memory");
        return CX_ENOMEM;
    }
    return 0;
}

int settings_load_account(struct cardx_settings *s, int dir_given,
                          int config_given, char **err)
{
    struct cardx_settings *g = NULL, *a = NULL;
    const char *active;
    int rc;

    *err = NULL;
    rc = peek(s->config_path, &g, err);
    if (rc == 0)
        rc = account_path(s, g, dir_given, err);
    if (rc == 0)
        rc = peek(s->account_path, &a, err);
    if (rc < 0)
        goto out;
    active = s->jid ? s->jid : a->jid ? a->jid : g->jid;
    if (a->jid && active && !same_jid(a->jid, active)) {
        *err = str_printf("%s holds the cards of %s, not %s: give %s a "
                          "data directory of its own (--data-dir)",
                          s->account_path, a->jid, active, active);
        rc = CX_EINVAL;
        goto out;
    }
    if (!g->jid || !active || same_jid(g->jid, active))
        rc = settings_load(s, s->config_path, 0, err);
    if (rc == 0)
        rc = settings_load(s, s->account_path, 0, err);
    /* An explicit config file is where this account's settings go. */
    if (rc == 0 && config_given) {
        free(s->account_path);
        s->account_path = NULL;
    }
out:
    settings_free(g);
    settings_free(a);
    return rc;
}
