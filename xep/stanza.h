/* Helpers to build replies and errors on libstrophe stanzas. */
#ifndef CARDX_XEP_STANZA_H
#define CARDX_XEP_STANZA_H

#include <strophe.h>

#include "common/errors.h"

/* XMPP error types (RFC 6120 8.3.2). */
#define ERR_CANCEL "cancel"
#define ERR_MODIFY "modify"
#define ERR_AUTH "auth"
#define ERR_WAIT "wait"

/* True when the stanza has type='error'. */
int stanza_is_error(xmpp_stanza_t *stanza);

/* A reply to req of the same element name with to/from swapped and the same
 * id, of the given type ("result" for iq). Returns a new stanza the caller
 * releases with xmpp_stanza_release(), or NULL on allocation failure. */
xmpp_stanza_t *stanza_reply(xmpp_ctx_t *ctx, xmpp_stanza_t *req,
                            const char *type);

/* An error reply to req: type is one of ERR_*, condition a defined condition
 * (e.g. "item-not-found"), text an optional human-readable explanation.
 * Returns a new stanza the caller releases with xmpp_stanza_release(), or
 * NULL on allocation failure. */
xmpp_stanza_t *stanza_error_reply(xmpp_ctx_t *ctx, xmpp_stanza_t *req,
                                  const char *type, const char *condition,
                                  const char *text);

/* The xml:lang of stanza itself (not inherited), borrowed, or NULL.
 * libstrophe's own parser (xmpp_stanza_new_from_string(), a client's
 * stream) reports it as "lang", without its prefix; cardxd's stream parser
 * keeps "xml:lang". Either is read. */
const char *stanza_lang(xmpp_stanza_t *stanza);

/* stanza_error_reply() with text in language lang (a BCP 47 tag, "zh-CN"),
 * set as xml:lang of the reply and of its <text/>. */
xmpp_stanza_t *stanza_error_reply_lang(xmpp_ctx_t *ctx, xmpp_stanza_t *req,
                                       const char *type, const char *condition,
                                       const char *text, const char *lang);

/* The defined condition of an error stanza: the name of the first child of
 * <error/> in the stanzas namespace other than <text/>, borrowed from stanza
 * (valid while it lives), or NULL when there is none. When text is not NULL,
 * *text receives a new copy of the <text/> content, which the caller frees
 * with xmpp_free() on the stanza's context, or NULL when there is no
 * <text/> or memory ran out. */
const char *stanza_error_condition(xmpp_stanza_t *stanza, char **text);

/* Adds <name xmlns=ns> (ns may be NULL) under parent and returns it
 * (borrowed: owned by parent), or NULL on allocation failure. */
xmpp_stanza_t *stanza_add_child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent,
                                const char *name, const char *ns);

/* Adds <name>text</name> under parent. Returns 0 or CX_ENOMEM. */
int stanza_add_text_child(xmpp_ctx_t *ctx, xmpp_stanza_t *parent,
                          const char *name, const char *text);

/* Copies the bare form of jid ("local@domain") into a new string the caller
 * frees with free(), or NULL on allocation failure or a NULL jid. */
char *stanza_bare_jid(const char *jid);

#endif
