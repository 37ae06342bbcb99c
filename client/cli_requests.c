/* cardx consent and cardx requests: who may send you cards (anyone, your
 * contacts, or ask), the numbers of your contacts told to cardxd for that,
 * and the cards waiting for your consent (xep/cardx.md, consent). */
#include "client/commands_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

#include "xep/ns.h"
#include "xep/stanza.h"

#define CONSENT_USAGE "usage: cardx consent [anyone | contacts | ask]"
#define REQUESTS_USAGE "usage: cardx requests [list | accept ID | decline ID]"

/* An iq to the component with one child <name xmlns=urn:cardx:0/>
 * carrying attribute attr=value unless attr is NULL. NULL when memory ran
 * out. */
static xmpp_stanza_t *cardx_iq(struct cardx_cmd *c, const char *type,
                               const char *name, const char *attr,
                               const char *value, xmpp_stanza_t **el)
{
    xmpp_ctx_t *ctx = session_ctx(c->session);
    xmpp_stanza_t *iq = xmpp_iq_new(ctx, type, NULL);

    *el = iq ? stanza_add_child(ctx, iq, name, NS_CARDX) : NULL;
    if (!*el || xmpp_stanza_set_to(iq, c->component) != XMPP_EOK ||
        (attr && xmpp_stanza_set_attribute(*el, attr, value))) {
        if (iq)
            xmpp_stanza_release(iq);
        return NULL;
    }
    return iq;
}

/* Sends the iq (consumed) and waits; *reply (may be NULL) for the caller
 * to release. Returns the exit status, after reporting "cannot WHAT". */
static int request(struct cardx_cmd *c, xmpp_stanza_t *iq,
                   xmpp_stanza_t **reply, const char *what)
{
    int rc;

    if (!iq)
        return cmd_fail(c, CARDX_EXIT_ERROR, "out of memory");
    rc = session_iq(c->session, iq, reply);
    xmpp_stanza_release(iq);
    if (rc != SESSION_OK)
        return cmd_fail(c, cmd_iq_status(c, rc), "cannot %s: %s", what,
                        session_errmsg(c->session));
    return CARDX_EXIT_OK;
}

static int collect_phone(void *ud, const struct cardstore_card *card)
{
    return card->f.phone ? strv_push(ud, card->f.phone) : 0;
}

/* The numbers of the saved contacts into phones. Returns 0 or an exit
 * status after reporting. */
static int contact_numbers(struct cardx_cmd *c, struct strv *phones)
{
    struct cardstore *cs;
    int status;

    cs = cmd_store(c, &status);
    if (!cs)
        return status;
    if (cardstore_contact_list(cs, collect_phone, phones) != 0)
        return cmd_fail(c, CARDX_EXIT_ERROR, "cannot read your contacts: %s",
                        cardstore_errmsg(cs));
    return CARDX_EXIT_OK;
}

/* phones as text, one a line: what the marker file holds. NULL when out
 * of memory. */
static char *numbers_text(const struct strv *phones)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    if (!mem)
        return NULL;
    for (size_t i = 0; i < phones->n; i++)
        fprintf(mem, "%s\n", phones->v[i]);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

/* The file beside the card store holding the numbers last told to cardxd,
 * one a line. It exists while the mode is contacts or ask, so that sync
 * knows to tell cardxd again when the contacts changed. NULL when out of
 * memory or the store has no path. */
static char *marker_path(struct cardx_cmd *c)
{
    char *err = NULL, *store = settings_store_path(c->settings, &err);
    char *path = store ? str_printf("%s.consent-numbers", store) : NULL;

    free(err);
    free(store);
    return path;
}

/* Writes text to the marker (a new file renamed over it, so that a crash
 * leaves the old one or the new one); -1 on failure. */
static int marker_write(const char *path, const char *text)
{
    char *tmp = str_printf("%s.new", path);
    FILE *f = tmp ? fopen(tmp, "we") : NULL;
    int rc = f ? 0 : -1;

    if (f && fputs(text, f) == EOF)
        rc = -1;
    if (f && fclose(f) != 0)
        rc = -1;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0 && tmp)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* Tells cardxd the numbers of the saved contacts, replacing what it had,
 * and remembers them in the marker; *count receives how many. They go as
 * the contacts hold them, not hashed: a phone number has too few digits
 * for a hash to hide it (every number of a country can be hashed in
 * minutes), so a hash would only pretend to protect them; cardxd keeps
 * them for this check alone (xep/cardx.md). */
