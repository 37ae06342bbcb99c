/* Expiry of waiting cards (inbox_ttl) and pruning of the send counters,
 * on the service's timer. */
#ifndef CARDX_COMPONENT_FEATURES_EXPIRE_H
#define CARDX_COMPONENT_FEATURES_EXPIRE_H

#include "component/feature.h"

/* A card created at created (unix s) was stored: make sure a sweep comes
 * by when it expires. */
void expire_card_stored(struct service *svc, int64_t created);

#endif
