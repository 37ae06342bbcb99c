/* The ad-hoc command "language": the language a user reads what cardxd
 * sends them unasked (cards delivered later, notices), over the one their
 * client last used. */
#include <stdlib.h>
#include <string.h>

#include "component/features/adhoc.h"
#include "xep/form.h"
#include "xep/stanza.h"

/* The form's value for following the client. */
#define LANGUAGE_AUTO "auto"

/* Each language's name in itself, so that whoever reads a language they
 * do not want still finds their own. */
static const struct {
    const char *tag; /* xml:lang */
    const char *name;
} language_names[] = {
    {"en", "English"},
    {"zh-CN", "简体中文"},
};

/* Adds <option label><value/></option> to field. */
static int option_add(xmpp_ctx_t *ctx, xmpp_stanza_t *field, const char *label,
                      const char *value)
{
    xmpp_stanza_t *o = stanza_add_child(ctx, field, "option", NULL);

    if (!o || xmpp_stanza_set_attribute(o, "label", label) ||
        stanza_add_text_child(ctx, o, "value", value) < 0)
        return -1;
    return 0;
}

int adhoc_language_form(xmpp_ctx_t *ctx, xmpp_stanza_t *x, const char *phone)
{
    xmpp_stanza_t *field;

    (void)phone;
    if (form_add_head(
            ctx, x, "Choose your language",
            N_("Cards and notices the service sends you come in this "
               "language. Automatic follows the language of the client you "
               "last used.")) < 0 ||
        form_add_field(ctx, x, "lang", "list-single", "Language", LANGUAGE_AUTO,
                       1) < 0)
        return -1;
    field = xmpp_stanza_get_child_by_name(x, "field");
    while (field && strcmp(xmpp_stanza_get_attribute(field, "var"), "lang"))
        field = xmpp_stanza_get_next(field);
    if (!field ||
        option_add(ctx, field, N_("Automatic: the language of my client"),
                   LANGUAGE_AUTO) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(language_names) / sizeof(language_names[0]);
         i++) {
        if (option_add(ctx, field, language_names[i].name,
                       language_names[i].tag) < 0)
            return -1;
    }
    return 0;
}

/* The tag the form's value names: NULL for automatic, else the value;
 * *known is 0 when it is none of the form's options. */
static const char *language_tag(const char *value, int *known)
{
    *known = 1;
    if (!value || !*value || strcmp(value, LANGUAGE_AUTO) == 0)
        return NULL;
    for (size_t i = 0; i < sizeof(language_names) / sizeof(language_names[0]);
         i++) {
        if (strcmp(value, language_names[i].tag) == 0)
            return language_names[i].tag;
    }
    *known = 0;
    return NULL;
}

void adhoc_language_run(struct service *svc, xmpp_stanza_t *iq, const char *sid,
                        xmpp_stanza_t *form, const char *bare,
                        const char *phone)
{
    char *value = form_get_value(form, "lang");
    int known;
    const char *tag = language_tag(value, &known);
    /* Read before the choice is written: automatic answers in the
     * language the request came in, as it stood. */
    const char *asked = service_lang_of(svc, iq);
    struct service_fault f;

    (void)phone;
    if (!known) {
        adhoc_done(svc, iq, sid, "error", "unknown language '%s'", value);
    } else if (store_user_lang_choose(service_store(svc), bare, tag) < 0) {
        service_store_failed(svc, "choosing a language", &f);
        adhoc_done(svc, iq, sid, "error", "%s", service_tr(svc, f.text));
    } else {
        /* Told in the language chosen (automatic: the request's). */
        const char *lang = tag ? i18n_pick(tag) : asked;

        adhoc_done(svc, iq, sid, "info", "%s",
                   tag ? service_tr_lang(svc, lang,
                                         "What the service sends you now "
                                         "comes in this language.")
                       : service_tr_lang(svc, lang,
                                         "What the service sends you now "
                                         "follows the language of your "
                                         "client."));
    }
    if (value)
        xmpp_free(service_ctx(svc), value);
}
