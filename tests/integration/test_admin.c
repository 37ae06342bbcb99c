/* Integration tests of the administrators' ad-hoc commands against a real
 * server and cardxd: what an admin sees and does (statistics that count a
 * card just exchanged, looking up, unregistering, purging, blocked and
 * limited accounts), and that everyone else neither sees nor runs them;
 * and of the OpenMetrics endpoint, read with a small HTTP client. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
#define NUSER 13 /* the users' commands: test_adhoc.c lists them */

#define COMMAND "/iq/{" NS_COMMANDS "}command"
#define FORM COMMAND "/{" NS_DATA "}x"
#define RESULT FORM "[@type='result']"
#define ITEMS "/iq[@type='result']/{" NS_DISCO_ITEMS "}query"

struct note {
    char status[16];
    char type[16];
    char text[512];
};

/* The metrics endpoint's port, picked free at setup. */
static int metrics_port;

/* A loopback port nothing listens on now (the kernel's choice). */
static int free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static void admin_setup(void)
{
    char ini[512];

    metrics_port = free_port();
    snprintf(ini, sizeof(ini),
             "[component]\nadmins = %s@%s\n[limits]\nsends_per_minute = %d\n"
             "[metrics]\nlisten = 127.0.0.1:%d\n",
             ADMIN_USER, HARNESS_DOMAIN, SENDS_PER_MINUTE, metrics_port);
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
    ck_assert_msg(strncmp(sent.status, "error:", 6) != 0, "send failed: %s",
                  sent.status);
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
    ck_assert_str_eq(n.text, "nobody has registered +86 138 0013 9029 and no "
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
    ck_assert_str_eq(n.text, "Deleted 1 card waiting for +86 138 0013 9042.");
    reply = command_form(boss, "admin-lookup", who_fields("+8613800139042", 0));
    ck_assert_str_eq(field(reply, "waiting"), "0");
    xmpp_stanza_release(reply);
    /* Still registered; the card never arrives. */
    ck_assert_str_eq(registered_phone(b), "+8613800139042");
    ck_assert_int_eq(xclient_send_presence(b), 0);
    ck_assert_msg(itest_wait_card(b, ITEST_QUIET_MS) == NULL,
                  "a purged card arrived");
    command_note(boss, "admin-purge", who_fields("+8613800139042", 1), &n);
    ck_assert_str_eq(n.text, "Deleted 0 cards waiting for +86 138 0013 9042.");
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

/* --- the metrics endpoint --- */

/* An HTTP answer: status, the raw head and the body (the caller frees
 * them with http_free()). */
struct http {
    int status;
    char *head;
    char *body;
};

static void http_free(struct http *h)
{
    free(h->head);
    free(h->body);
}

/* Sends method path over HTTP/1.0 to the metrics port and reads the whole
 * answer (the server closes); fails the test when none comes. */
static void http_request(const char *method, const char *path, struct http *out)
{
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((unsigned short)metrics_port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char req[256], *all = NULL, *split;
    size_t len = 0, cap = 0;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
             method, path);
    ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        ssize_t n;

        ck_assert_msg(poll(&p, 1, ITEST_TIMEOUT_MS) == 1,
                      "no answer from the metrics endpoint");
        if (len + 4096 + 1 > cap) {
            cap = 2 * cap + 8192;
            all = realloc(all, cap);
            ck_assert_ptr_nonnull(all);
        }
        n = read(fd, all + len, cap - len - 1);
        ck_assert_int_ge(n, 0);
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    ck_assert_ptr_nonnull(all);
    all[len] = '\0';
    split = strstr(all, "\r\n\r\n");
    ck_assert_msg(split != NULL, "no end of the head in: %s", all);
    out->body = strdup(split + 4);
    *split = '\0';
    out->head = all;
    ck_assert_int_eq(sscanf(all, "HTTP/1.%*d %d", &out->status), 1);
}

/* The value of the sample line that starts with name followed by a space
 * (labels included in name); fails the test when there is none. */
static double sample(const char *text, const char *name)
{
    size_t n = strlen(name);

    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');

        if (strncmp(line, name, n) == 0 && line[n] == ' ')
            return atof(line + n + 1);
        line = end ? end + 1 : NULL;
    }
    ck_abort_msg("no sample %s", name);
    return 0;
}

/* The family a sample name belongs to: without the suffix its type adds. */
static void sample_family(const char *name, size_t len, char *family,
                          size_t cap)
{
    static const char *const suffixes[] = {"_total", "_bucket", "_count",
                                           "_sum"};

    snprintf(family, cap, "%.*s", (int)len, name);
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t sl = strlen(suffixes[i]), fl = strlen(family);

        if (fl > sl && strcmp(family + fl - sl, suffixes[i]) == 0) {
            family[fl - sl] = '\0';
            return;
        }
    }
}

/* Well-formed as OpenMetrics says: every sample's family was declared by
 * a TYPE line before it, with HELP; the text ends with "# EOF". */
