/* The presence probe of a registered user, which the start-up probe sends
 * to everyone and an instance taking over a dead one's sessions sends to
 * their users. */
#ifndef CARDX_COMPONENT_FEATURES_PROBE_H
#define CARDX_COMPONENT_FEATURES_PROBE_H

#include "component/feature.h"

/* Asks jid's server for jid's presence, and tells it ours, so that its
 * resources are learnt afresh and its clients show the service online. */
void probe_send(struct service *svc, const char *jid);

#endif
