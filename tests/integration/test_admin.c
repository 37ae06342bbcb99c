/* Integration tests of the administrators' ad-hoc commands against a real
 * server and cardxd: what an admin sees and does (statistics that count a
 * card just exchanged, looking up, unregistering, purging, blocked and
 * limited accounts), and that everyone else neither sees nor runs them. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "xep/ns.h"

#define ADMIN_USER "boss"
/* Low, so that one account reaches it within a test. */
#define SENDS_PER_MINUTE 3

/* The admin commands, in the order they are listed. */
static const char *const admin_nodes[] = {"admin-stats", "admin-lookup",
                                          "admin-unregister", "admin-purge",
                                          "admin-accounts"};
#define NADMIN ((int)(sizeof(admin_nodes) / sizeof(admin_nodes[0])))
/* The users' commands come first (tests/integration/test_adhoc.c). */
#define NUSER 7

#define COMMAND "/iq/{" NS_COMMANDS "}command"
#define FORM COMMAND "/{" NS_DATA "}x"
#define RESULT FORM "[@type='result']"
#define ITEMS "/iq[@type='result']/{" NS_DISCO_ITEMS "}query"

struct note {
    char status[16];
    char type[16];
    char text[512];
};

static void admin_setup(void)
{
    char ini[256];

    snprintf(ini, sizeof(ini),
             "[component]\nadmins = %s@%s\n[limits]\nsends_per_minute = %d\n",
             ADMIN_USER, HARNESS_DOMAIN, SENDS_PER_MINUTE);
    itest_setup_with(ini);
    /* Once: every test logs the admin in again. */
    ck_assert_int_eq(
        harness_register(itest_harness(), ADMIN_USER, ITEST_PASSWORD), 0);
}

static int command_iq(struct xclient *c, const char *node, const char *action,
                      const char *sid, const char *fields,
                      xmpp_stanza_t **reply)
{
    char xml[2048], attrs[256] = "", form[1024] = "";
    size_t n = 0;

    if (action)
        n += (size_t)snprintf(attrs + n, sizeof(attrs) - n, " action='%s'",
                              action);
    if (sid)
        snprintf(attrs + n, sizeof(attrs) - n, " sessionid='%s'", sid);
    if (fields)
        snprintf(form, sizeof(form),
                 "<x xmlns='" NS_DATA "' type='submit'>%s</x>", fields);
    snprintf(xml, sizeof(xml),
             "<iq type='set'><command xmlns='" NS_COMMANDS
             "' node='%s'%s>%s</command></iq>",
             node, attrs, form);
    return itest_iq(c, xml, reply);
}

static void text_at(xmpp_stanza_t *reply, const char *path, char *buf,
                    size_t len)
{
    char *text = stanza_match_text(reply, path);

    snprintf(buf, len, "%s", text ? text : "");
    free(text);
}

static void note_read(xmpp_stanza_t *reply, struct note *out)
{
    stanza_expect(reply, COMMAND);
    text_at(reply, COMMAND "/@status", out->status, sizeof(out->status));
    text_at(reply, COMMAND "/note/@type", out->type, sizeof(out->type));
    text_at(reply, COMMAND "/note", out->text, sizeof(out->text));
}

/* Runs a one-stage command, which must complete; the caller releases the
 * reply. */
static xmpp_stanza_t *command_once(struct xclient *c, const char *node)
{
    xmpp_stanza_t *reply = NULL;
    int rc = command_iq(c, node, "execute", NULL, NULL, &reply);

    ck_assert_msg(rc == 0, "command %s failed: %d %s", node, rc,
                  reply ? itest_condition(reply) : "");
    stanza_expect(reply, COMMAND "[@node='%s'][@status='completed']", node);
    return reply;
}

/* Both stages of a command with a form; the caller releases the reply to
 * the submission, which completed. */
