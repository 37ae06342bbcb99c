/* Shared helpers of the integration tests: one harness per test program,
 * users that log in, and iqs written as XML text. */
#include "tests/integration/itest.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/stanza_match.h"
#include "xep/ns.h"
#include "xep/stanza.h"

/* The harness is process state of the test program by nature: Check's
 * unchecked fixtures take no argument. */
static struct harness *itest_h;

static const char *const features_receipts[] = {NS_DISCO_INFO, NS_RECEIPTS,
                                                NULL};
static const char *const features_plain[] = {NS_DISCO_INFO, NULL};

struct harness *itest_harness(void)
{
    return itest_h;
}

/* Starts the server and cardxd, which proves numbers with codes when
 * verify is set, with ini (may be NULL) added to its configuration. */
static void itest_start(int verify, const char *ini)
{
    itest_h = harness_new();
    ck_assert_msg(itest_h, "cannot create the harness");
    ck_assert_msg(harness_prosody_start(itest_h) == 0,
                  "Prosody did not start (run dir %s)",
                  harness_rundir(itest_h));
    if (verify)
        ck_assert_int_eq(harness_verify_by_log(itest_h), 0);
    /* Short enough that a silent client does not stall a test for long. */
    ck_assert_int_eq(harness_cardxd_config_append(
                         itest_h, "[limits]\nfetch_timeout = 3000\n"),
                     0);
    if (ini)
        ck_assert_int_eq(harness_cardxd_config_append(itest_h, ini), 0);
    ck_assert_msg(harness_cardxd_start(itest_h) == 0, "cardxd did not start");
    ck_assert_msg(harness_cardxd_wait_connected(itest_h, ITEST_TIMEOUT_MS) == 0,
                  "cardxd did not attach (see %s/cardxd.log)",
                  harness_rundir(itest_h));
}

void itest_setup(void)
{
    itest_start(0, NULL);
}

void itest_setup_verify(void)
{
    itest_start(1, NULL);
}

void itest_setup_with(const char *ini)
{
    itest_start(0, ini);
}

void itest_setup_verify_with(const char *ini)
{
    itest_start(1, ini);
}

void itest_teardown(void)
{
    harness_free(itest_h);
    itest_h = NULL;
}

/* Logs in user; with accept, approves every subscription request. */
static struct xclient *itest_connect(const char *user, int presence,
                                     int receipts, int accept, int opts)
{
    char *jid = harness_jid(itest_h, user);
    struct xclient *c = NULL;
    int rc;

    ck_assert_ptr_nonnull(jid);
    rc = xclient_connect_opts(jid, ITEST_PASSWORD, "127.0.0.1",
                              harness_c2s_port(itest_h), ITEST_TIMEOUT_MS, opts,
                              &c);
    free(jid);
    ck_assert_msg(rc == 0, "login of %s failed: %d", user, rc);
    xclient_set_disco_features(c,
                               receipts ? features_receipts : features_plain);
    xclient_auto_accept_subscriptions(c, accept);
    if (presence)
        ck_assert_int_eq(xclient_send_presence(c), 0);
    return c;
}

struct xclient *itest_relogin(const char *user, int presence, int receipts)
{
    return itest_connect(user, presence, receipts, 1, 0);
}

struct xclient *itest_relogin_sm(const char *user, int presence, int receipts)
{
    return itest_connect(user, presence, receipts, 1, XCLIENT_SM);
}

struct xclient *itest_relogin_unsubscribing(const char *user, int presence)
{
    return itest_connect(user, presence, 1, 0, 0);
}

struct xclient *itest_login(const char *user, int presence, int receipts)
{
    ck_assert_msg(harness_register(itest_h, user, ITEST_PASSWORD) == 0,
                  "cannot create account %s", user);
    return itest_relogin(user, presence, receipts);
}

int itest_iq(struct xclient *c, const char *xml, xmpp_stanza_t **reply)
{
    xmpp_stanza_t *iq = xmpp_stanza_new_from_string(xclient_ctx(c), xml);
    int rc;

    ck_assert_msg(iq != NULL, "bad test XML: %s", xml);
    if (!xmpp_stanza_get_to(iq))
        xmpp_stanza_set_to(iq, harness_component_domain(itest_h));
    rc = xclient_iq(c, iq, ITEST_TIMEOUT_MS, reply);
    xmpp_stanza_release(iq);
    if (rc == 0 && reply && *reply && stanza_is_error(*reply))
        rc = -EPROTO;
    return rc;
}

void itest_iq_ok(struct xclient *c, const char *xml)
{
    xmpp_stanza_t *reply = NULL;
    int rc = itest_iq(c, xml, &reply);

    ck_assert_msg(rc == 0, "iq failed (%d, %s): %s", rc,
                  reply ? itest_condition(reply) : "no reply", xml);
    xmpp_stanza_release(reply);
}