static void check_exposition(const char *text)
{
    size_t tl = strlen(text);
    int samples = 0;

    ck_assert_msg(tl >= 6 && strcmp(text + tl - 6, "# EOF\n") == 0,
                  "the exposition does not end with # EOF");
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = strcspn(line, " {\n");
        char family[128], want[192];

        ck_assert_msg(end != NULL, "an unfinished line");
        if (line[0] != '#') {
            const char *at;

            sample_family(line, n, family, sizeof(family));
            snprintf(want, sizeof(want), "# TYPE %s ", family);
            at = strstr(text, want);
            ck_assert_msg(at && at < line, "sample %.*s has no TYPE before it",
                          (int)(end - line), line);
            snprintf(want, sizeof(want), "# HELP %s ", family);
            ck_assert_msg(strstr(text, want), "family %s has no HELP", family);
            ck_assert_msg(strchr(line + n, ' ') && strchr(line + n, ' ') < end,
                          "sample without a value: %.*s", (int)(end - line),
                          line);
            samples++;
        } else {
            ck_assert_msg(strncmp(line, "# TYPE ", 7) == 0 ||
                              strncmp(line, "# HELP ", 7) == 0 ||
                              strncmp(line, "# UNIT ", 7) == 0 ||
                              strcmp(line, "# EOF\n") == 0,
                          "unknown comment %.*s", (int)(end - line), line);
        }
        line = end + 1;
    }
    ck_assert_int_gt(samples, 0);
}

/* GET /metrics, checked for status, type and form; the caller frees. */
static char *scrape(void)
{
    struct http h;
    char *body;

    http_request("GET", "/metrics", &h);
    ck_assert_int_eq(h.status, 200);
    ck_assert_msg(strcasestr(h.head, "\r\nContent-Type: "
                                     "application/openmetrics-text; "
                                     "version=1.0.0; charset=utf-8"),
                  "wrong content type in %s", h.head);
    check_exposition(h.body);
    body = h.body;
    h.body = NULL;
    http_free(&h);
    return body;
}

/* A card exchanged moves the counters, the waiting gauge and the
 * histograms. */
START_TEST(metrics_count_exchange)
{
    struct xclient *a = itest_login("adm_ma", 1, 1);
    struct xclient *b = itest_login("adm_mb", 1, 1);
    struct itest_sent sent;
    xmpp_stanza_t *card;
    char *before, *after = NULL;
    double acked0;

    itest_register_phone(a, "+8613800139061");
    itest_register_phone(b, "+8613800139062");
    itest_upload_card(a, "Alice Metrics", "+8613800139061");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    before = scrape();
    ck_assert_int_eq(sample(before, "cardxd_link_up"), 1);
    ck_assert_int_ge(sample(before, "cardxd_users_registered"), 2);
    ck_assert_int_eq(sample(before, "cardxd_database_ok"), 1);
    /* The SQLite file's size, or PostgreSQL's pg_database_size(). */
    ck_assert_int_gt(sample(before, "cardxd_database_size_bytes"), 0);

    itest_send(a, "+8613800139062", "measured", &sent);
    ck_assert_msg(strncmp(sent.status, "error:", 6) != 0, "send failed: %s",
                  sent.status);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    after = scrape();
    ck_assert_int_eq(sample(after, "cardxd_cards_accepted_total"),
                     sample(before, "cardxd_cards_accepted_total") + 1);
    ck_assert_int_eq(sample(after, "cardxd_cards_delivered_total"),
                     sample(before, "cardxd_cards_delivered_total") + 1);
    ck_assert_int_eq(sample(after, "cardxd_cards_waiting"),
                     sample(before, "cardxd_cards_waiting") + 1);
    ck_assert_int_eq(
        sample(after, "cardxd_card_delivery_latency_seconds_count"),
        sample(before, "cardxd_card_delivery_latency_seconds_count") + 1);
    ck_assert_int_eq(
        sample(after,
               "cardxd_card_delivery_latency_seconds_bucket{le=\"+Inf\"}"),
        sample(after, "cardxd_card_delivery_latency_seconds_count"));

    acked0 = sample(before, "cardxd_cards_acknowledged_total");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    for (int i = 0; i < ITEST_TIMEOUT_MS / 100; i++) {
        free(after);
        after = scrape();
        if (sample(after, "cardxd_cards_acknowledged_total") > acked0)
            break;
        xclient_pump(b, 100);
    }
    ck_assert_int_eq(sample(after, "cardxd_cards_acknowledged_total"),
                     acked0 + 1);
    ck_assert_int_eq(sample(after, "cardxd_card_ack_latency_seconds_count"),
                     sample(before, "cardxd_card_ack_latency_seconds_count") +
                         1);
    ck_assert_int_eq(sample(after, "cardxd_cards_waiting"),
                     sample(before, "cardxd_cards_waiting"));
    free(before);
    free(after);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

START_TEST(metrics_other_paths)
{
    struct http h;

    http_request("GET", "/", &h);
    ck_assert_int_eq(h.status, 404);
    http_free(&h);
    http_request("GET", "/metrics/x", &h);
    ck_assert_int_eq(h.status, 404);
    http_free(&h);
    http_request("POST", "/metrics", &h);
    ck_assert_int_eq(h.status, 405);
    http_free(&h);
    /* Still serving after those. */
    free(scrape());
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
    tcase_add_test(tc, metrics_count_exchange);
    tcase_add_test(tc, metrics_other_paths);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(admin_suite)