static int upload_contacts(struct cardx_cmd *c, size_t *count)
{
    struct strv phones = {0};
    xmpp_stanza_t *iq, *list, *item;
    char *text = NULL, *marker = NULL;
    int status = contact_numbers(c, &phones);

    if (status != CARDX_EXIT_OK)
        goto out;
    iq = cardx_iq(c, "set", "contacts", NULL, NULL, &list);
    for (size_t i = 0; iq && i < phones.n; i++) {
        item = stanza_add_child(session_ctx(c->session), list, "item", NULL);
        if (!item || xmpp_stanza_set_attribute(item, "phone", phones.v[i])) {
            xmpp_stanza_release(iq);
            iq = NULL;
        }
    }
    status = request(c, iq, NULL, "tell cardxd your contacts' numbers");
    if (status != CARDX_EXIT_OK)
        goto out;
    *count = phones.n;
    text = numbers_text(&phones);
    marker = marker_path(c);
    if (!text || !marker || marker_write(marker, text) < 0)
        fputs(_("cardx: cannot remember the numbers told to cardxd "
                "(cardx sync will not tell it of new contacts)\n"),
              c->err);
out:
    free(marker);
    free(text);
    strv_clear(&phones);
    return status;
}

int cmd_consent_refresh(struct cardx_cmd *c)
{
    struct strv phones = {0};
    char *marker = marker_path(c), *told = NULL, *now = NULL;
    FILE *f = marker ? fopen(marker, "re") : NULL;
    size_t count = 0;
    int status = CARDX_EXIT_OK;

    if (!f)
        goto out;
    told = cmd_slurp(f);
    fclose(f);
    status = contact_numbers(c, &phones);
    now = status == CARDX_EXIT_OK ? numbers_text(&phones) : NULL;
    if (told && now && strcmp(told, now) == 0)
        goto out;
    status = upload_contacts(c, &count);
    if (status == CARDX_EXIT_OK)
        fprintf(c->out,
                P_("told cardxd the number of your %zu contact\n",
                   "told cardxd the numbers of your %zu contacts\n", count),
                count);
out:
    strv_clear(&phones);
    free(now);
    free(told);
    free(marker);
    return status;
}

/* Prints the mode cardxd has for us. */
static int consent_show(struct cardx_cmd *c)
{
    xmpp_stanza_t *iq, *el, *reply = NULL, *got;
    int status;

    iq = cardx_iq(c, "get", "consent", NULL, NULL, &el);
    status = request(c, iq, &reply, "ask who may send you cards");
    if (status != CARDX_EXIT_OK)
        return status;
    got = xmpp_stanza_get_child_by_name_and_ns(reply, "consent", NS_CARDX);
    fprintf(c->out, "%s\n",
            got && xmpp_stanza_get_attribute(got, "mode")
                ? xmpp_stanza_get_attribute(got, "mode")
                : "anyone");
    xmpp_stanza_release(reply);
    return CARDX_EXIT_OK;
}

int cmd_consent(struct cardx_cmd *c, int argc, char **argv)
{
    xmpp_stanza_t *iq, *el;
    const char *mode = argc == 2 ? argv[1] : NULL;
    char *marker;
    size_t count = 0;
    int status;

    if (argc > 2 || (mode && strcmp(mode, "anyone") != 0 &&
                     strcmp(mode, "contacts") != 0 && strcmp(mode, "ask") != 0))
        return cmd_fail(c, CARDX_EXIT_USAGE, CONSENT_USAGE);
    if (!cmd_online(c, &status))
        return status;
    if (!mode)
        return consent_show(c);
    /* The numbers go first, so that no known sender is refused between. */
    if (strcmp(mode, "anyone") != 0) {
        status = upload_contacts(c, &count);
        if (status != CARDX_EXIT_OK)
            return status;
    }
    iq = cardx_iq(c, "set", "consent", "mode", mode, &el);
    status = request(c, iq, NULL, "set who may send you cards");
    if (status != CARDX_EXIT_OK)
        return status;
    if (strcmp(mode, "anyone") == 0) {
        /* Nothing to keep cardxd told of. */
        marker = marker_path(c);
        if (marker)
            unlink(marker);
        free(marker);
        fputs(_("anyone may send you cards\n"), c->out);
    } else {
        fprintf(c->out,
                strcmp(mode, "ask") == 0
                    ? P_("ask: cards from the %zu number of your contacts "
                         "arrive; others wait as requests (cardx requests)\n",
                         "ask: cards from the %zu numbers of your contacts "
                         "arrive; others wait as requests (cardx requests)\n",
                         count)
                    : P_("contacts: cards from the %zu number of your "
                         "contacts arrive; others are dropped (their senders "
                         "are not told)\n",
                         "contacts: cards from the %zu numbers of your "
                         "contacts arrive; others are dropped (their senders "
                         "are not told)\n",
                         count),
                count);
    }
    return CARDX_EXIT_OK;
}

