/* libcardx's profiles of the own card, kept by cardxd (xep/cardx.md,
 * profiles): listing them and storing, removing or choosing one. */
#include <stdlib.h>
#include <string.h>

#include "card/vcard.h"
#include "card/vcard_photo.h"
#include "lib/lib_client_int.h"
#include "xep/ns.h"
#include "xep/stanza.h"

_Static_assert(sizeof(CARDX_PHOTO_FIELD) == sizeof(VCARD_PHOTO_FIELD),
               "the public photo field is the card module's");

struct cardx_profile {
    char *name;
    int is_default;
    char **fields; /* NULL-terminated */
};

const char *cardx_profile_name(const cardx_profile *p)
{
    return p->name;
}

int cardx_profile_is_default(const cardx_profile *p)
{
    return p->is_default;
}

const char *const *cardx_profile_fields(const cardx_profile *p)
{
    return (const char *const *)p->fields;
}

static void profile_free(cardx_profile *p)
{
    if (!p)
        return;
    free(p->name);
    cardx_strv_free(p->fields);
    free(p);
}

void cardx_profiles_free(cardx_profile **list)
{
    for (size_t i = 0; list && list[i]; i++)
        profile_free(list[i]);
    free(list);
}

static int field_known(const char *name)
{
    for (const char *const *f = vcard_field_names(); *f; f++) {
        if (strcmp(*f, name) == 0)
            return 1;
    }
    return strcmp(name, VCARD_PHOTO_FIELD) == 0;
}

/* One <profile/> of a reply; NULL when out of memory. */
static cardx_profile *profile_read(xmpp_stanza_t *el)
{
    cardx_profile *p = calloc(1, sizeof(*p));
    size_t n = 0;

    if (!p || !(p->name = strdup(xmpp_stanza_get_attribute(el, "name"))))
        goto fail;
    p->is_default = xmpp_stanza_get_attribute(el, "default") != NULL;
    for (xmpp_stanza_t *f = xmpp_stanza_get_children(el); f;
         f = xmpp_stanza_get_next(f))
        n++;
    p->fields = calloc(n + 1, sizeof(*p->fields));
    if (!p->fields)
        goto fail;
    n = 0;
    for (xmpp_stanza_t *f = xmpp_stanza_get_children(el); f;
         f = xmpp_stanza_get_next(f)) {
        const char *var =
            xmpp_stanza_is_tag(f) ? xmpp_stanza_get_attribute(f, "var") : NULL;

        if (var && !(p->fields[n++] = strdup(var)))
            goto fail;
    }
    return p;
fail:
    profile_free(p);
    return NULL;
}

/* The profiles of a <profiles/> reply, NULL-terminated in *out. */
static int profiles_read(xmpp_stanza_t *reply, cardx_profile ***out,
                         size_t *count)
{
    xmpp_stanza_t *list =
        xmpp_stanza_get_child_by_name_and_ns(reply, "profiles", NS_CARDX);
    size_t n = 0;

    *count = 0;
    for (xmpp_stanza_t *p = list ? xmpp_stanza_get_children(list) : NULL; p;
         p = xmpp_stanza_get_next(p))
        n++;
    *out = calloc(n + 1, sizeof(**out));
    if (!*out)
        return CARDX_E_NOMEM;
    for (xmpp_stanza_t *p = list ? xmpp_stanza_get_children(list) : NULL; p;
         p = xmpp_stanza_get_next(p)) {
        if (!xmpp_stanza_is_tag(p) || !xmpp_stanza_get_attribute(p, "name"))
            continue;
        (*out)[*count] = profile_read(p);
        if (!(*out)[(*count)++]) {
            cardx_profiles_free(*out);
            *out = NULL;
            return CARDX_E_NOMEM;
        }
    }
    return CARDX_OK;
}

static void report_profiles(struct cardx_client *c, struct lib_request *r,
                            int error, const char *reason, cardx_profile **list,
                            size_t count)
{
    if (error != CARDX_OK)
        lib_set_err(c, "%s", reason);
    if (c->wait.request == r->serial) {
        c->wait.done = 1;
        c->wait.error = error;
        cardx_profiles_free(c->wait.profiles);
        c->wait.profiles = list;
        list = NULL;
    }
    if (c->cb.profiles)
        c->cb.profiles(
            c->ud, r->serial, error, reason,
            (const cardx_profile *const *)(list ? list : c->wait.profiles),
            count);
    cardx_profiles_free(list);
}

void lib_profile_reply(struct cardx_client *c, struct lib_request *r,
                       xmpp_stanza_t *reply, int error, const char *reason)
{
    char why[LIB_ERRMSG_SIZE];
    cardx_profile **list = NULL;
    size_t count = 0;

    if (reply && stanza_is_error(reply)) {
        error = lib_refusal(reply, why, sizeof(why));
        reason = why;
    }
    if (r->kind == REQ_PROFILE) {
        lib_report_answer(c, r, error, reason);
        return;
    }
    if (reply && error == CARDX_OK &&
        (error = profiles_read(reply, &list, &count)) != CARDX_OK)
        reason = "out of memory";
    report_profiles(c, r, error, reason, list, count);
}

int cardx_client_profiles(cardx_client *c, uint32_t *request)
{
    return lib_request_get(c, "profiles", REQ_PROFILES, request);
}

/* <profile name=name/> with the fields, or the flag attribute set. */
static int profile_change(cardx_client *c, const char *name,
                          const char *const *fields, const char *flag,
                          uint32_t *request)
{
    xmpp_stanza_t *el, *iq;
    int rc = lib_need_online(c);
    int ok;

    if (rc != CARDX_OK)
        return rc;
    if (!name || !name[0]) {
        lib_set_err(c, "no profile name given");
        return CARDX_E_INVAL;
    }
    for (size_t i = 0; fields && fields[i]; i++) {
        if (!field_known(fields[i])) {
            lib_set_err(c, "unknown card field '%s'", fields[i]);
            return CARDX_E_INVAL;
        }
    }
    iq = lib_component_iq(c, "set", "profile", NS_CARDX, &el);
    ok = iq && !xmpp_stanza_set_attribute(el, "name", name) &&
         (!flag || !xmpp_stanza_set_attribute(el, flag, "true"));
    for (size_t i = 0; ok && fields && fields[i]; i++) {
        xmpp_stanza_t *f = stanza_add_child(c->s->ctx, el, "field", NULL);

        ok = f && !xmpp_stanza_set_attribute(f, "var", fields[i]);
    }
    rc = ok ? lib_request_send(c, iq, REQ_PROFILE, name, request)
            : CARDX_E_NOMEM;
    if (iq)
        xmpp_stanza_release(iq);
    return rc;
}

int cardx_client_profile_set(cardx_client *c, const char *name,
                             const char *const *fields, uint32_t *request)
{
    return profile_change(c, name, fields, NULL, request);
}

int cardx_client_profile_delete(cardx_client *c, const char *name,
                                uint32_t *request)
{
    return profile_change(c, name, NULL, "remove", request);
}

int cardx_client_profile_default(cardx_client *c, const char *name,
                                 uint32_t *request)
{
    return profile_change(c, name, NULL, "default", request);
}
