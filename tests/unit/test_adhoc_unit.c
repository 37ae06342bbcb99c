/* Unit tests of XEP-0050 command sessions without a network: stanzas go
 * into service_handle() with a chosen clock, so that expiry and the session
 * cap can be seen, over a real SQLite store on a temporary file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "tests/lib/svcfix.h"
#include "xep/ns.h"

#define DOMAIN SVCFIX_DOMAIN
#define USER "alice@example.test/phone"
/* Mirrors of adhoc.c's limits: the tests check them from outside. */
#define TTL_MS (10 * 60 * 1000)
#define SESSIONS_PER_OWNER 16

/* The one iq among what the service sent: presences (the subscription
 * after a registration) are not answers. */
static xmpp_stanza_t *answer(struct svcfix *fx)
{
    xmpp_stanza_t *iq = NULL;
    int n = 0;

    for (int i = 0; i < fx->nout; i++) {
        if (stanza_match(fx->out[i], "/iq") == 1) {
            iq = fx->out[i];
            n++;
        }
    }
    ck_assert_int_eq(n, 1);
    return iq;
}

/* Hands a command request to the service, from USER unless from is set;
 * action, sid and fields (submitted) are optional. Returns the answer
 * (borrowed until the next call), which must be the only iq sent. */
static xmpp_stanza_t *command(struct svcfix *fx, const char *from,
                              const char *to, const char *node,
                              const char *action, const char *sid,
                              const char *form)
{
    char xml[1024], attrs[192] = "";
    size_t n = 0;

    if (action)
        n += (size_t)snprintf(attrs + n, sizeof(attrs) - n, " action='%s'",
                              action);
    if (sid)
        snprintf(attrs + n, sizeof(attrs) - n, " sessionid='%s'", sid);
    snprintf(
        xml, sizeof(xml),
        "<iq type='set' id='c1' from='%s' to='%s'><command xmlns='" NS_COMMANDS
        "' node='%s'%s>%s</command></iq>",
        from ? from : USER, to ? to : DOMAIN, node, attrs, form ? form : "");
    svcfix_clear_out(fx);
    svcfix_feed(fx, xml);
    return answer(fx);
}

#define PHONE_FORM(number)                                                     \
    "<x xmlns='" NS_DATA "' type='submit'><field var='phone'><value>" number   \
    "</value></field></x>"

/* The <command/> of an answer, as a path step. */
#define COMMAND "{" NS_COMMANDS "}command"

/* Starts the register command; copies the new session's id. */
static void start(struct svcfix *fx, char *sid, size_t len)
{
    xmpp_stanza_t *r = command(fx, NULL, NULL, "register", NULL, NULL, NULL);
    char *id;

    stanza_expect(r, "/iq[@type='result']/" COMMAND "[@status='executing']");
    id = stanza_match_text(r, "/iq/" COMMAND "/@sessionid");
    ck_assert_ptr_nonnull(id);
    snprintf(sid, len, "%s", id);
    free(id);
    ck_assert_uint_gt(strlen(sid), 0);
}

/* The error condition and the XEP-0050 condition of an iq error. */
static void assert_error(xmpp_stanza_t *r, const char *condition,
                         const char *specific)
{
    stanza_expect(r, "/iq[@type='error']/error/{" NS_STANZAS "}%s", condition);
    if (specific)
        stanza_expect(r, "/iq/error/{" NS_COMMANDS "}%s", specific);
}

static void assert_completed(xmpp_stanza_t *r, const char *note_type)
{
    stanza_expect(r,
                  "/iq[@type='result']/" COMMAND
                  "[@status='completed']/note[@type='%s']",
                  note_type);
}

START_TEST(session_completes_once)
{
    struct svcfix fx;
    char sid[64];

    svcfix_init(&fx);
    start(&fx, sid, sizeof(sid));
    assert_completed(command(&fx, NULL, NULL, "register", "complete", sid,
                             PHONE_FORM("+8613800138000")),
                     "info");
    assert_error(command(&fx, NULL, NULL, "register", "complete", sid,
                         PHONE_FORM("+8613800138000")),
                 "bad-request", "bad-sessionid");
    svcfix_free(&fx);
}
END_TEST

