/* cardx contacts updates: whether the user takes the updates of a saved
 * card (xep/cardx.md, updates), on libcardx's client (client/cli.h). The
 * choices made by saving and deleting cards are the library's to tell
 * cardxd, and so is the three-way merge of an update. */
#include "client/cli.h"

#include <stdlib.h>
#include <string.h>

/* contacts updates ID on|off: the sender the contact follows (else the
 * contact's own number). */
int cmd_contacts_updates(struct cardx_cmd *c, cardx_store *st, int argc,
                         char **argv)
{
    cardx_card *contact = NULL;
    cardx_client *cl;
    char *sender = NULL;
    const char *phone;
    int64_t id = argc == 2 ? cmd_parse_id(argv[0]) : -1;
    int on = argc == 2 && strcmp(argv[1], "on") == 0;
    int status = CARDX_EXIT_OK, rc;

    if (id < 0 || (!on && strcmp(argv[1], "off") != 0))
        return cmd_fail(c, CARDX_EXIT_USAGE,
                        "usage: cardx contacts updates ID on|off");
    rc = cardx_store_contact_get(st, id, &contact);
    if (rc == CARDX_OK)
        rc = cardx_store_contact_follows(st, id, &sender);
    if (rc < 0 && rc != CARDX_E_NOTFOUND) {
        status = cmd_fail(c, CARDX_EXIT_ERROR, "%s", cardx_store_errmsg(st));
        goto out;
    }
    phone = sender ? sender : contact ? cardx_card_get(contact, "phone") : NULL;
    if (!phone) {
        status = cmd_fail(c, CARDX_EXIT_ERROR,
                          contact ? "contact %lld has no phone number"
                                  : "no contact %lld",
                          (long long)id);
        goto out;
    }
    cl = cmd_lib_online(c, &status);
    if (!cl)
        goto out;
    /* Also forgets a choice about phone still waiting to be told. */
    rc = cardx_client_updates_blocking(cl, phone, on);
    if (rc != CARDX_OK) {
        status = cmd_fail(c, cmd_lib_status(rc), "%s", cardx_client_errmsg(cl));
        goto out;
    }
    fprintf(c->out, "updates of %s's card are %s\n", phone, argv[1]);
out:
    cardx_free(sender);
    cardx_card_free(contact);
    return status;
}