static xmpp_stanza_t *command_form(struct xclient *c, const char *node,
                                   const char *fields)
{
    xmpp_stanza_t *reply = NULL;
    char sid[64];
    int rc = command_iq(c, node, "execute", NULL, NULL, &reply);

    ck_assert_msg(rc == 0, "command %s failed: %d %s", node, rc,
                  reply ? itest_condition(reply) : "");
    stanza_expect(reply, COMMAND "[@status='executing']/{" NS_DATA "}x"
                                 "/field[@var='who']/required");
    text_at(reply, COMMAND "/@sessionid", sid, sizeof(sid));
    xmpp_stanza_release(reply);
    reply = NULL;
    rc = command_iq(c, node, "complete", sid, fields, &reply);
    ck_assert_msg(rc == 0, "command %s failed: %d %s", node, rc,
                  reply ? itest_condition(reply) : "");
    stanza_expect(reply, COMMAND "[@sessionid='%s'][@status='completed']", sid);
    return reply;
}

/* A form command expected to complete with a note; fills out. */
static void command_note(struct xclient *c, const char *node,
                         const char *fields, struct note *out)
{
    xmpp_stanza_t *reply = command_form(c, node, fields);

    note_read(reply, out);
    xmpp_stanza_release(reply);
}

/* The first value of field var of a result form (static buffer). */
static const char *field(xmpp_stanza_t *reply, const char *var)
{
    static char value[256];
    char path[256];

    stanza_expect(reply, RESULT "/field[@var='%s']", var);
    snprintf(path, sizeof(path), RESULT "/field[@var='%s']/value", var);
    text_at(reply, path, value, sizeof(value));
    return value;
}

/* Whether a value of the text-multi field var contains needle. */
static int field_has_line(xmpp_stanza_t *reply, const char *var,
                          const char *needle)
{
    xmpp_stanza_t *x = xmpp_stanza_get_child_by_ns(
        xmpp_stanza_get_child_by_ns(reply, NS_COMMANDS), NS_DATA);

    for (xmpp_stanza_t *f = x ? xmpp_stanza_get_children(x) : NULL; f;
         f = xmpp_stanza_get_next(f)) {
        const char *v = xmpp_stanza_get_attribute(f, "var");

        if (!v || strcmp(v, var) != 0)
            continue;
        for (xmpp_stanza_t *val = xmpp_stanza_get_children(f); val;
             val = xmpp_stanza_get_next(val)) {
            char *text = xmpp_stanza_get_text(val);
            int hit = text && strstr(text, needle);

            if (text)
                xmpp_free(xmpp_stanza_get_context(val), text);
            if (hit)
                return 1;
        }
    }
    return 0;
}

/* One number of the statistics. */
static long long stat_value(struct xclient *admin, const char *var)
{
    xmpp_stanza_t *reply = command_once(admin, "admin-stats");
    long long v = atoll(field(reply, var));

    xmpp_stanza_release(reply);
    return v;
}

/* Waits until the statistic var exceeds than, in bounded rounds. */
static long long stat_wait_above(struct xclient *admin, const char *var,
                                 long long than)
{
    long long v = stat_value(admin, var);

    for (int i = 0; v <= than && i < ITEST_TIMEOUT_MS / 100; i++) {
        xclient_pump(admin, 100);
        v = stat_value(admin, var);
    }
    return v;
}

static const char *who_fields(const char *who, int confirm)
{
    static char fields[512];

    snprintf(fields, sizeof(fields),
             "<field var='who'><value>%s</value></field>"
             "<field var='confirm'><value>%d</value></field>",
             who, confirm);
    return fields;
}

/* The registered number of c by XEP-0077 (static buffer; "" if none). */
static const char *registered_phone(struct xclient *c)
{
    static char phone[64];
    xmpp_stanza_t *reply = itest_iq_expect(
        c, "<iq type='get'><query xmlns='" NS_REGISTER "'/></iq>",
        "/iq[@type='result']/{" NS_REGISTER "}query");

    phone[0] = '\0';
    if (stanza_match(reply, "/iq/{" NS_REGISTER "}query/registered") == 1)
        text_at(reply, "/iq/{" NS_REGISTER "}query/phone", phone,
                sizeof(phone));
    xmpp_stanza_release(reply);
    return phone;
}

/* Counts the items of the command list c sees, checking the admin ones
 * are there (all, after the users') or not at all. */
