/* cardx card profile: the named profiles of the user's card that cardxd
 * keeps, each a list of the fields a recipient sees (xep/cardx.md,
 * profiles), on libcardx's client (client/cli.h). */
#include "client/cli.h"

#include <stdlib.h>
#include <string.h>

#define PROFILE_USAGE                                                          \
    "usage: cardx card profile [list | show NAME | set NAME FIELD... | "       \
    "delete NAME | default NAME]"

/* Prints each profile (only only, when not NULL). Returns how many were
 * printed. */
static int print_profiles(struct cardx_cmd *c, cardx_profile **list,
                          const char *only)
{
    int n = 0;

    for (size_t i = 0; list && list[i]; i++) {
        const char *name = cardx_profile_name(list[i]);

        if (only && strcmp(name, only) != 0)
            continue;
        fprintf(c->out, "%s%s:", name,
                cardx_profile_is_default(list[i]) ? " (default)" : "");
        for (const char *const *f = cardx_profile_fields(list[i]); *f; f++)
            fprintf(c->out, " %s", *f);
        fputc('\n', c->out);
        n++;
    }
    return n;
}

static int profile_show(struct cardx_cmd *c, cardx_client *cl, const char *only)
{
    cardx_profile **list = NULL;
    int status = CARDX_EXIT_OK;
    int rc = cardx_client_profiles_blocking(cl, &list, NULL);

    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    if (print_profiles(c, list, only) == 0) {
        if (only)
            status = cmd_fail(c, CARDX_EXIT_ERROR, "no profile '%s'", only);
        else
            fprintf(c->out, "no profiles: recipients get your whole card\n");
    }
    cardx_profiles_free(list);
    return status;
}

/* Checks the field names here, so that a typo is told before going
 * online. */
static int fields_known(struct cardx_cmd *c, int argc, char **argv)
{
    const char *const *names = cardx_field_names();

    for (int i = 0; i < argc; i++) {
        size_t k = 0;

        while (names[k] && strcmp(names[k], argv[i]) != 0)
            k++;
        if (!names[k] && strcmp(argv[i], CARDX_PHOTO_FIELD) != 0)
            return cmd_fail(c, CARDX_EXIT_USAGE, "unknown card field '%s'",
                            argv[i]);
    }
    return CARDX_EXIT_OK;
}

/* set, delete or default NAME, waiting for cardxd's answer. */
static int profile_change(struct cardx_cmd *c, cardx_client *cl,
                          const char *sub, const char *name, int argc,
                          char **argv)
{
    const char **fields = NULL;
    uint32_t request = 0;
    int rc;

    if (strcmp(sub, "set") == 0) {
        fields = calloc((size_t)argc + 1, sizeof(*fields));
        if (!fields)
            return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
        for (int i = 0; i < argc; i++)
            fields[i] = argv[i];
        rc = cardx_client_profile_set(cl, name, fields, &request);
        free(fields);
    } else if (strcmp(sub, "delete") == 0) {
        rc = cardx_client_profile_delete(cl, name, &request);
    } else {
        rc = cardx_client_profile_default(cl, name, &request);
    }
    if (rc == CARDX_OK)
        rc = cardx_client_wait(cl, request);
    if (rc != CARDX_OK)
        return cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
    if (strcmp(sub, "default") == 0)
        fprintf(c->out, "the default profile is now %s\n", name);
    else
        fprintf(c->out, "%s profile %s\n",
                strcmp(sub, "set") == 0 ? "stored" : "deleted", name);
    return CARDX_EXIT_OK;
}

int cmd_card_profile(struct cardx_cmd *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "list";
    const char *name = argc > 2 ? argv[2] : NULL;
    cardx_client *cl;
    int status;

    if (!((strcmp(sub, "list") == 0 && argc <= 2) ||
          (strcmp(sub, "set") == 0 && argc >= 4) ||
          ((strcmp(sub, "show") == 0 || strcmp(sub, "delete") == 0 ||
            strcmp(sub, "default") == 0) &&
           argc == 3)))
        return cmd_fail(c, CARDX_EXIT_USAGE, PROFILE_USAGE);
    if (strcmp(sub, "set") == 0 &&
        (status = fields_known(c, argc - 3, argv + 3)) != CARDX_EXIT_OK)
        return status;
    cl = cmd_lib_online(c, &status);
    if (!cl)
        return status;
    if (strcmp(sub, "list") == 0 || strcmp(sub, "show") == 0)
        return profile_show(c, cl, name);
    return profile_change(c, cl, sub, name, argc - 3, argv + 3);
}
