/* Proof of number ownership ([verify]): what registration (register.c,
 * adhoc_commands.c) asks of the verify feature, which sends the codes
 * through the admin's program and checks them. */
#ifndef CARDX_COMPONENT_FEATURES_VERIFY_H
#define CARDX_COMPONENT_FEATURES_VERIFY_H

#include "component/feature.h"
#include "component/features/register.h"

/* 1 when numbers must be proven by a code ([verify] method = command). */
int verify_required(const struct service *svc);

/* Sends a fresh code for bare's claim on phone (E.164) through the
 * configured program, in the background. done runs when it finished:
 * out->pending set when the code went out, else the failure (also a
 * daily cap, told before anything runs, possibly before this returns). */
void verify_send(struct service *svc, xmpp_stanza_t *req, const char *bare,
                 const char *phone, register_done_fn done);

/* Checks code for bare's claim on number (E.164; may be out->phone); on success
 * the number is bare's (out->type NULL), else out says why (out->retry for a
 * wrong code that may be tried again). */
void verify_prove(struct service *svc, const char *bare, const char *number,
                  const char *code, struct register_outcome *out);

/* The number of bare's newest claim still waiting for its code, the
 * caller's to free, or NULL (none, or the store failed: logged). */
char *verify_pending(struct service *svc, const char *bare);

#endif