START_TEST(session_expires)
{
    struct svcfix fx;
    char sid[64];

    svcfix_init(&fx);
    start(&fx, sid, sizeof(sid));
    fx.now += TTL_MS - 1;
    /* Still open a moment before: a wrong step leaves it open. */
    assert_error(command(&fx, NULL, NULL, "register", "prev", sid, NULL),
                 "bad-request", "bad-action");
    fx.now += 1;
    assert_error(command(&fx, NULL, NULL, "register", "complete", sid,
                         PHONE_FORM("+8613800138000")),
                 "not-allowed", "session-expired");
    /* An expired session is forgotten. */
    assert_error(command(&fx, NULL, NULL, "register", "complete", sid,
                         PHONE_FORM("+8613800138000")),
                 "bad-request", "bad-sessionid");
    svcfix_free(&fx);
}
END_TEST

START_TEST(sessions_capped)
{
    struct svcfix fx;
    char first[64], sid[64], other[64];
    xmpp_stanza_t *r;
    char *id;

    svcfix_init(&fx);
    /* Another user's session is not counted against USER's. */
    r = command(&fx, "bob@example.test/phone", NULL, "register", NULL, NULL,
                NULL);
    id = stanza_match_text(r, "/iq/" COMMAND "/@sessionid");
    ck_assert_ptr_nonnull(id);
    snprintf(other, sizeof(other), "%s", id);
    free(id);
    start(&fx, first, sizeof(first));
    for (int i = 0; i < SESSIONS_PER_OWNER; i++) {
        fx.now++; /* the newest is the one that expires last */
        start(&fx, sid, sizeof(sid));
    }
    /* The oldest made room for the newest; sessions are left open in the
     * store, which svcfix_free() removes. */
    assert_error(command(&fx, NULL, NULL, "register", "complete", first,
                         PHONE_FORM("+8613800138000")),
                 "bad-request", "bad-sessionid");
    assert_completed(command(&fx, "bob@example.test/phone", NULL, "register",
                             "complete", other, PHONE_FORM("+8613800138001")),
                     "info");
    assert_completed(command(&fx, NULL, NULL, "register", "complete", sid,
                             PHONE_FORM("+8613800138000")),
                     "info");
    start(&fx, sid, sizeof(sid));
    svcfix_free(&fx);
}
END_TEST

/* Two instances on one database: ejabberd hands each stanza to either,
 * so a form sent by one is submitted through the other. */
START_TEST(session_crosses_instances)
{
    struct svcfix a, b;
    char sid[64];

    svcfix_init(&a);
    svcfix_init_beside(&b, &a, "second");
    start(&a, sid, sizeof(sid));
    /* A wrong step through b leaves the run open, for a's submit... */
    assert_error(command(&b, NULL, NULL, "register", "prev", sid, NULL),
                 "bad-request", "bad-action");
    start(&b, sid, sizeof(sid));
    /* ...and the run b opened completes through a, once. */
    assert_completed(command(&a, NULL, NULL, "register", "complete", sid,
                             PHONE_FORM("+8613800138000")),
                     "info");
    assert_error(command(&b, NULL, NULL, "register", "complete", sid,
                         PHONE_FORM("+8613800138000")),
                 "bad-request", "bad-sessionid");
    /* Expiry is read on the shared clock: b's time passes too. A second
     * past the TTL: the two services took their wall clock offsets a few
     * milliseconds apart, each rounded to the millisecond. */
    start(&a, sid, sizeof(sid));
    b.now += TTL_MS + 1000;
    assert_error(command(&b, NULL, NULL, "register", "complete", sid,
                         PHONE_FORM("+8613800138000")),
                 "not-allowed", "session-expired");
    svcfix_free(&b);
    svcfix_free(&a);
}
END_TEST

START_TEST(session_steps)
{
    struct svcfix fx;
    char sid[64];

    svcfix_init(&fx);
    /* No form submitted: the session stays for the right request. */
    start(&fx, sid, sizeof(sid));
    assert_error(command(&fx, NULL, NULL, "register", "complete", sid, NULL),
                 "bad-request", "bad-payload");
    /* Another node, or another resource of the same user: not its session. */
    assert_error(command(&fx, NULL, NULL, "unregister", "complete", sid,
                         PHONE_FORM("+8613800138000")),
                 "bad-request", "bad-sessionid");
    assert_error(command(&fx, "alice@example.test/laptop", NULL, "register",
                         "complete", sid, PHONE_FORM("+8613800138000")),
                 "bad-request", "bad-sessionid");
    /* A form of type cancel cancels, like action='cancel'. */
    stanza_expect(command(&fx, NULL, NULL, "register", NULL, sid,
                          "<x xmlns='" NS_DATA "' type='cancel'/>"),
                  "/iq/" COMMAND "[@status='canceled']");
    assert_error(command(&fx, NULL, NULL, "register", "complete", sid,
                         PHONE_FORM("+8613800138000")),
                 "bad-request", "bad-sessionid");
    /* No action on a session with a submitted form completes it. */
    start(&fx, sid, sizeof(sid));
    assert_completed(command(&fx, NULL, NULL, "register", NULL, sid,
                             PHONE_FORM("+8613800138000")),
                     "info");
    svcfix_free(&fx);
}
END_TEST

