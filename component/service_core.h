/* Between the two files of the service core: the routes the core answers
 * itself (service discovery), found after every feature's. */
#ifndef CARDX_COMPONENT_SERVICE_CORE_H
#define CARDX_COMPONENT_SERVICE_CORE_H

#include "component/feature.h"

/* The core's handler for an iq get/set of this payload, or NULL. */
feature_iq_fn service_core_route(const char *type, const char *name,
                                 const char *ns);

#endif