/* Prints one <request/> as "ID  FROM  NAME  RECEIVED" and its note. */
static void print_request(struct cardx_cmd *c, xmpp_stanza_t *r)
{
    const char *id = xmpp_stanza_get_attribute(r, "id");
    const char *from = xmpp_stanza_get_attribute(r, "from");
    const char *name = xmpp_stanza_get_attribute(r, "name");
    const char *when = xmpp_stanza_get_attribute(r, "received");
    xmpp_stanza_t *note = xmpp_stanza_get_child_by_name(r, "note");
    char *text = note ? xmpp_stanza_get_text(note) : NULL;

    fprintf(c->out, "%s  %s  %s  %s\n", id ? id : "?",
            from ? CMD_PHONE_SHOWN(from) : "?", name ? name : "-",
            when ? when : "");
    if (text)
        fprintf(c->out, _("    note \"%s\"\n"), text);
    if (text)
        xmpp_free(xmpp_stanza_get_context(r), text);
}

static int requests_list(struct cardx_cmd *c)
{
    xmpp_stanza_t *iq, *el, *reply = NULL, *list;
    int status, n = 0;

    iq = cardx_iq(c, "get", "requests", NULL, NULL, &el);
    status = request(c, iq, &reply, "list requests");
    if (status != CARDX_EXIT_OK)
        return status;
    list = xmpp_stanza_get_child_by_name_and_ns(reply, "requests", NS_CARDX);
    for (xmpp_stanza_t *r = list ? xmpp_stanza_get_children(list) : NULL; r;
         r = xmpp_stanza_get_next(r)) {
        if (xmpp_stanza_is_tag(r) &&
            strcmp(xmpp_stanza_get_name(r), "request") == 0) {
            print_request(c, r);
            n++;
        }
    }
    if (n == 0)
        fputs(_("no cards wait for your consent\n"), c->out);
    xmpp_stanza_release(reply);
    return CARDX_EXIT_OK;
}

/* accept ID (then the card arrives: it is stored like any other) or
 * decline ID. */
static int requests_answer(struct cardx_cmd *c, const char *verb,
                           const char *id)
{
    xmpp_stanza_t *iq, *el;
    char what[160];
    int status, added = 0;

    snprintf(what, sizeof(what), "%s %s", verb, id);
    iq = cardx_iq(c, "set", verb, "id", id, &el);
    status = request(c, iq, NULL, what);
    if (status != CARDX_EXIT_OK)
        return status;
    if (strcmp(verb, "decline") == 0) {
        fprintf(c->out, _("declined %s: deleted, its sender is not told\n"),
                id);
        return CARDX_EXIT_OK;
    }
    fprintf(c->out,
            _("accepted %s: its sender may send you cards from now on\n"), id);
    status = cmd_sync_inbox(c, &added);
    if (status == CARDX_EXIT_OK)
        cmd_print_count(c, added);
    return status;
}

int cmd_requests(struct cardx_cmd *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "list";
    int status;

    if (!((strcmp(sub, "list") == 0 && argc <= 2) ||
          ((strcmp(sub, "accept") == 0 || strcmp(sub, "decline") == 0) &&
           argc == 3)))
        return cmd_fail(c, CARDX_EXIT_USAGE, REQUESTS_USAGE);
    if (!cmd_online(c, &status))
        return status;
    if (strcmp(sub, "list") == 0)
        return requests_list(c);
    return requests_answer(c, sub, argv[2]);
}