START_TEST(requests_refused)
{
    struct svcfix fx;
    xmpp_stanza_t *r;

    svcfix_init(&fx);
    assert_error(command(&fx, NULL, NULL, "register", "dance", NULL, NULL),
                 "bad-request", "malformed-action");
    assert_error(command(&fx, NULL, NULL, "register", "complete", NULL,
                         PHONE_FORM("+8613800138000")),
                 "bad-request", "bad-sessionid");
    r = command(&fx, NULL, NULL, "register", "cancel", NULL, NULL);
    stanza_expect(r, "/iq/" COMMAND "[@status='canceled']");
    assert_error(command(&fx, NULL, "+8613800138000@" DOMAIN, "register", NULL,
                         NULL, NULL),
                 "item-not-found", NULL);
    assert_error(
        command(&fx, "mallory@evil.test/x", NULL, "register", NULL, NULL, NULL),
        "not-allowed", NULL);
    /* One stage: the inbox of a user without a number completes at once. */
    r = command(&fx, NULL, NULL, "inbox", NULL, NULL, NULL);
    assert_completed(r, "error");
    stanza_expect(r, "/iq/" COMMAND "[@sessionid]");
    svcfix_free(&fx);
}
END_TEST

/* Requests no form can lead to, as a client on a real server would make
 * them: iq errors with XEP-0050 conditions, and nothing registered. */
START_TEST(protocol_errors)
{
    struct svcfix fx;
    char sid[64];

    svcfix_init(&fx);
    assert_error(command(&fx, NULL, NULL, "nope", NULL, NULL, NULL),
                 "item-not-found", NULL);
    assert_error(command(&fx, NULL, NULL, "register", "complete",
                         "not-a-session", PHONE_FORM("+8613800138141")),
                 "bad-request", "bad-sessionid");
    assert_error(command(&fx, NULL, NULL, "register", "jump", NULL, NULL),
                 "bad-request", NULL);
    /* Someone else's session is no session. */
    start(&fx, sid, sizeof(sid));
    assert_error(command(&fx, "bob@example.test/x", NULL, "register",
                         "complete", sid, PHONE_FORM("+8613800138142")),
                 "bad-request", NULL);
    /* Cancel ends the session: it cannot be completed afterwards. */
    stanza_expect(command(&fx, NULL, NULL, "register", "cancel", sid, NULL),
                  "/iq[@type='result']/" COMMAND "[@status='canceled']");
    assert_error(command(&fx, NULL, NULL, "register", "complete", sid,
                         PHONE_FORM("+8613800138141")),
                 "bad-request", NULL);
    svcfix_clear_out(&fx);
    svcfix_feed(&fx, "<iq type='get' id='r1' from='" USER "' to='" DOMAIN
                     "'><query xmlns='" NS_REGISTER "'/></iq>");
    stanza_expect(answer(&fx), "/iq[@type='result']/{" NS_REGISTER "}query");
    ck_assert_int_eq(
        stanza_match(answer(&fx), "/iq/{" NS_REGISTER "}query/registered"), 0);
    svcfix_free(&fx);
}
END_TEST

static Suite *adhoc_unit_suite(void)
{
    Suite *s = suite_create("adhoc_unit");
    TCase *tc = tcase_create("sessions");

    tcase_add_test(tc, session_completes_once);
    tcase_add_test(tc, session_expires);
    tcase_add_test(tc, sessions_capped);
    tcase_add_test(tc, session_steps);
    tcase_add_test(tc, session_crosses_instances);
    tcase_add_test(tc, requests_refused);
    tcase_add_test(tc, protocol_errors);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(adhoc_unit_suite)
