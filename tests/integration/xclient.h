/* Synchronous libstrophe XMPP client for integration tests. */
#ifndef CARDX_TESTS_XCLIENT_H
#define CARDX_TESTS_XCLIENT_H

#include <strophe.h>

/*
 * Each client has its own xmpp_ctx and only does network I/O inside its own
 * calls: every call that sends pumps the connection until the bytes are
 * written, every wait pumps until its stanza arrives or the timeout passes.
 * All stanzas received after login (message, presence, iq) are queued; a
 * wait takes the first queued one its predicate accepts and leaves the rest
 * for later waits. TLS is disabled (loopback servers only); so is stream
 * management (XEP-0198) unless asked for with XCLIENT_SM. Stanzas handed out
 * belong to the client's ctx: release them before xclient_disconnect_free().
 * xclient_connect() ignores SIGPIPE for the whole process, because a server
 * that goes away must fail a write, not kill the test. Set
 * CARDX_XCLIENT_DEBUG=1 for libstrophe's debug log.
 *
 * Functions return 0 or a negative errno value: -ETIMEDOUT, -ENOTCONN (the
 * stream closed), -ECONNREFUSED (connect or login failed), -ENOMEM, -EINVAL.
 */

struct xclient;

/* Logs in as jid (bare: the server picks the resource) with password at
 * host:port, within timeout_ms. Sends no presence. On success *out is the
 * client, else NULL. */
int xclient_connect(const char *jid, const char *password, const char *host,
                    int port, int timeout_ms, struct xclient **out);

/* Options of xclient_connect_opts(). */
#define XCLIENT_SM 1 /* XEP-0198 with resumption, as libstrophe negotiates */

/* xclient_connect() with options (XCLIENT_SM or 0). */
int xclient_connect_opts(const char *jid, const char *password,
                         const char *host, int port, int timeout_ms, int opts,
                         struct xclient **out);

/* Ends the TCP connection without closing the stream, as a phone that
 * loses its network does (with XCLIENT_SM the server keeps the session
 * hibernating), then frees the client as xclient_disconnect_free() does.
 * Accepts NULL. */
void xclient_drop_free(struct xclient *c);

/* Closes the stream (waiting briefly for the server's close), frees the
 * client and every queued stanza. Accepts NULL. */
void xclient_disconnect_free(struct xclient *c);

/* The full JID the server bound; borrowed. */
const char *xclient_jid(const struct xclient *c);

/* The client's context, for building stanzas; borrowed. */
xmpp_ctx_t *xclient_ctx(struct xclient *c);

/* The client's connection, for a caller that queues many stanzas with
 * xmpp_send() and then pumps (a benchmark's flood); borrowed. */
xmpp_conn_t *xclient_conn(struct xclient *c);

/* 1 while the stream is up, else 0. */
int xclient_is_connected(const struct xclient *c);

/* Sends the stanza (the caller keeps its reference) and returns once it is
 * written to the socket. */
int xclient_send(struct xclient *c, xmpp_stanza_t *stanza);

/* Parses one stanza of XML text and sends it as xclient_send() does.
 * -EINVAL if it does not parse. */
int xclient_send_text(struct xclient *c, const char *xml);

/* Sends available presence and waits (5 s) for the server to reflect it,
 * so the server has processed it on return; the reflection is not queued. */
int xclient_send_presence(struct xclient *c);

/* Sends iq (an id is set if it has none) and waits for the result or error
 * with its id. With reply non-NULL, returns 0 on either and *reply is the
 * answer, for the caller to xmpp_stanza_release(). With reply NULL, returns
 * 0 on a result and -EPROTO on an error. */
int xclient_iq(struct xclient *c, xmpp_stanza_t *iq, int timeout_ms,
               xmpp_stanza_t **reply);

/* Waits for the first queued or arriving stanza for which match(stanza, ud)
 * returns non-zero (match NULL takes any). *out is it, for the caller to
 * xmpp_stanza_release(). */
int xclient_wait(struct xclient *c, int (*match)(xmpp_stanza_t *, void *),
                 void *ud, int timeout_ms, xmpp_stanza_t **out);

/* xclient_wait() for the next <message/> of any type. */
int xclient_wait_message(struct xclient *c, int timeout_ms,
                         xmpp_stanza_t **out);

/* Handles traffic for ms milliseconds without waiting for anything; -ENOTCONN
 * once the stream is closed. */
int xclient_pump(struct xclient *c, int ms);

/* How many received stanzas are queued. */
int xclient_queued(const struct xclient *c);

/* Fetches the roster, which also makes this session "interested": servers
 * forward subscription approvals and roster pushes only to such sessions.
 * With roster non-NULL, *roster is the <query/>'s iq, for the caller to
 * xmpp_stanza_release(). */
int xclient_request_roster(struct xclient *c, xmpp_stanza_t **roster);

/* With on non-zero, answers every <presence type='subscribe'/> with
 * 'subscribed' as it arrives (the subscribe itself is still queued). */
void xclient_auto_accept_subscriptions(struct xclient *c, int on);

/* Creates the account jid/password by XEP-0077 in-band registration before
 * authentication, on a raw libstrophe connection. -EEXIST when the server
 * answers conflict, -EPROTO for another error or no registration feature. */
/* Makes the client answer disco#info gets with these features (a
 * NULL-terminated list, borrowed: it must outlive the client), as a real
 * client announces what it supports. NULL (the default): no answer. */
void xclient_set_disco_features(struct xclient *c, const char *const *features);

int xclient_register_account(const char *jid, const char *password,
                             const char *host, int port, int timeout_ms);

#endif
