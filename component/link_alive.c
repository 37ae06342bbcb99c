/* Keepalive of the XEP-0114 link: a ping when the server has been silent,
 * and the link dropped when it stays silent past read_timeout, so that a
 * hung or vanished server is noticed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/link_int.h"
#include "xep/ns.h"

/* The ids of our keepalive pings start so; their answers stop here. */
#define LINK_PING_ID_PREFIX "cardxd-link-ping-"

/* True for the answer to one of our keepalive pings: it proved the server
 * alive (any byte does) and is nobody else's business. */
int link_is_pong(xmpp_stanza_t *stanza)
{
    const char *name = xmpp_stanza_get_name(stanza);
    const char *type = xmpp_stanza_get_type(stanza);
    const char *id = xmpp_stanza_get_id(stanza);

    return name && strcmp(name, "iq") == 0 && type &&
           (strcmp(type, "result") == 0 || strcmp(type, "error") == 0) && id &&
           strncmp(id, LINK_PING_ID_PREFIX, strlen(LINK_PING_ID_PREFIX)) == 0;
}

/* When the next keepalive ping is due on an established link, or -1: a
 * keepalive after the later of the last byte received and the last ping. */
static int64_t link_ping_due(const struct link *ln)
{
    if (!ln->keepalive_ms || !ln->ping_to)
        return -1;
    return (ln->last_rx > ln->last_ping ? ln->last_rx : ln->last_ping) +
           ln->keepalive_ms;
}

/* When an established link has work: the next ping or the read deadline,
 * whichever comes first; -1 for none. */
int64_t link_up_due(const struct link *ln)
{
    int64_t ping = link_ping_due(ln);
    int64_t dead = ln->read_timeout_ms ? ln->last_rx + ln->read_timeout_ms : -1;

    if (ping < 0 || (dead >= 0 && dead < ping))
        return dead;
    return ping;
}

/* Queues a XEP-0199 ping: a whitespace keepalive would prove only that the
 * socket takes bytes, while an answered iq proves the server reads. */
static void link_ping(struct link *ln, int64_t now)
{
    char *ping;

    ln->last_ping = now;
    if (asprintf(&ping,
                 "<iq type='get' from='%s' to='%s' id='" LINK_PING_ID_PREFIX
                 "%llu'><ping xmlns='" NS_PING "'/></iq>",
                 ln->domain, ln->ping_to,
                 (unsigned long long)++ln->pings) < 0) {
        link_mark_failed(ln, "out of memory");
        return;
    }
    log_debug(ln->log, "nothing from the server for %lld ms: pinging %s",
              (long long)(now - ln->last_rx), ln->ping_to);
    if (link_append(ln, ping, strlen(ping)) < 0)
        link_mark_failed(ln, "output buffer full: the server stopped reading");
    free(ping);
}

/* An established link: drop a server silent for read_timeout, ping one
 * silent for keepalive. */
void link_check_alive(struct link *ln, int64_t now)
{
    int64_t ping = link_ping_due(ln);
    char why[160];

    if (ln->read_timeout_ms && now - ln->last_rx >= ln->read_timeout_ms) {
        snprintf(why, sizeof(why),
                 "nothing received from the server for %lld ms "
                 "(read_timeout): it is hung or unreachable",
                 (long long)(now - ln->last_rx));
        link_down(ln, now, why);
    } else if (ping >= 0 && now >= ping) {
        link_ping(ln, now);
        link_check_failed(ln, now);
    }
}
