/* Profiles of a user's card (XEP-0054 stays the way to write the card
 * itself): the cardx iqs that keep them, and what a profile makes of the
 * card a recipient gets. A profile is a list of field names, not a second
 * card, so that one edit of the card reaches every profile. */
#include "component/features/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/vcard.h"
#include "card/vcard_photo.h"
#include "common/util.h"
#include "component/store_share.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* A profile's name: short, and plain enough for a command line. */
#define PROFILE_NAME_MAX 32

/* True when fields (space-separated) names field. */
static int profile_has(const char *fields, const char *field)
{
    size_t n = strlen(field);

    for (const char *p = fields; (p = strstr(p, field)) != NULL; p += n) {
        if ((p == fields || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

/* Copies card's PHOTO elements into shown: a profile that names the photo
 * shows it as its owner set it. Returns 0 or -1 (allocation). */
static int profile_copy_photo(xmpp_stanza_t *card, xmpp_stanza_t *shown)
{
    for (xmpp_stanza_t *e = xmpp_stanza_get_children(card); e;
         e = xmpp_stanza_get_next(e)) {
        const char *name = xmpp_stanza_get_name(e);
        xmpp_stanza_t *copy;
        int rc;

        if (!name || strcmp(name, "PHOTO") != 0)
            continue;
        if (!(copy = xmpp_stanza_copy(e)))
            return -1;
        rc = xmpp_stanza_add_child(shown, copy);
        xmpp_stanza_release(copy);
        if (rc != XMPP_EOK)
            return -1;
    }
    return 0;
}

char *profile_apply(struct service *svc, const char *vcard, const char *fields)
{
    const char *const *names = vcard_field_names();
    struct vcard_fields f = {0};
    xmpp_stanza_t *card, *shown = NULL;
    char *text = NULL;

    if (!fields)
        return strdup(vcard);
    card = vcard_from_text(service_ctx(svc), vcard);
    if (!card || vcard_parse(card, &f) < 0)
        goto out;
    for (size_t i = 0; names[i]; i++) {
        if (!profile_has(fields, names[i]) &&
            vcard_fields_set(&f, names[i], NULL) < 0)
            goto out;
    }
    shown = vcard_build(service_ctx(svc), &f);
    if (shown && profile_has(fields, VCARD_PHOTO_FIELD) &&
        profile_copy_photo(card, shown) < 0)
        goto out;
    if (shown)
        text = vcard_to_text(shown);
out:
    if (shown)
        xmpp_stanza_release(shown);
    if (card)
        xmpp_stanza_release(card);
    vcard_fields_clear(&f);
    return text;
}

/* Parses the serialised card text into *f, and its photo's BINVAL into
 * *photo (the caller's to free; NULL when it has none). */
static int profile_fields_of(struct service *svc, const char *text,
                             struct vcard_fields *f, char **photo)
{
    xmpp_stanza_t *card = vcard_from_text(service_ctx(svc), text);
    xmpp_stanza_t *p =
        card ? xmpp_stanza_get_child_by_name(card, "PHOTO") : NULL;
    xmpp_stanza_t *bin = p ? xmpp_stanza_get_child_by_name(p, "BINVAL") : NULL;
    int rc = card ? vcard_parse(card, f) : -1;

    *photo = bin ? xmpp_stanza_get_text(bin) : NULL;
    if (bin && !*photo)
        rc = -1;
    if (card)
        xmpp_stanza_release(card);
    return rc;
}

/* Appends name to the space-separated *list. Returns 0 or -1. */
static int profile_list_add(char **list, const char *name)
{
    char *more = str_printf("%s%s%s", *list, **list ? " " : "", name);

    if (!more)
        return -1;
    free(*list);
    *list = more;
    return 0;
}

char *profile_changed(struct service *svc, const char *old, const char *new)
{
    const char *const *names = vcard_field_names();
    struct vcard_fields a = {0}, b = {0};
    char *list = NULL, *pa = NULL, *pb = NULL;
    int ok = 0;

    if (profile_fields_of(svc, old, &a, &pa) < 0 ||
        profile_fields_of(svc, new, &b, &pb) < 0 || !(list = strdup("")))
        goto out;
    for (size_t i = 0; names[i]; i++) {
        const char *x = vcard_fields_get(&a, names[i]);
        const char *y = vcard_fields_get(&b, names[i]);

        if ((!x && !y) || (x && y && strcmp(x, y) == 0))
            continue;
        if (profile_list_add(&list, names[i]) < 0)
            goto out;
    }
    /* The photo counts as a field: a new one is worth an update. */
    if (((pa == NULL) != (pb == NULL) || (pa && strcmp(pa, pb) != 0)) &&
        profile_list_add(&list, VCARD_PHOTO_FIELD) < 0)
        goto out;
    ok = 1;
out:
    if (!ok) {
        free(list);
        list = NULL;
    }
    free(pa);
    free(pb);
    vcard_fields_clear(&a);
    vcard_fields_clear(&b);
    return list;
}

int profile_resolve(struct service *svc, const char *bare, const char *name,
                    char **used, char **fields, struct service_outcome *out)
{
    struct store *st = service_store(svc);
    int rc;

    memset(out, 0, sizeof(*out));
    *used = *fields = NULL;
    if (name && *name) {
        rc = store_profile_get(st, bare, name, fields);
        if (rc == 0 && !(*used = strdup(name)))
            rc = STORE_ENOMEM;
    } else {
        rc = store_profile_default(st, bare, used, fields);
        if (rc == STORE_ENOTFOUND)
            return 0; /* no default: the whole card */
    }
    if (rc == 0)
        return 0;
    free(*used);
    free(*fields);
    *used = *fields = NULL;
    if (rc == STORE_ENOTFOUND)
        service_outcome_fail(out, ERR_CANCEL, "item-not-found",
                             service_tr(svc, "you have no profile '%s'"), name);
    else
        service_outcome_store(svc, out, "reading a profile");
    return -1;
}

/* --- the cardx iqs --- */

/* True when name may name a profile: letters, digits, '-' and '_'. */
static int profile_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > PROFILE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

/* True when field is one of the card's field names. */
static int profile_field_known(const char *field)
{
    const char *const *names = vcard_field_names();

    if (field && strcmp(field, VCARD_PHOTO_FIELD) == 0)
        return 1;
    for (size_t i = 0; field && names[i]; i++) {
        if (strcmp(names[i], field) == 0)
            return 1;
    }
    return 0;
}

/* The <field var/> children of el as "a b c" into *fields (the caller's to
 * free; "" when none). Returns 0, or -1 with out set. */
static int profile_read_fields(struct service *svc, xmpp_stanza_t *el,
                               char **fields, struct service_outcome *out)
{
    char *list = strdup(""), *more;

    for (xmpp_stanza_t *c = xmpp_stanza_get_children(el); list && c;
         c = xmpp_stanza_get_next(c)) {
        const char *var;

        if (!xmpp_stanza_is_tag(c) ||
            strcmp(xmpp_stanza_get_name(c), "field") != 0)
            continue;
        var = xmpp_stanza_get_attribute(c, "var");
        if (!profile_field_known(var)) {
            service_outcome_fail(out, ERR_MODIFY, "bad-request",
                                 service_tr(svc, "unknown card field '%s'"),
                                 var ? var : "");
            free(list);
            return -1;
        }
        if (profile_has(list, var))
            continue;
        more = str_printf("%s%s%s", list, *list ? " " : "", var);
        free(list);
        list = more;
    }
    if (!list) {
        service_outcome_fail(out, ERR_WAIT, "internal-server-error", "%s",
                             service_tr(svc, "out of memory"));
        return -1;
    }
    *fields = list;
    return 0;
}

static int attr_true(xmpp_stanza_t *el, const char *name)
{
    const char *v = xmpp_stanza_get_attribute(el, name);

    return v && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* What a <profile/> set asks: remove it, store it (and perhaps make it
 * the default), or only make it the default. */
static void profile_change(struct service *svc, const char *bare,
                           xmpp_stanza_t *el, struct service_outcome *out)
{
    struct store *st = service_store(svc);
    const char *name = xmpp_stanza_get_attribute(el, "name");
    char *fields = NULL, *had = NULL;
    int rc = 0;

    if (!profile_name_ok(name)) {
        service_outcome_fail(out, ERR_MODIFY, "bad-request",
                             service_tr(svc, "a profile needs a name of 1 to "
                                             "%d letters, digits, '-' or '_'"),
                             PROFILE_NAME_MAX);
        return;
    }
    if (attr_true(el, "remove")) {
        rc = store_profile_delete(st, bare, name);
        goto done;
    }
    if (profile_read_fields(svc, el, &fields, out) < 0)
        return;
    if (*fields)
        rc = store_profile_put(st, bare, name, fields);
    else if (!attr_true(el, "default"))
        service_outcome_fail(
            out, ERR_MODIFY, "bad-request", "%s",
            service_tr(svc, "a profile needs at least one <field var/>"));
    else if ((rc = store_profile_get(st, bare, name, &had)) == 0)
        free(had);
    if (!out->type && rc == 0 && attr_true(el, "default"))
        rc = store_profile_set_default(st, bare, name);
done:
    if (rc == STORE_ENOTFOUND)
        service_outcome_fail(out, ERR_CANCEL, "item-not-found",
                             service_tr(svc, "you have no profile '%s'"), name);
    else if (rc < 0)
        service_outcome_store(svc, out, "storing a profile");
    free(fields);
}

/* A registered sender's bare JID, or NULL after answering iq. */
static char *profile_requester(struct service *svc, xmpp_stanza_t *iq)
{
    char *bare = service_check_sender(svc, iq), *phone = NULL;
    char text[256];
    int rc;

    if (!bare)
        return NULL;
    rc = store_user_phone(service_store(svc), bare, &phone);
    free(phone);
    if (rc == 0)
        return bare;
    if (rc == STORE_ENOTFOUND) {
        snprintf(text, sizeof(text),
                 service_tr(svc, "register your phone number with %s first"),
                 service_config(svc)->domain);
        service_error(svc, iq, ERR_AUTH, "registration-required", text);
    } else {
        service_store_error(svc, iq, "looking up a user");
    }
    free(bare);
    return NULL;
}

static void profile_iq_set(struct service *svc, xmpp_stanza_t *iq,
                           xmpp_stanza_t *el)
{
    struct service_outcome out = {0};
    struct service_fault f;
    char *bare = profile_requester(svc, iq);

    if (!bare)
        return;
    if (service_store_refuses(svc, &f)) {
        service_error(svc, iq, f.type, f.condition, f.text);
        goto out;
    }
    profile_change(svc, bare, el, &out);
    if (out.type)
        service_error(svc, iq, out.type, out.condition, out.text);
    else
        service_emit(svc, stanza_reply(service_ctx(svc), iq, "result"));
out:
    free(bare);
}

/* Adds <profile name default?><field var/>...</profile> to the list. */
static int profile_list_one(void *ud, const char *name, const char *fields,
                            int is_default)
{
    xmpp_stanza_t *list = ud, *p, *f;
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(list);
    struct strv names = {0};
    int rc = CX_ENOMEM;

    p = stanza_add_child(ctx, list, "profile", NULL);
    if (!p || xmpp_stanza_set_attribute(p, "name", name) ||
        (is_default && xmpp_stanza_set_attribute(p, "default", "true")) ||
        strv_split(&names, fields, " ") < 0)
        goto out;
    for (size_t i = 0; i < names.n; i++) {
        f = stanza_add_child(ctx, p, "field", NULL);
        if (!f || xmpp_stanza_set_attribute(f, "var", names.v[i]))
            goto out;
    }
    rc = 0;
out:
    strv_clear(&names);
    return rc;
}

static void profile_iq_list(struct service *svc, xmpp_stanza_t *iq,
                            xmpp_stanza_t *el)
{
    xmpp_ctx_t *ctx = service_ctx(svc);
    char *bare = profile_requester(svc, iq);
    xmpp_stanza_t *reply, *list;
    int rc;

    (void)el;
    if (!bare)
        return;
    reply = stanza_reply(ctx, iq, "result");
    list = reply ? stanza_add_child(ctx, reply, "profiles", NS_CARDX) : NULL;
    rc = list ? store_profile_each(service_store(svc), bare, profile_list_one,
                                   list)
              : CX_ENOMEM;
    if (rc < 0 && reply)
        xmpp_stanza_release(reply);
    if (rc == CX_ENOMEM)
        service_emit(svc, NULL); /* logged as a failed build */
    else if (rc < 0)
        service_store_error(svc, iq, "listing profiles");
    else
        service_emit(svc, reply);
    free(bare);
}

static const struct feature_iq profile_iqs[] = {
    {"set", "profile", NS_CARDX, profile_iq_set},
    {"get", "profiles", NS_CARDX, profile_iq_list},
    {NULL, NULL, NULL, NULL},
};

const struct feature feature_profile = {
    .name = "profiles of the card",
    .iqs = profile_iqs,
};