xmpp_stanza_t *itest_iq_expect_at(struct xclient *c, const char *file, int line,
                                  const char *xml, const char *fmt, ...)
{
    xmpp_stanza_t *reply = NULL;
    char why[STANZA_WHY_MAX];
    va_list ap;
    int rc = itest_iq(c, xml, &reply);

    ck_assert_msg((rc == 0 || rc == -EPROTO) && reply, "iq failed (%d): %s", rc,
                  xml);
    va_start(ap, fmt);
    rc = stanza_vmismatch(reply, why, sizeof(why), fmt, ap);
    va_end(ap);
    if (rc != 0)
        xmpp_stanza_release(
            reply); /* a failure in this process must not leak */
    ck_assert_msg(rc == 0, "%s:%d: reply to %s: %s", file, line, xml, why);
    return reply;
}

const char *itest_condition(xmpp_stanza_t *stanza)
{
    const char *cond = stanza_error_condition(stanza, NULL);

    return cond ? cond : "";
}

void itest_register_phone(struct xclient *c, const char *phone)
{
    char xml[256];

    snprintf(xml, sizeof(xml),
             "<iq type='set'><query xmlns='" NS_REGISTER "'><phone>%s</phone>"
             "</query></iq>",
             phone);
    itest_iq_ok(c, xml);
}

void itest_upload_card(struct xclient *c, const char *name, const char *phone)
{
    char xml[1024];

    snprintf(xml, sizeof(xml),
             "<iq type='set'><vCard xmlns='" NS_VCARD "'><FN>%s</FN><ORG>"
             "<ORGNAME>Changhong</ORGNAME></ORG><TEL><CELL/><NUMBER>%s"
             "</NUMBER></TEL><X-KEEP>kept &amp; safe</X-KEEP></vCard></iq>",
             name, phone);
    itest_iq_ok(c, xml);
}

const char *itest_send(struct xclient *c, const char *to, const char *note,
                       struct itest_sent *out)
{
    xmpp_stanza_t *reply = NULL, *sent;
    char xml[512];
    int rc;

    snprintf(xml, sizeof(xml),
             "<iq type='set'><send xmlns='" NS_CARDX "' to='%s'>%s%s%s</send>"
             "</iq>",
             to, note ? "<note>" : "", note ? note : "", note ? "</note>" : "");
    out->id[0] = '\0';
    rc = itest_iq(c, xml, &reply);
    if (rc == -EPROTO) {
        snprintf(out->status, sizeof(out->status), "error:%s",
                 itest_condition(reply));
    } else {
        ck_assert_int_eq(rc, 0);
        sent = xmpp_stanza_get_child_by_ns(reply, NS_CARDX);
        ck_assert_ptr_nonnull(sent);
        snprintf(out->status, sizeof(out->status), "%s",
                 xmpp_stanza_get_attribute(sent, "status"));
        snprintf(out->id, sizeof(out->id), "%s", xmpp_stanza_get_id(sent));
    }
    xmpp_stanza_release(reply);
    return out->status;
}

static int is_card(xmpp_stanza_t *stanza, void *ud)
{
    const char *name = xmpp_stanza_get_name(stanza);

    (void)ud;
    return name && strcmp(name, "message") == 0 &&
           xmpp_stanza_get_child_by_name_and_ns(stanza, "card", NS_CARDX);
}

xmpp_stanza_t *itest_wait_card(struct xclient *c, int timeout_ms)
{
    xmpp_stanza_t *msg = NULL;

    if (xclient_wait(c, is_card, NULL, timeout_ms, &msg) != 0)
        return NULL;
    return msg;
}

void itest_ack(struct xclient *c, xmpp_stanza_t *card)
{
    char xml[512];

    snprintf(xml, sizeof(xml),
             "<message to='%s'><received xmlns='" NS_RECEIPTS
             "' id='%s'/></message>",
             xmpp_stanza_get_from(card), xmpp_stanza_get_id(card));
    ck_assert_int_eq(xclient_send_text(c, xml), 0);
}

int itest_ack_iq(struct xclient *c, const char *component, const char *id,
                 int timeout_ms)
{
    char xml[256];
    xmpp_stanza_t *iq;
    int rc;

    snprintf(xml, sizeof(xml),
             "<iq type='set' to='%s'><ack xmlns='" NS_CARDX "' id='%s'/></iq>",
             component, id);
    iq = xmpp_stanza_new_from_string(xclient_ctx(c), xml);
    ck_assert_ptr_nonnull(iq);
    rc = xclient_iq(c, iq, timeout_ms, NULL);
    xmpp_stanza_release(iq);
    return rc;
}

void itest_proxy_jid(char *buf, size_t len, const char *phone)
{
    snprintf(buf, len, "%s@%s", phone, harness_component_domain(itest_h));
}