static void commands_listed(struct xclient *c, int admin)
{
    xmpp_stanza_t *reply =
        itest_iq_expect(c,
                        "<iq type='get'><query xmlns='" NS_DISCO_ITEMS
                        "' node='" NS_COMMANDS "'/></iq>",
                        ITEMS);
    xmpp_stanza_t *q = xmpp_stanza_get_child_by_ns(reply, NS_DISCO_ITEMS);
    int n = 0;

    for (xmpp_stanza_t *it = xmpp_stanza_get_children(q); it;
         it = xmpp_stanza_get_next(it), n++) {
        const char *node = xmpp_stanza_get_attribute(it, "node");

        ck_assert_ptr_nonnull(node);
        if (n < NUSER)
            ck_assert_msg(strncmp(node, "admin-", 6) != 0,
                          "admin command %s among the users'", node);
        else
            ck_assert_str_eq(node, admin_nodes[n - NUSER]);
    }
    ck_assert_int_eq(n, NUSER + (admin ? NADMIN : 0));
    xmpp_stanza_release(reply);
}

START_TEST(hidden_from_users)
{
    struct xclient *boss = itest_relogin(ADMIN_USER, 1, 1);
    struct xclient *u = itest_login("adm_user", 1, 1);
    xmpp_stanza_t *reply = NULL;

    commands_listed(boss, 1);
    commands_listed(u, 0);
    /* Not even their nodes exist for a user... */
    xmpp_stanza_release(itest_iq_expect(
        u,
        "<iq type='get'><query xmlns='" NS_DISCO_INFO
        "' node='admin-stats'/></iq>",
        "/iq[@type='error']/error/{" NS_STANZAS "}item-not-found"));
    xmpp_stanza_release(
        itest_iq_expect(boss,
                        "<iq type='get'><query xmlns='" NS_DISCO_INFO
                        "' node='admin-stats'/></iq>",
                        "/iq[@type='result']/{" NS_DISCO_INFO "}query"
                        "/identity[@type='command-node']"));
    /* ...and running one is forbidden, with a reason. */
    for (int i = 0; i < NADMIN; i++) {
        ck_assert_int_eq(
            command_iq(u, admin_nodes[i], "execute", NULL, NULL, &reply),
            -EPROTO);
        stanza_expect(reply, "/iq[@type='error']/error[@type='auth']"
                             "/{" NS_STANZAS "}forbidden");
        stanza_expect(reply, "/iq/error/{" NS_STANZAS "}text");
        xmpp_stanza_release(reply);
        reply = NULL;
    }
    /* Also with a session id made up to skip the first stage. */
    ck_assert_int_eq(command_iq(u, "admin-purge", "complete", "0123",
                                who_fields("+8613800139001", 1), &reply),
                     -EPROTO);
    stanza_expect(reply, "/iq/error/{" NS_STANZAS "}forbidden");
    xmpp_stanza_release(reply);
    xclient_disconnect_free(boss);
    xclient_disconnect_free(u);
}
END_TEST

/* The statistics count what just happened: a card accepted, delivered and
 * acknowledged, one refused, and the users. */
