/* XEP-0004 data forms: adding fields to a form and reading submitted ones. */
#ifndef CARDX_XEP_FORM_H
#define CARDX_XEP_FORM_H

#include <strophe.h>

/* Adds <title/> and <instructions/> to form. Returns 0 or -1. */
int form_add_head(xmpp_ctx_t *ctx, xmpp_stanza_t *form, const char *title,
                  const char *instructions);

/* Adds <field var type label><required/><value/></field> to form; label
 * and value may be NULL. Returns 0 or -1 (out of memory). */
int form_add_field(xmpp_ctx_t *ctx, xmpp_stanza_t *form, const char *var,
                   const char *type, const char *label, const char *value,
                   int required);

/* The first value of the field var of a submitted form, for the caller to
 * free with xmpp_free(), or NULL when absent. */
char *form_get_value(xmpp_stanza_t *form, const char *var);

/* 1 when form has a field var, else 0. */
int form_has_field(xmpp_stanza_t *form, const char *var);

#endif
