/* XEP-0356 privileged entity: the server's grant of privileges to cardxd. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/feature.h"
#include "xep/ns.h"

/*
 * A server that makes cardxd a privileged entity says so once the link is
 * up, in a message from its own domain (urn:xmpp:privilege:1 from ejabberd,
 * :2 from Prosody's mod_privilege):
 *
 *   <message from='example.org' to='cards.example.org'>
 *     <privilege xmlns='urn:xmpp:privilege:2'>
 *       <perm access='presence' type='managed_entity'/>
 *     </privilege>
 *   </message>
 *
 * With presence "managed_entity" (or "roster") the server then sends cardxd
 * every available and unavailable presence of its users as ordinary
 * directed presence from their full JIDs, in both namespace versions. Those
 * go through the presence feature like any other, so nothing more is needed
 * than telling the administrator; a user who is also subscribed sends the
 * same presence twice, which the session table absorbs (a known full JID is
 * not new). Prosody also sends the presence of sessions already online when
 * cardxd attaches; ejabberd 23.01 does not, so those are learned at their
 * next presence.
 */

/* The <privilege/> of a grant message, or NULL. */
static xmpp_stanza_t *privilege_child(xmpp_stanza_t *msg)
{
    xmpp_stanza_t *priv =
        xmpp_stanza_get_child_by_name_and_ns(msg, "privilege", NS_PRIVILEGE2);

    if (!priv)
        priv = xmpp_stanza_get_child_by_name_and_ns(msg, "privilege",
                                                    NS_PRIVILEGE1);
    return priv;
}

/* True when from is a bare domain this service serves: only the users'
 * server may grant privileges over them. */
static int from_served_server(const struct service *svc, const char *from)
{
    if (!from || strchr(from, '@') || strchr(from, '/'))
        return 0;
    return service_serves_domain(svc, from);
}

/* Appends "access=type" for each <perm/> to buf (truncating if need be)
 * and says whether presence was granted. */
static int describe_perms(xmpp_stanza_t *priv, char *buf, size_t len)
{
    size_t used = 0;
    int presence = 0;

    buf[0] = '\0';
    for (xmpp_stanza_t *p = xmpp_stanza_get_children(priv); p;
         p = xmpp_stanza_get_next(p)) {
        const char *name = xmpp_stanza_get_name(p);
        const char *access = xmpp_stanza_get_attribute(p, "access");
        const char *type = xmpp_stanza_get_attribute(p, "type");
        int n;

        if (!xmpp_stanza_is_tag(p) || !name || strcmp(name, "perm") != 0 ||
            !access)
            continue;
        if (strcmp(access, "presence") == 0 && type &&
            (strcmp(type, "managed_entity") == 0 ||
             strcmp(type, "roster") == 0))
            presence = 1;
        /* An "iq" perm lists namespaces instead of having a type. */
        n = snprintf(buf + used, len - used, "%s%s=%s", used ? ", " : "",
                     access, type ? type : "(per namespace)");
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    return presence;
}

/* Logs the privileges the server grants if msg is that grant; takes msg
 * then (returns 1), else passes it on (0). */
static int privilege_message(struct service *svc, xmpp_stanza_t *msg)
{
    xmpp_stanza_t *priv = privilege_child(msg);
    const char *from = xmpp_stanza_get_from(msg);
    char perms[512];
    int presence;

    if (!priv || (from && strchr(from, '@')))
        return 0; /* not a grant; users' messages go their usual way */
    if (!from_served_server(svc, from)) {
        log_warn(service_log(svc),
                 "ignoring privileges from %s: not a served domain",
                 from ? from : "(no sender)");
        return 1;
    }
    presence = describe_perms(priv, perms, sizeof(perms));
    log_info(service_log(svc), "privileges granted by %s: %s (%s)", from,
             *perms ? perms : "none", xmpp_stanza_get_ns(priv));
    if (presence)
        log_info(service_log(svc),
                 "%s sends its users' presence: no subscription "
                 "needed there",
                 from);
    return 1;
}

const struct feature feature_privilege = {
    .name = "privileged entity (XEP-0356)",
    .message = privilege_message,
};
