/* The service's table: every feature of cardxd, one entry each, in the
 * order the core offers them stanzas. Adding a feature is a file in this
 * folder and a line here. */
#include <stddef.h>

#include "component/feature.h"

extern const struct feature feature_basic, feature_register, feature_adhoc,
    feature_gateway, feature_owncard, feature_privilege, feature_ack,
    feature_send, feature_block, feature_presence, feature_probe,
    feature_deliver, feature_verify, feature_expire, feature_consent,
    feature_update, feature_profile, feature_instance;

/* Order matters where hooks share a stanza: the server's grant of
 * privileges is not a user's message; a receipt is taken before the same
 * message's note can send a card back; presence resets the online
 * resources before the start-up probe asks for them again. disco#info
 * lists the namespaces in this order. */
const struct feature *const service_features[] = {
    &feature_basic,
    &feature_register,
    &feature_adhoc,
    &feature_gateway,
    &feature_owncard,
    &feature_privilege,
    &feature_ack,
    &feature_send,
    &feature_block,
    &feature_presence,
    &feature_probe,
    &feature_deliver,
    &feature_verify,
    &feature_expire,
    &feature_consent,
    &feature_update,
    &feature_profile,
    &feature_instance,
    NULL,
};
