/* Integration tests of what standard clients use against a real server and
 * cardxd: XEP-0050 ad-hoc commands, that XEP-0100 gateway lookup is
 * announced, and that a client which never acknowledges does not get a
 * card forever. Handler logic alone (the lookup itself, command protocol
 * errors) is tested without a server in tests/unit/test_service and
 * tests/unit/test_adhoc_unit. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/integration/itest.h"
#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "xep/ns.h"

/* What a completed command said. */
struct note {
    char status[16];
    char type[16];
    char text[512];
};

/* Sends a command request (action, sessionid and the submitted fields
 * optional) and returns itest_iq()'s code; *reply as there. */
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

/* Steps of the paths into a command reply. */
#define COMMAND "/iq/{" NS_COMMANDS "}command"
#define FORM COMMAND "/{" NS_DATA "}x"
/* The queries of successful disco replies. */
#define INFO "/iq[@type='result']/{" NS_DISCO_INFO "}query"
#define ITEMS "/iq[@type='result']/{" NS_DISCO_ITEMS "}query"

/* Copies the text at path in reply to buf ("" when the path ends nowhere). */
static void text_at(xmpp_stanza_t *reply, const char *path, char *buf,
                    size_t len)
{
    char *text = stanza_match_text(reply, path);

    snprintf(buf, len, "%s", text ? text : "");
    free(text);
}

/* Reads status and note of a command reply. */
static void note_read(xmpp_stanza_t *reply, struct note *out)
{
    stanza_expect(reply, COMMAND);
    text_at(reply, COMMAND "/@status", out->status, sizeof(out->status));
    text_at(reply, COMMAND "/note/@type", out->type, sizeof(out->type));
    text_at(reply, COMMAND "/note", out->text, sizeof(out->text));
}

/* The first value of field var in the form of a command reply (static
 * buffer); "" for no value. The field must be there. */
static const char *form_value(xmpp_stanza_t *reply, const char *var)
{
    static char value[256];
    char path[256];

    stanza_expect(reply, FORM "/field[@var='%s']", var);
    snprintf(path, sizeof(path), FORM "/field[@var='%s']/value", var);
    text_at(reply, path, value, sizeof(value));
    return value;
}

/* Starts node, which must answer with its form; copies the sessionid and
 * returns the reply (the caller releases it). */
static xmpp_stanza_t *command_start(struct xclient *c, const char *node,
                                    char *sid, size_t len)
{
    xmpp_stanza_t *reply = NULL;
    int rc = command_iq(c, node, "execute", NULL, NULL, &reply);

    ck_assert_msg(rc == 0, "command %s failed: %d %s", node, rc,
                  reply ? itest_condition(reply) : "");
    stanza_expect(reply,
                  COMMAND "[@node='%s'][@status='executing'][@sessionid]"
                          "/actions",
                  node);
    text_at(reply, COMMAND "/@sessionid", sid, len);
    return reply;
}

/* Submits fields to session sid, which must complete; fills out. */
static void command_submit(struct xclient *c, const char *node, const char *sid,
                           const char *fields, struct note *out)
{
    xmpp_stanza_t *reply = NULL;
    int rc = command_iq(c, node, "complete", sid, fields, &reply);

    ck_assert_msg(rc == 0, "command %s failed: %d %s", node, rc,
                  reply ? itest_condition(reply) : "");
    stanza_expect(reply, COMMAND "[@sessionid='%s']", sid);
    note_read(reply, out);
    ck_assert_str_eq(out->status, "completed");
    xmpp_stanza_release(reply);
}

/* Both stages of a command with a form. */
static void command_run(struct xclient *c, const char *node, const char *fields,
                        struct note *out)
{
    char sid[64];

    xmpp_stanza_release(command_start(c, node, sid, sizeof(sid)));
    command_submit(c, node, sid, fields, out);
}

static void register_cmd(struct xclient *c, const char *phone)
{
    char fields[256];
    struct note n;

    snprintf(fields, sizeof(fields),
             "<field var='phone'><value>%s</value></field>", phone);
    command_run(c, "register", fields, &n);
    ck_assert_msg(strcmp(n.type, "info") == 0, "register failed: %s", n.text);
}