START_TEST(stats_count_exchange)
{
    struct xclient *boss = itest_relogin(ADMIN_USER, 1, 1);
    struct xclient *a = itest_login("adm_sa", 1, 1);
    struct xclient *b = itest_login("adm_sb", 1, 1);
    long long users0, accepted0, delivered0, acked0, refused0;
    struct itest_sent sent;
    xmpp_stanza_t *card, *reply;

    users0 = stat_value(boss, "users");
    itest_register_phone(a, "+8613800139011");
    itest_register_phone(b, "+8613800139012");
    itest_upload_card(a, "Alice Stats", "+8613800139011");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    ck_assert_int_eq(stat_value(boss, "users"), users0 + 2);
    accepted0 = stat_value(boss, "accepted-hour");
    delivered0 = stat_value(boss, "delivered-day");
    acked0 = stat_value(boss, "acknowledged-hour");
    refused0 = stat_value(boss, "refused-day");

    itest_send(a, "+8613800139012", "counted", &sent);
    ck_assert_str_ne(sent.status, "error:");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    ck_assert_int_eq(stat_value(boss, "accepted-hour"), accepted0 + 1);
    ck_assert_int_eq(stat_value(boss, "accepted-day"), accepted0 + 1);
    ck_assert_int_eq(stat_value(boss, "delivered-day"), delivered0 + 1);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    ck_assert_int_eq(stat_wait_above(boss, "acknowledged-hour", acked0),
                     acked0 + 1);

    /* Nobody has this number ([privacy] unknown_numbers = reject). */
    ck_assert_str_eq(itest_send(a, "+8613800139019", NULL, &sent),
                     "error:item-not-found");
    reply = command_once(boss, "admin-stats");
    ck_assert_int_eq(atoll(field(reply, "refused-day")), refused0 + 1);
    ck_assert_msg(field_has_line(reply, "refused-reasons", "item-not-found: "),
                  "no item-not-found line among the refusals");
    ck_assert_str_eq(field(reply, "link-up"), "yes");
    ck_assert_str_eq(field(reply, "link-reconnects"), "0");
    xmpp_stanza_release(reply);
    xclient_disconnect_free(boss);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

START_TEST(lookup)
{
    struct xclient *boss = itest_relogin(ADMIN_USER, 1, 1);
    struct xclient *a = itest_login("adm_la", 1, 1);
    struct xclient *b = itest_login("adm_lb", 0, 1);
    char jid_b[128];
    struct itest_sent sent;
    struct note n;
    xmpp_stanza_t *reply;

    snprintf(jid_b, sizeof(jid_b), "adm_lb@%s", HARNESS_DOMAIN);
    itest_register_phone(a, "+8613800139021");
    itest_register_phone(b, "+8613800139022");
    itest_upload_card(a, "Alice Lookup", "+8613800139021");
    /* b sent no presence: the card waits. */
    ck_assert_str_eq(itest_send(a, "+8613800139022", NULL, &sent), "queued");

    reply = command_form(boss, "admin-lookup", who_fields("138 0013 9022", 0));
    ck_assert_str_eq(field(reply, "phone"), "+8613800139022");
    ck_assert_str_eq(field(reply, "jid"), jid_b);
    ck_assert_str_eq(field(reply, "waiting"), "1");
    ck_assert_ptr_nonnull(strstr(field(reply, "registered"), "UTC"));
    xmpp_stanza_release(reply);

    reply = command_form(boss, "admin-lookup", who_fields(jid_b, 0));
    ck_assert_str_eq(field(reply, "phone"), "+8613800139022");
    xmpp_stanza_release(reply);

    /* Bad input and nobody are told as such. */
    command_note(boss, "admin-lookup", who_fields("12", 0), &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_ptr_nonnull(strstr(n.text, "invalid phone number '12'"));
    command_note(boss, "admin-lookup", who_fields("nobody@cardx.test", 0), &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_str_eq(n.text, "nobody@cardx.test has no number registered here");
    command_note(boss, "admin-lookup", who_fields("+8613800139029", 0), &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_str_eq(n.text, "nobody has registered +8613800139029 and no "
                             "cards wait for it");
    command_note(boss, "admin-lookup", "<field var='who'/>", &n);
    ck_assert_str_eq(n.type, "error");
    xclient_disconnect_free(boss);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* Unregistering frees the number and purges the cards waiting for it. */
START_TEST(unregister_user)
{
    struct xclient *boss = itest_relogin(ADMIN_USER, 1, 1);
    struct xclient *a = itest_login("adm_ua", 1, 1);
    struct xclient *b = itest_login("adm_ub", 0, 1);
    struct xclient *c = itest_login("adm_uc", 1, 1);
    long long waiting0;
    struct itest_sent sent;
    struct note n;

    itest_register_phone(a, "+8613800139031");
    itest_register_phone(b, "+8613800139032");
    itest_upload_card(a, "Alice Unregister", "+8613800139031");
    ck_assert_str_eq(itest_send(a, "+8613800139032", NULL, &sent), "queued");
    waiting0 = stat_value(boss, "waiting");
    ck_assert_int_ge(waiting0, 1);

    command_note(boss, "admin-unregister", who_fields("+8613800139032", 0), &n);
    ck_assert_str_eq(n.text, "Nothing changed: not confirmed.");
    ck_assert_str_eq(registered_phone(b), "+8613800139032");

    command_note(boss, "admin-unregister", who_fields("+8613800139032", 1), &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_msg(strstr(n.text, "the number is free; 1 waiting card deleted"),
                  "unexpected note: %s", n.text);
    ck_assert_str_eq(registered_phone(b), "");
    ck_assert_int_eq(stat_value(boss, "waiting"), waiting0 - 1);
    command_note(boss, "admin-lookup", who_fields("+8613800139032", 0), &n);
    ck_assert_str_eq(n.type, "error");
    /* The number is free for someone else. */
    itest_register_phone(c, "+8613800139032");
    ck_assert_str_eq(registered_phone(c), "+8613800139032");

    command_note(boss, "admin-unregister",
                 who_fields("adm_ub@" HARNESS_DOMAIN, 1), &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_str_eq(n.text,
                     "adm_ub@" HARNESS_DOMAIN " has no number registered here");
    command_note(boss, "admin-unregister", who_fields("not a number", 1), &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_ptr_nonnull(strstr(n.text, "invalid phone number"));
    xclient_disconnect_free(boss);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
    xclient_disconnect_free(c);
}
END_TEST

START_TEST(purge_cards)
{
    struct xclient *boss = itest_relogin(ADMIN_USER, 1, 1);
    struct xclient *a = itest_login("adm_pa", 1, 1);
    struct xclient *b = itest_login("adm_pb", 0, 1);
    struct itest_sent sent;
    struct note n;
    xmpp_stanza_t *reply;

    itest_register_phone(a, "+8613800139041");
    itest_register_phone(b, "+8613800139042");
    itest_upload_card(a, "Alice Purge", "+8613800139041");
    ck_assert_str_eq(itest_send(a, "+8613800139042", NULL, &sent), "queued");

    command_note(boss, "admin-purge", who_fields("+8613800139042", 1), &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_str_eq(n.text, "Deleted 1 card waiting for +8613800139042.");
    reply = command_form(boss, "admin-lookup", who_fields("+8613800139042", 0));
    ck_assert_str_eq(field(reply, "waiting"), "0");
    xmpp_stanza_release(reply);
    /* Still registered; the card never arrives. */
    ck_assert_str_eq(registered_phone(b), "+8613800139042");
    ck_assert_int_eq(xclient_send_presence(b), 0);
    ck_assert_msg(itest_wait_card(b, ITEST_QUIET_MS) == NULL,
                  "a purged card arrived");
    command_note(boss, "admin-purge", who_fields("+8613800139042", 1), &n);
    ck_assert_str_eq(n.text, "Deleted 0 cards waiting for +8613800139042.");
    xclient_disconnect_free(boss);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

START_TEST(blocked_and_limited)
{
    struct xclient *boss = itest_relogin(ADMIN_USER, 1, 1);
    struct xclient *a = itest_login("adm_ba", 1, 1);
    struct xclient *b = itest_login("adm_bb", 1, 1);
    struct itest_sent sent;
    xmpp_stanza_t *reply;

    itest_register_phone(a, "+8613800139051");
    itest_register_phone(b, "+8613800139052");
    itest_upload_card(a, "Alice Blocked", "+8613800139051");
    itest_iq_ok(b, "<iq type='set'><block xmlns='" NS_CARDX
                   "' phone='+8613800139051'/></iq>");
    /* a reaches sends_per_minute: the next send is refused. */
    for (int i = 0; i < SENDS_PER_MINUTE; i++)
        ck_assert_str_eq(itest_send(a, "+8613800139052", NULL, &sent),
                         "queued");
    ck_assert_str_eq(itest_send(a, "+8613800139052", NULL, &sent),
                     "error:policy-violation");

    reply = command_once(boss, "admin-accounts");
    ck_assert_msg(
        field_has_line(reply, "blocked", "+8613800139051: blocked by 1 user"),
        "the blocked number is not listed");
    ck_assert_msg(field_has_line(reply, "limited",
                                 "adm_ba@" HARNESS_DOMAIN
                                 ": sends_per_minute reached until "),
                  "the limited account is not listed");
    ck_assert_msg(!field_has_line(reply, "limited", "adm_bb@"),
                  "an account within its limits is listed");
    xmpp_stanza_release(reply);
    xclient_disconnect_free(boss);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

static Suite *admin_suite(void)
{
    Suite *s = suite_create("admin");
    TCase *tc = tcase_create("admin commands");

    tcase_add_unchecked_fixture(tc, admin_setup, itest_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hidden_from_users);
    tcase_add_test(tc, stats_count_exchange);
    tcase_add_test(tc, lookup);
    tcase_add_test(tc, unregister_user);
    tcase_add_test(tc, purge_cards);
    tcase_add_test(tc, blocked_and_limited);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(admin_suite)
