/* XEP-0004 data forms: adding fields to a form and reading submitted ones. */
#include "xep/form.h"

#include <string.h>

#include "xep/stanza.h"

int form_add_head(xmpp_ctx_t *ctx, xmpp_stanza_t *form, const char *title,
                  const char *instructions)
{
    if (stanza_add_text_child(ctx, form, "title", title) < 0 ||
        stanza_add_text_child(ctx, form, "instructions", instructions) < 0)
        return -1;
    return 0;
}

int form_add_field(xmpp_ctx_t *ctx, xmpp_stanza_t *form, const char *var,
                   const char *type, const char *label, const char *value,
                   int required)
{
    xmpp_stanza_t *f = stanza_add_child(ctx, form, "field", NULL);

    if (!f || xmpp_stanza_set_attribute(f, "var", var) ||
        xmpp_stanza_set_attribute(f, "type", type))
        return -1;
    if (label && xmpp_stanza_set_attribute(f, "label", label))
        return -1;
    if (required && !stanza_add_child(ctx, f, "required", NULL))
        return -1;
    if (value && stanza_add_text_child(ctx, f, "value", value) < 0)
        return -1;
    return 0;
}

char *form_get_value(xmpp_stanza_t *form, const char *var)
{
    for (xmpp_stanza_t *f = xmpp_stanza_get_children(form); f;
         f = xmpp_stanza_get_next(f)) {
        const char *name = xmpp_stanza_get_name(f);
        const char *v = xmpp_stanza_get_attribute(f, "var");
        xmpp_stanza_t *value;

        if (!name || strcmp(name, "field") != 0 || !v || strcmp(v, var) != 0)
            continue;
        value = xmpp_stanza_get_child_by_name(f, "value");
        return value ? xmpp_stanza_get_text(value) : NULL;
    }
    return NULL;
}

int form_has_field(xmpp_stanza_t *form, const char *var)
{
    for (xmpp_stanza_t *f = xmpp_stanza_get_children(form); f;
         f = xmpp_stanza_get_next(f)) {
        const char *name = xmpp_stanza_get_name(f);
        const char *v = xmpp_stanza_get_attribute(f, "var");

        if (name && strcmp(name, "field") == 0 && v && strcmp(v, var) == 0)
            return 1;
    }
    return 0;
}
