/* Shared helpers of the integration tests: one harness per test program,
 * users that log in, and iqs written as XML text. */
#ifndef CARDX_TESTS_ITEST_H
#define CARDX_TESTS_ITEST_H

#include <check.h>
#include <strophe.h>

#include "tests/harness.h"
#include "tests/xclient.h"

/* Timeouts of the integration tests: generous, never asserted as speed. */
#define ITEST_TIMEOUT_MS 10000
/* How long "nothing arrives" is watched for. */
#define ITEST_QUIET_MS 1500
#define ITEST_PASSWORD "secret-pw"

/* The harness of this test program, started by itest_setup(). */
struct harness *itest_harness(void);

/* Unchecked fixture: start Prosody and cardxd once for the program, and stop
 * them (also when a test failed). */
void itest_setup(void);
void itest_teardown(void);

/* Registers user on Prosody (prosodyctl) and logs in; with presence, sends
 * initial presence. The client answers disco#info with the receipts feature
 * unless receipts is 0. Fails the test on error. */
struct xclient *itest_login(const char *user, int presence, int receipts);

/* Logs in an already created account (no registration). */
struct xclient *itest_relogin(const char *user, int presence, int receipts);

/* Sends the iq parsed from xml (its to defaults to the component) and waits
 * for the answer; returns 0 on result, -EPROTO on error (reply set in both
 * cases, the caller releases it), another negative errno otherwise. */
int itest_iq(struct xclient *c, const char *xml, xmpp_stanza_t **reply);

/* itest_iq() that must succeed; the reply is released. */
void itest_iq_ok(struct xclient *c, const char *xml);

/* The error condition of an error stanza (borrowed) or "". */
const char *itest_condition(xmpp_stanza_t *stanza);

/* Registers a phone number for c with the component; the iq must succeed. */
void itest_register_phone(struct xclient *c, const char *phone);

/* Waits for a message that carries a card; NULL on timeout. */
xmpp_stanza_t *itest_wait_card(struct xclient *c, int timeout_ms);

/* Runs the suite without forking (the harness lives in this process) and
 * returns the exit status. */
int itest_run(Suite *s);

#endif
