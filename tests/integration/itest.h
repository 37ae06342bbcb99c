/* Shared helpers of the integration tests: one harness per test program,
 * users that log in, and iqs written as XML text. */
#ifndef CARDX_TESTS_ITEST_H
#define CARDX_TESTS_ITEST_H

#include <check.h>
#include <strophe.h>

#include "tests/integration/harness.h"
#include "tests/integration/xclient.h"

/* Timeouts of the integration tests: generous, never asserted as speed. */
#define ITEST_TIMEOUT_MS 10000
/* How long "nothing arrives" is watched for. */
#define ITEST_QUIET_MS 1500
#define ITEST_PASSWORD "secret-pw"
/* Longer than the test Prosody keeps a XEP-0198 session that lost its
 * connection (smacks_hibernation_time in servers/prosody.cfg.lua.in). */
#define ITEST_HIBERNATION_MS 8000

/* The harness of this test program, started by itest_setup(). */
struct harness *itest_harness(void);

/* Unchecked fixture: start Prosody and cardxd once for the program, and stop
 * them (also when a test failed). */
void itest_setup(void);
void itest_teardown(void);
/* itest_setup() for a cardxd that proves numbers with codes
 * (harness_verify_by_log()). */
void itest_setup_verify(void);

/* itest_setup() and itest_setup_verify() with ini (INI text, NULL for
 * none) added to cardxd.conf, for a fixture of its own. */
void itest_setup_with(const char *ini);
void itest_setup_verify_with(const char *ini);

/* Registers user on Prosody (prosodyctl) and logs in; with presence, sends
 * initial presence. The client answers disco#info with the receipts feature
 * unless receipts is 0. Fails the test on error. */
struct xclient *itest_login(const char *user, int presence, int receipts);

/* Logs in an already created account (no registration). */
struct xclient *itest_relogin(const char *user, int presence, int receipts);

/* itest_relogin() with XEP-0198 stream management, so that the server
 * keeps the session hibernating when the client drops its connection
 * (xclient_drop_free()). */
struct xclient *itest_relogin_sm(const char *user, int presence, int receipts);

/* itest_relogin() with receipts, for a client that leaves subscription
 * requests unanswered, as a user who never approves the service. */
struct xclient *itest_relogin_unsubscribing(const char *user, int presence);

/* Sends the iq parsed from xml (its to defaults to the component) and waits
 * for the answer; returns 0 on result, -EPROTO on error (reply set in both
 * cases, the caller releases it), another negative errno otherwise. */
int itest_iq(struct xclient *c, const char *xml, xmpp_stanza_t **reply);

/* itest_iq() that must succeed; the reply is released. */
void itest_iq_ok(struct xclient *c, const char *xml);

/* Sends the iq as itest_iq() does and fails the test unless a reply came
 * (result or error) and it matches the path (tests/lib/stanza_match.h)
 * that the format fmt makes; the failure shows the reply as XML. Returns
 * the reply; the caller releases it. */
#define itest_iq_expect(c, xml, ...)                                           \
    itest_iq_expect_at((c), __FILE__, __LINE__, (xml), __VA_ARGS__)

/* itest_iq_expect() naming the caller's file and line in the failure. */
xmpp_stanza_t *itest_iq_expect_at(struct xclient *c, const char *file, int line,
                                  const char *xml, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The error condition of an error stanza (borrowed) or "". */
const char *itest_condition(xmpp_stanza_t *stanza);

/* Registers a phone number for c with the component; the iq must succeed. */
void itest_register_phone(struct xclient *c, const char *phone);

/* Uploads c's card to the component: name and phone, with an element
 * vcard-temp does not know that the service must keep. The iq must
 * succeed. */
void itest_upload_card(struct xclient *c, const char *name, const char *phone);

/* What the component answered to a card sent by iq. */
struct itest_sent {
    char status[64]; /* "delivered", "queued" or "error:CONDITION" */
    char id[64];     /* the card's id; "" after an error */
};

/* Sends c's card to the number to (with note unless NULL) by the
 * urn:cardx:0 iq and returns out->status. An iq that fails otherwise than
 * with an error reply fails the test. */
const char *itest_send(struct xclient *c, const char *to, const char *note,
                       struct itest_sent *out);

/* Waits for a message that carries a card; NULL on timeout. */
xmpp_stanza_t *itest_wait_card(struct xclient *c, int timeout_ms);

/* Acknowledges a delivered card with a XEP-0184 receipt to its sender. */
void itest_ack(struct xclient *c, xmpp_stanza_t *card);

/* Acknowledges card id with the cardx ack iq to component (cardxd's
 * domain): 0 once its result says the deletion is committed, else a
 * negative errno value (no answer within timeout_ms: the instance that
 * got it may have died, so the card may come again). Unlike a receipt,
 * it tells the test when an ack counts. */
int itest_ack_iq(struct xclient *c, const char *component, const char *id,
                 int timeout_ms);

/* Writes the component's proxy JID of phone ("PHONE@component") to buf. */
void itest_proxy_jid(char *buf, size_t len, const char *phone);

#endif
