/* Blocking numbers, shared by its front ends: the cardx iqs (block.c) and
 * the ad-hoc commands (adhoc_commands.c); and the check sending makes. */
#ifndef CARDX_COMPONENT_FEATURES_BLOCK_H
#define CARDX_COMPONENT_FEATURES_BLOCK_H

#include "common/util.h"
#include "component/feature.h"

/* Makes bare refuse cards from the typed number input (block 1), or take
 * them again (block 0). Blocking also deletes the cards from that number
 * already waiting for bare. */
void block_change(struct service *svc, const char *bare, const char *input,
                  int block, struct service_outcome *out);

/* Appends the numbers bare blocked to *phones. Returns 0, or a negative
 * code after logging (out holds the error to answer). */
int block_list(struct service *svc, const char *bare, struct strv *phones,
               struct service_outcome *out);

/* 1 when the owner of recipient_phone blocked sender_phone, 0 when not,
 * or the store's negative code (not logged: the caller answers it with
 * service_store_failed()). */
int block_refuses(struct service *svc, const char *recipient_phone,
                  const char *sender_phone);

#endif