static void send_cmd(struct xclient *c, const char *number, const char *note,
                     struct note *out)
{
    char fields[512];

    snprintf(fields, sizeof(fields),
             "<field var='number'><value>%s</value></field>"
             "<field var='note'><value>%s</value></field>",
             number, note ? note : "");
    command_run(c, "send", fields, out);
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

START_TEST(commands_discovered)
{
    struct xclient *a = itest_login("disco_a", 1, 1);
    const char *comp = harness_component_domain(itest_harness());
    xmpp_stanza_t *reply = NULL, *q;
    static const char *const nodes[] = {
        "register",   "send",    "inbox",    "block",  "unblock",
        "blocked",    "consent", "requests", "accept", "decline",
        "unregister", "updates", "language"};
    const int nnodes = (int)(sizeof(nodes) / sizeof(nodes[0]));
    int n = 0;

    reply = itest_iq_expect(
        a, "<iq type='get'><query xmlns='" NS_DISCO_INFO "'/></iq>",
        INFO "/feature[@var='" NS_COMMANDS "']");
    stanza_expect(reply, INFO "/feature[@var='" NS_GATEWAY "']");
    xmpp_stanza_release(reply);

    reply = itest_iq_expect(a,
                            "<iq type='get'><query xmlns='" NS_DISCO_ITEMS
                            "' node='" NS_COMMANDS "'/></iq>",
                            ITEMS "[@node='" NS_COMMANDS "']");
    /* The commands, in this order and nothing else. */
    q = xmpp_stanza_get_child_by_ns(reply, NS_DISCO_ITEMS);
    for (xmpp_stanza_t *it = xmpp_stanza_get_children(q); it;
         it = xmpp_stanza_get_next(it), n++) {
        ck_assert_int_lt(n, nnodes);
        stanza_expect(it, "/item[@jid='%s'][@node='%s'][@name]", comp,
                      nodes[n]);
    }
    ck_assert_int_eq(n, nnodes);
    xmpp_stanza_release(reply);

    /* Without a node: no items (the commands are under their node). */
    reply = itest_iq_expect(
        a, "<iq type='get'><query xmlns='" NS_DISCO_ITEMS "'/></iq>", ITEMS);
    q = xmpp_stanza_get_child_by_ns(reply, NS_DISCO_ITEMS);
    ck_assert_ptr_null(xmpp_stanza_get_children(q));
    xmpp_stanza_release(reply);

    reply = itest_iq_expect(
        a, "<iq type='get'><query xmlns='" NS_DISCO_INFO "' node='send'/></iq>",
        INFO "/identity[@category='automation']"
             "[@type='command-node']");
    stanza_expect(reply, INFO "/feature[@var='" NS_COMMANDS "']");
    stanza_expect(reply, INFO "/feature[@var='" NS_DATA "']");
    xmpp_stanza_release(reply);

    xmpp_stanza_release(itest_iq_expect(
        a, "<iq type='get'><query xmlns='" NS_DISCO_INFO "' node='nope'/></iq>",
        "/iq[@type='error']/error/{" NS_STANZAS "}item-not-found"));
    xclient_disconnect_free(a);
}
END_TEST

START_TEST(register_by_command)
{
    struct xclient *a = itest_login("cmdreg_a", 1, 1);
    struct xclient *b = itest_login("cmdreg_b", 1, 1);
    xmpp_stanza_t *reply;
    struct note n;
    char sid[64];

    /* The form: a required phone field, empty while not registered. */
    reply = command_start(a, "register", sid, sizeof(sid));
    stanza_expect(reply, FORM "/field[@var='phone'][@type='text-single']");
    ck_assert_str_eq(form_value(reply, "phone"), "");
    xmpp_stanza_release(reply);
    command_submit(a, "register", sid,
                   "<field var='phone'><value>138 0013 8111</value></field>",
                   &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_ptr_nonnull(strstr(n.text, "+86 138 0013 8111"));
    /* The same registration XEP-0077 sees. */
    ck_assert_str_eq(registered_phone(a), "+8613800138111");

    /* Prefilled with the current number; a change frees the old one. */
    reply = command_start(a, "register", sid, sizeof(sid));
    ck_assert_str_eq(form_value(reply, "phone"), "+8613800138111");
    xmpp_stanza_release(reply);
    command_submit(a, "register", sid,
                   "<field var='phone'><value>+8613800138112</value></field>",
                   &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_str_eq(registered_phone(a), "+8613800138112");
    register_cmd(b, "+8613800138111");

    /* Errors are notes in plain text. */
    command_run(b, "register",
                "<field var='phone'><value>+8613800138112</value></field>", &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_ptr_nonnull(strstr(n.text, "already registered"));
    command_run(b, "register", "<field var='phone'><value>12</value></field>",
                &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_ptr_nonnull(strstr(n.text, "invalid phone number '12'"));
    command_run(b, "register", "<field var='phone'/>", &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_str_eq(registered_phone(b), "+8613800138111");
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

START_TEST(send_by_command)
{
    struct xclient *a = itest_login("cmdsend_a", 1, 1);
    struct xclient *b = itest_login("cmdsend_b", 1, 1);
    xmpp_stanza_t *card;
    struct note n;
    char *body;

    register_cmd(a, "+8613800138121");
    register_cmd(b, "+8613800138122");
    itest_upload_card(a, "Alice Command", "+8613800138121");
    /* Let cardxd see b's session (presence after registration). */
    xclient_send_presence(b);
    xclient_pump(b, 300);

    send_cmd(a, "138 0013 8122", "from the command", &n);
    ck_assert_str_eq(n.type, "info");
    /* Online or not, the note does not say ([privacy] reveal_online). */
    ck_assert_str_eq(n.text, "Card queued for +86 138 0013 8122: it reaches "
                             "them when they are online.");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    body = xmpp_message_get_body(card);
    ck_assert_ptr_nonnull(strstr(body, "Alice Command"));
    ck_assert_ptr_nonnull(strstr(body, "from the command"));
    xmpp_free(xclient_ctx(b), body);
    itest_ack(b, card);
    xmpp_stanza_release(card);

    /* Offline: queued, and it arrives at the next login. */
    xclient_disconnect_free(b);
    xclient_pump(a, 300);
    send_cmd(a, "+8613800138122", NULL, &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_ptr_nonnull(strstr(n.text, "Card queued for +86 138 0013 8122"));
    b = itest_relogin("cmdsend_b", 1, 1);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the queued card did not arrive");
    stanza_expect(card, "/message/{" NS_DELAY "}delay");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

START_TEST(send_command_errors)
{
    struct xclient *a = itest_login("cmderr_a", 1, 1);
    struct xclient *u = itest_login("cmderr_u", 1, 1);
    xmpp_stanza_t *reply = NULL;
    struct note n;

    /* Not registered: no form, the command completes with the reason. */
    ck_assert_int_eq(command_iq(u, "send", NULL, NULL, NULL, &reply), 0);
    note_read(reply, &n);
    xmpp_stanza_release(reply);
    ck_assert_str_eq(n.status, "completed");
    ck_assert_str_eq(n.type, "error");
    ck_assert_ptr_nonnull(strstr(n.text, "register your phone number first"));

    register_cmd(a, "+8613800138131");
    /* No card here nor on the account yet. */
    send_cmd(a, "+8613800138131", NULL, &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_ptr_nonnull(strstr(n.text, "no business card"));
    itest_upload_card(a, "Alice Errors", "+8613800138131");
    send_cmd(a, "+8613800138139", NULL, &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_str_eq(n.text, "no cardx user has the number +86 138 0013 8139");
    send_cmd(a, "not a number", NULL, &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_ptr_nonnull(strstr(n.text, "invalid phone number"));
    send_cmd(a, "", NULL, &n);
    ck_assert_str_eq(n.type, "error");
    xclient_disconnect_free(a);
    xclient_disconnect_free(u);
}
END_TEST

START_TEST(inbox_command)
{
    struct xclient *a = itest_login("cmdinbox_a", 1, 1);
    struct xclient *b = itest_login("cmdinbox_b", 0, 1);
    struct xclient *c = itest_login("cmdinbox_c", 1, 1);
    xmpp_stanza_t *reply = NULL, *card;
    struct note n;
    char id1[64];

    register_cmd(a, "+8613800138151");
    register_cmd(b, "+8613800138152");
    register_cmd(c, "+8613800138153");
    itest_upload_card(a, "Alice Inbox", "+8613800138151");
    itest_upload_card(c, "Carol Inbox", "+8613800138153");

    ck_assert_int_eq(command_iq(b, "inbox", NULL, NULL, NULL, &reply), 0);
    note_read(reply, &n);
    xmpp_stanza_release(reply);
    ck_assert_str_eq(n.status, "completed");
    ck_assert_str_eq(n.text, "No cards wait for you.");

    /* b sent no presence: cardxd does not see b online. */
    send_cmd(a, "+8613800138152", "one", &n);
    ck_assert_ptr_nonnull(strstr(n.text, "queued"));
    /* a second card must come from another sender: one waits per sender */
    send_cmd(c, "+8613800138152", "two", &n);
    ck_assert_int_eq(command_iq(b, "inbox", "execute", NULL, NULL, &reply), 0);
    note_read(reply, &n);
    xmpp_stanza_release(reply);
    ck_assert_str_eq(n.type, "info");
    ck_assert_ptr_nonnull(strstr(n.text, "2 cards wait for you"));
    ck_assert_ptr_nonnull(strstr(n.text, "come online"));

    /* Online: both arrive; not acknowledged, they still wait. */
    ck_assert_int_eq(xclient_send_presence(b), 0);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the first card did not arrive");
    snprintf(id1, sizeof(id1), "%s", xmpp_stanza_get_id(card));
    xmpp_stanza_release(card);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the second card did not arrive");
    xmpp_stanza_release(card);

    /* The command sends them again now, the same cards. */
    ck_assert_int_eq(command_iq(b, "inbox", NULL, NULL, NULL, &reply), 0);
    note_read(reply, &n);
    xmpp_stanza_release(reply);
    ck_assert_ptr_nonnull(strstr(n.text, "2 cards wait for you"));
    ck_assert_ptr_nonnull(strstr(n.text, "sent to you now"));
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the inbox was not sent again");
    ck_assert_str_eq(xmpp_stanza_get_id(card), id1);
    itest_ack(b, card);
    xmpp_stanza_release(card);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the second card was not sent again");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_pump(b, 300);

    ck_assert_int_eq(command_iq(b, "inbox", NULL, NULL, NULL, &reply), 0);
    note_read(reply, &n);
    xmpp_stanza_release(reply);
    ck_assert_str_eq(n.text, "No cards wait for you.");
    xclient_disconnect_free(c);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

START_TEST(unregister_command)
{
    struct xclient *a = itest_login("cmdunreg_a", 1, 1);
    xmpp_stanza_t *reply = NULL;
    struct note n;
    char sid[64];

    register_cmd(a, "+8613800138161");
    reply = command_start(a, "unregister", sid, sizeof(sid));
    stanza_expect(reply, FORM "/field[@var='confirm'][@type='boolean']");
    xmpp_stanza_release(reply);
    command_submit(a, "unregister", sid,
                   "<field var='confirm'><value>0</value></field>", &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_str_eq(registered_phone(a), "+8613800138161");

    command_run(a, "unregister",
                "<field var='confirm'><value>true</value></field>", &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_ptr_nonnull(strstr(n.text, "+86 138 0013 8161"));
    ck_assert_str_eq(registered_phone(a), "");

    /* Nothing left to unregister. */
    ck_assert_int_eq(command_iq(a, "unregister", NULL, NULL, NULL, &reply), 0);
    note_read(reply, &n);
    xmpp_stanza_release(reply);
    ck_assert_str_eq(n.status, "completed");
    ck_assert_str_eq(n.type, "error");
    xclient_disconnect_free(a);
}
END_TEST

/* [limits] max_attempts: a client that announces receipts but never acks
 * gets a card at most that many times. Restarts cardxd: keep it last. */
START_TEST(never_acked_card_given_up)
{
    struct harness *h = itest_harness();
    struct xclient *a = itest_login("maxatt_a", 1, 1);
    struct xclient *b = itest_login("maxatt_b", 1, 1);
    xmpp_stanza_t *card;
    struct note n;
    int ups, got = 0;

    ck_assert_int_ge(harness_cardxd_stop(h), 0);
    ck_assert_int_eq(
        harness_cardxd_config_append(h, "[limits]\nmax_attempts = 2\n"), 0);
    ups = harness_cardxd_link_ups(h);
    ck_assert_int_eq(harness_cardxd_start(h), 0);
    ck_assert_int_eq(harness_cardxd_wait_link_up(h, ups + 1, ITEST_TIMEOUT_MS),
                     0);

    register_cmd(a, "+8613800138171");
    register_cmd(b, "+8613800138172");
    itest_upload_card(a, "Alice Persistent", "+8613800138171");
    xclient_disconnect_free(b);
    xclient_pump(a, 300);
    send_cmd(a, "+8613800138172", NULL, &n);
    ck_assert_ptr_nonnull(strstr(n.text, "queued"));
    for (int login = 0; login < 3; login++) {
        b = itest_relogin("maxatt_b", 1, 1);
        card =
            itest_wait_card(b, login < 2 ? ITEST_TIMEOUT_MS : ITEST_QUIET_MS);
        if (card)
            got++;
        ck_assert_msg(card != NULL || login == 2, "login %d got no card",
                      login + 1);
        if (card)
            xmpp_stanza_release(card);
        xclient_disconnect_free(b);
    }
    ck_assert_int_eq(got, 2);
    xclient_disconnect_free(a);
}
END_TEST

/* Runs the block or unblock command on number; fills out. */
static void block_cmd(struct xclient *c, const char *node, const char *number,
                      struct note *out)
{
    char fields[256];

    snprintf(fields, sizeof(fields),
             "<field var='phone'><value>%s</value></field>", number);
    command_run(c, node, fields, out);
}

/* The one-stage "blocked" command's note. */
static void blocked_cmd(struct xclient *c, struct note *out)
{
    xmpp_stanza_t *reply = NULL;

    ck_assert_int_eq(command_iq(c, "blocked", "execute", NULL, NULL, &reply),
                     0);
    note_read(reply, out);
    ck_assert_str_eq(out->status, "completed");
    xmpp_stanza_release(reply);
}

/* Blocking by command: the blocked sender is told the card was queued, yet
 * nothing reaches the recipient; unblocked, the next card does. */
START_TEST(block_by_command)
{
    struct xclient *a = itest_login("cmdblock_a", 1, 1);
    struct xclient *b = itest_login("cmdblock_b", 1, 1);
    xmpp_stanza_t *card;
    struct note n;

    register_cmd(a, "+8613800138181");
    register_cmd(b, "+8613800138182");
    itest_upload_card(a, "Alice Blocked", "+8613800138181");
    xclient_send_presence(b);
    xclient_pump(b, 300);

    blocked_cmd(b, &n);
    ck_assert_str_eq(n.text, "You have blocked no numbers.");
    block_cmd(b, "block", "138 0013 8181", &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_ptr_nonnull(strstr(n.text, "+86 138 0013 8181 is blocked"));
    blocked_cmd(b, &n);
    ck_assert_str_eq(n.text, "Blocked numbers (1):\n+86 138 0013 8181");
    block_cmd(b, "block", "not a number", &n);
    ck_assert_str_eq(n.type, "error");

    send_cmd(a, "+8613800138182", "while blocked", &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_str_eq(n.text, "Card queued for +86 138 0013 8182: it reaches "
                             "them when they are online.");
    card = itest_wait_card(b, ITEST_QUIET_MS);
    ck_assert_msg(card == NULL, "a blocked sender's card arrived");

    block_cmd(b, "unblock", "+8613800138181", &n);
    ck_assert_str_eq(n.type, "info");
    block_cmd(b, "unblock", "+8613800138181", &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_str_eq(n.text, "+86 138 0013 8181 is not blocked");
    blocked_cmd(b, &n);
    ck_assert_str_eq(n.text, "You have blocked no numbers.");
    send_cmd(a, "+8613800138182", "after unblock", &n);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card after unblocking did not arrive");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

/* Runs a one-stage command (requests) and returns its note in out. */
static void one_stage_cmd(struct xclient *c, const char *node, struct note *out)
{
    xmpp_stanza_t *reply = NULL;

    ck_assert_int_eq(command_iq(c, node, "execute", NULL, NULL, &reply), 0);
    note_read(reply, out);
    ck_assert_str_eq(out->status, "completed");
    xmpp_stanza_release(reply);
}

/* The id of the one request the "requests" note lists, from sender. */
static void one_request(struct xclient *c, const char *sender, char id[64])
{
    struct note n;
    const char *at;

    one_stage_cmd(c, "requests", &n);
    ck_assert_ptr_nonnull(strstr(n.text, "consent (1):\n"));
    at = strstr(n.text, "\ncard-");
    ck_assert_ptr_nonnull(at);
    ck_assert_int_eq(sscanf(at + 1, "%63s", id), 1);
    ck_assert_msg(strstr(n.text, sender), "'%s' not in '%s'", sender, n.text);
}

/* Consent by command (ask): a stranger's card waits until accepted, a
 * declined one never arrives, and both senders are told "queued". */
START_TEST(consent_by_command)
{
    struct xclient *a = itest_login("consent_a", 1, 1);
    struct xclient *b = itest_login("consent_b", 1, 1);
    struct xclient *c = itest_login("consent_c", 1, 1);
    xmpp_stanza_t *card;
    char id[64], fields[128];
    struct note n;

    register_cmd(a, "+8613800138191");
    register_cmd(b, "+8613800138192");
    register_cmd(c, "+8613800138193");
    itest_upload_card(a, "Alice Stranger", "+8613800138191");
    itest_upload_card(c, "Carol Stranger", "+8613800138193");
    xclient_send_presence(b);
    xclient_pump(b, 300);

    command_run(b, "consent", "<field var='mode'><value>maybe</value></field>",
                &n);
    ck_assert_str_eq(n.type, "error");
    command_run(b, "consent", "<field var='mode'><value>ask</value></field>",
                &n);
    ck_assert_str_eq(n.type, "info");
    one_stage_cmd(b, "requests", &n);
    ck_assert_str_eq(n.text, "No cards wait for your consent.");

    send_cmd(a, "+8613800138192", "may I?", &n);
    ck_assert_str_eq(n.text, "Card queued for +86 138 0013 8192: it reaches "
                             "them when they are online.");
    card = itest_wait_card(b, ITEST_QUIET_MS);
    ck_assert_msg(card == NULL, "a held card was delivered");
    one_stage_cmd(b, "inbox", &n);
    ck_assert_str_eq(n.text, "No cards wait for you.");
    one_request(b, "+86 138 0013 8191", id);
    snprintf(fields, sizeof(fields),
             "<field var='id'><value>%s</value></field>", id);
    command_run(b, "accept", fields, &n);
    ck_assert_str_eq(n.type, "info");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the accepted card did not arrive");
    ck_assert_str_eq(xmpp_stanza_get_id(card), id);
    itest_ack(b, card);
    xmpp_stanza_release(card);

    send_cmd(c, "+8613800138192", NULL, &n);
    ck_assert_str_eq(n.text, "Card queued for +86 138 0013 8192: it reaches "
                             "them when they are online.");
    one_request(b, "+86 138 0013 8193", id);
    snprintf(fields, sizeof(fields),
             "<field var='id'><value>%s</value></field>", id);
    command_run(b, "decline", fields, &n);
    ck_assert_str_eq(n.type, "info");
    command_run(b, "decline", fields, &n);
    ck_assert_str_eq(n.type, "error");
    card = itest_wait_card(b, ITEST_QUIET_MS);
    ck_assert_msg(card == NULL, "a declined card was delivered");
    one_stage_cmd(b, "requests", &n);
    ck_assert_str_eq(n.text, "No cards wait for your consent.");

    /* Accepted once, trusted since: Alice's next card comes at once. */
    send_cmd(a, "+8613800138192", "again", &n);
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the trusted sender's card waited");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
    xclient_disconnect_free(c);
}
END_TEST

/* The updates command turns a received card's updates off and on again;
 * the send form's profile field limits what the recipient gets. */
START_TEST(updates_and_profile_by_command)
{
    struct xclient *a = itest_login("cupd_a", 1, 1);
    struct xclient *b = itest_login("cupd_b", 1, 1);
    xmpp_stanza_t *card;
    struct note n;

    register_cmd(a, "+8613800138291");
    register_cmd(b, "+8613800138292");
    itest_upload_card(a, "Alice Command", "+8613800138291");
    itest_iq_ok(a, "<iq type='set'><profile xmlns='" NS_CARDX
                   "' name='short'><field var='name'/></profile></iq>");
    xclient_send_presence(b);
    xclient_pump(b, 300);
    command_run(a, "send",
                "<field var='number'><value>+8613800138292</value></field>"
                "<field var='profile'><value>short</value></field>",
                &n);
    ck_assert_str_eq(n.type, "info");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the card did not arrive");
    stanza_expect(card, "/message/{" NS_VCARD "}vCard/FN");
    ck_assert_int_eq(stanza_match(card, "/message/{" NS_VCARD "}vCard/ORG"), 0);
    itest_ack(b, card);
    xmpp_stanza_release(card);

    command_run(b, "updates",
                "<field var='phone'><value>+8613800138291</value></field>"
                "<field var='receive'><value>0</value></field>",
                &n);
    ck_assert_str_eq(n.type, "info");
    ck_assert_str_eq(n.text,
                     "Updates of the card of +86 138 0013 8291 are off.");
    itest_upload_card(a, "Alice Renamed", "+8613800138291");
    card = itest_wait_card(b, ITEST_QUIET_MS);
    ck_assert_msg(card == NULL, "an update arrived with updates off");
    command_run(b, "updates",
                "<field var='phone'><value>+8613800138199</value></field>"
                "<field var='receive'><value>1</value></field>",
                &n);
    ck_assert_str_eq(n.type, "error");
    ck_assert_str_eq(n.text, "you have no card from +86 138 0013 8199");
    command_run(b, "updates",
                "<field var='phone'><value>+8613800138291</value></field>"
                "<field var='receive'><value>1</value></field>",
                &n);
    ck_assert_str_eq(n.type, "info");
    itest_upload_card(a, "Alice Final", "+8613800138291");
    card = itest_wait_card(b, ITEST_TIMEOUT_MS);
    ck_assert_msg(card != NULL, "the update did not arrive");
    stanza_expect(card,
                  "/message/{" NS_VCARD "}vCard/FN[text()='Alice Final']");
    itest_ack(b, card);
    xmpp_stanza_release(card);
    xclient_disconnect_free(a);
    xclient_disconnect_free(b);
}
END_TEST

static Suite *adhoc_suite(void)
{
    Suite *s = suite_create("adhoc");
    TCase *tc = tcase_create("standard clients");

    tcase_add_unchecked_fixture(tc, itest_setup, itest_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, commands_discovered);
    tcase_add_test(tc, register_by_command);
    tcase_add_test(tc, send_by_command);
    tcase_add_test(tc, send_command_errors);
    tcase_add_test(tc, inbox_command);
    tcase_add_test(tc, unregister_command);
    tcase_add_test(tc, block_by_command);
    tcase_add_test(tc, consent_by_command);
    tcase_add_test(tc, never_acked_card_given_up);
    tcase_add_test(tc, updates_and_profile_by_command);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(adhoc_suite)
