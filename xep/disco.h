/* XEP-0030 service discovery: building disco#info and disco#items replies. */
#ifndef CARDX_XEP_DISCO_H
#define CARDX_XEP_DISCO_H

#include <strophe.h>

/* A result to the disco request iq with an empty <query xmlns=ns/>, which
 * mirrors node when node is not NULL (some clients require it). *query is
 * the new element (borrowed: owned by the reply). Returns a new stanza the
 * caller releases, or NULL on allocation failure. */
xmpp_stanza_t *disco_reply_new(xmpp_ctx_t *ctx, xmpp_stanza_t *iq,
                               const char *ns, const char *node,
                               xmpp_stanza_t **query);

/* Adds <identity category type name/> to a disco#info query. 0 or -1. */
int disco_add_identity(xmpp_ctx_t *ctx, xmpp_stanza_t *query,
                       const char *category, const char *type,
                       const char *name);

/* Adds <feature var/> to a disco#info query. Returns 0 or -1. */
int disco_add_feature(xmpp_ctx_t *ctx, xmpp_stanza_t *query, const char *var);

/* Adds <item jid node name/> to a disco#items query; node and name may be
 * NULL. Returns 0 or -1. */
int disco_add_item(xmpp_ctx_t *ctx, xmpp_stanza_t *query, const char *jid,
                   const char *node, const char *name);

#endif
