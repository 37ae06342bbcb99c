/* cardxd's service core: the language of each event and of each user, and
 * the translations of what the features say (common/i18n.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/i18n.h"
#include "common/phone.h"
#include "component/service_core.h"
#include "xep/stanza.h"

int service_lang_init(struct service *svc)
{
    int loaded = 0;
    int rc = i18n_new(svc->cfg->locale_dir, &svc->i18n, &loaded);

    if (rc == CX_ENOMEM)
        return rc;
    /* A missing or broken catalog costs its readers their language, not
     * the service: they read English. */
    if (rc < 0)
        log_warn(svc->log,
                 "message catalogs in %s unreadable (%s): "
                 "every answer is in English",
                 svc->cfg->locale_dir,
                 rc == CX_EINVAL ? "not a .mo file" : "read error");
    else if (loaded == 0)
        log_info(svc->log,
                 "no message catalogs in %s: every answer is in "
                 "English",
                 svc->cfg->locale_dir);
    return 0;
}

/* The registered user's stored language, as i18n_pick() names it. */
static const char *lang_stored(struct service *svc, const char *jid)
{
    char *tag = NULL;
    const char *lang;
    int rc = store_user_lang(svc->store, jid, &tag);

    if (rc < 0 && rc != STORE_ENOTFOUND)
        log_warn(svc->log, "reading the language of %s: %s", jid,
                 store_errmsg(svc->store));
    lang = i18n_pick(tag);
    free(tag);
    return lang;
}

void service_lang_set(struct service *svc, const char *lang)
{
    free(svc->lang_of);
    svc->lang_of = NULL;
    svc->lang = lang;
}

const char *service_lang_now(struct service *svc)
{
    if (svc->lang_of) {
        svc->lang = lang_stored(svc, svc->lang_of);
        free(svc->lang_of);
        svc->lang_of = NULL;
    }
    return svc->lang;
}

void service_lang_event(struct service *svc, xmpp_stanza_t *stanza)
{
    const char *tag = stanza_lang(stanza);
    const char *type = xmpp_stanza_get_type(stanza);
    struct service_fault f;
    char *bare = stanza_bare_jid(xmpp_stanza_get_from(stanza));

    service_lang_set(svc, i18n_pick(tag));
    /* Only what a user's client sent tells its language: not the answers
     * to our iqs, which their server writes, nor bounces. */
    if (!bare || !service_user_allowed(svc, bare) ||
        (type && (strcmp(type, "result") == 0 || strcmp(type, "error") == 0)))
        goto out;
    if (!tag) {
        svc->lang_of = bare; /* read by service_lang_now() if needed */
        return;
    }
    if (service_store_refuses(svc, &f))
        goto out;
    if (store_user_lang_seen(svc->store, bare, tag) < 0)
        log_warn(svc->log, "recording the language of %s: %s", bare,
                 store_errmsg(svc->store));
out:
    free(bare);
}

const char *service_lang(struct service *svc)
{
    return service_lang_now(svc);
}

const char *service_lang_of(struct service *svc, xmpp_stanza_t *req)
{
    const char *tag = req ? stanza_lang(req) : NULL;

    return tag ? i18n_pick(tag) : service_lang_now(svc);
}

const char *service_user_lang(struct service *svc, const char *jid)
{
    char *bare = stanza_bare_jid(jid);
    const char *lang = bare ? lang_stored(svc, bare) : NULL;

    free(bare);
    return lang;
}

const char *service_tr(struct service *svc, const char *msgid)
{
    return i18n_text(svc->i18n, service_lang_now(svc), msgid);
}

const char *service_tr_lang(const struct service *svc, const char *lang,
                            const char *msgid)
{
    return i18n_text(svc->i18n, lang, msgid);
}

const char *service_phone_text(const char *e164, char *buf, size_t len)
{
    return phone_format_into(e164, buf, len, "");
}

/* The fill functions of forms write English (xgettext extracts what they
 * give form_add_head() and form_add_field()), so that every form, also
 * those of features added later, is translated here, in one place. */
int service_form_translate(const struct service *svc, const char *lang,
                           xmpp_stanza_t *el)
{
    for (xmpp_stanza_t *c = xmpp_stanza_get_children(el); c;
         c = xmpp_stanza_get_next(c)) {
        const char *name = xmpp_stanza_get_name(c);
        const char *label = xmpp_stanza_get_attribute(c, "label");
        xmpp_stanza_t *t = xmpp_stanza_get_children(c);
        const char *tr;

        if (!xmpp_stanza_is_tag(c))
            continue;
        /* Only a translation is set: libstrophe frees the old value first,
         * which an untranslated text (the same pointer) still is. */
        tr = label ? service_tr_lang(svc, lang, label) : NULL;
        if (tr && tr != label && xmpp_stanza_set_attribute(c, "label", tr))
            return -1;
        if ((strcmp(name, "title") == 0 || strcmp(name, "instructions") == 0 ||
             strcmp(name, "desc") == 0) &&
            t && xmpp_stanza_is_text(t)) {
            const char *text = xmpp_stanza_get_text_ptr(t);

            tr = service_tr_lang(svc, lang, text);
            if (tr != text && xmpp_stanza_set_text(t, tr))
                return -1;
        }
        if (strcmp(name, "field") == 0 &&
            service_form_translate(svc, lang, c) < 0)
            return -1;
    }
    return 0;
}
