/* Unit tests of the administrators' ad-hoc commands without a network,
 * over a real store: who may run them (read from the config at each
 * request), what each answers, and bad input. The same commands against
 * real servers are in tests/integration/test_admin. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/runner.h"
#include "tests/lib/stanza_match.h"
#include "tests/lib/svcfix.h"
#include "xep/ns.h"

#define ADMIN "root@example.test"
#define USER "alice@example.test"
#define COMMAND "{" NS_COMMANDS "}command"
#define RESULT                                                                 \
    "/iq[@type='result']/" COMMAND "[@status='completed']/{" NS_DATA           \
    "}x[@type='result']"

/* The one iq among what the service sent (presences are no answers). */
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

/* Sends a command from from/res (sid and form optional); returns the
 * answer, borrowed until the next call. */
static xmpp_stanza_t *command(struct svcfix *fx, const char *from,
                              const char *node, const char *sid,
                              const char *form)
{
    char xml[1024], attrs[128] = "";

    if (sid)
        snprintf(attrs, sizeof(attrs), " sessionid='%s' action='complete'",
                 sid);
    snprintf(xml, sizeof(xml),
             "<iq type='set' id='c1' from='%s/res' to='" SVCFIX_DOMAIN
             "'><command xmlns='" NS_COMMANDS "' node='%s'%s>%s</command></iq>",
             from, node, attrs, form ? form : "");
    svcfix_clear_out(fx);
    svcfix_feed(fx, xml);
    return answer(fx);
}

/* Both stages of a command whose form has the fields given (submitted). */
static xmpp_stanza_t *command_form(struct svcfix *fx, const char *from,
                                   const char *node, const char *fields)
{
    xmpp_stanza_t *r = command(fx, from, node, NULL, NULL);
    char sid[64], form[768], *id;

    stanza_expect(r, "/iq[@type='result']/" COMMAND "[@status='executing']");
    id = stanza_match_text(r, "/iq/" COMMAND "/@sessionid");
    ck_assert_ptr_nonnull(id);
    snprintf(sid, sizeof(sid), "%s", id);
    free(id);
    snprintf(form, sizeof(form), "<x xmlns='" NS_DATA "' type='submit'>%s</x>",
             fields);
    return command(fx, from, node, sid, form);
}

static const char *who(const char *value, int confirm)
{
    static char f[256];

    snprintf(f, sizeof(f),
             "<field var='who'><value>%s</value></field>"
             "<field var='confirm'><value>%d</value></field>",
             value, confirm);
    return f;
}

/* The note of a completed command must contain text. */
static void expect_note(xmpp_stanza_t *r, const char *type, const char *text)
{
    char *note;

    stanza_expect(r,
                  "/iq[@type='result']/" COMMAND
                  "[@status='completed']/note[@type='%s']",
                  type);
    note = stanza_match_text(r, "/iq/" COMMAND "/note");
    ck_assert_msg(note && strstr(note, text), "note '%s' lacks '%s'",
                  note ? note : "", text);
    free(note);
}

static void setup(struct svcfix *fx)
{
    svcfix_init(fx);
    free(fx->cfg->admins);
    fx->cfg->admins = strdup(ADMIN);
    ck_assert_ptr_nonnull(fx->cfg->admins);
    /* alice registers +8613800138000 */
    expect_note(command_form(fx, USER, "register",
                             "<field var='phone'><value>+8613800138000"
                             "</value></field>"),
                "info", "+86 138 0013 8000");
}

START_TEST(who_may_run)
{
    struct svcfix fx;
    xmpp_stanza_t *r;

    setup(&fx);
    r = command(&fx, USER, "admin-stats", NULL, NULL);
    stanza_expect(r, "/iq[@type='error']/error[@type='auth']/{" NS_STANZAS
                     "}forbidden");
    stanza_expect(r, "/iq/error/{" NS_STANZAS "}text");
    /* The list is read at each request: a reloaded config applies. */
    free(fx.cfg->admins);
    fx.cfg->admins = strdup(ADMIN ", " USER);
    ck_assert_ptr_nonnull(fx.cfg->admins);
    stanza_expect(command(&fx, USER, "admin-stats", NULL, NULL),
                  RESULT "/field[@var='users']/value");
    free(fx.cfg->admins);
    fx.cfg->admins = strdup("");
    ck_assert_ptr_nonnull(fx.cfg->admins);
    stanza_expect(command(&fx, ADMIN, "admin-accounts", NULL, NULL),
                  "/iq[@type='error']/error/{" NS_STANZAS "}forbidden");
    svcfix_free(&fx);
}
END_TEST

START_TEST(every_command)
{
    struct svcfix fx;
    xmpp_stanza_t *r;
    char *v;

    setup(&fx);
    r = command(&fx, ADMIN, "admin-stats", NULL, NULL);
    v = stanza_match_text(r, RESULT "/field[@var='users']/value");
    ck_assert_str_eq(v, "1");
    free(v);
    stanza_expect(r,
                  RESULT "/field[@var='refused-reasons'][@type='text-multi']");
    stanza_expect(r, RESULT "/field[@var='link-up']/value");

    r = command_form(&fx, ADMIN, "admin-lookup", who("+8613800138000", 0));
    v = stanza_match_text(r, RESULT "/field[@var='jid']/value");
    ck_assert_str_eq(v, USER);
    free(v);
    r = command_form(&fx, ADMIN, "admin-lookup", who(USER, 0));
    v = stanza_match_text(r, RESULT "/field[@var='phone']/value");
    ck_assert_str_eq(v, "+8613800138000");
    free(v);
    expect_note(command_form(&fx, ADMIN, "admin-lookup", who("+86 12", 0)),
                "error", "invalid phone number '+86 12'");

    expect_note(command_form(&fx, ADMIN, "admin-purge", who(USER, 1)), "info",
                "Deleted 0 cards waiting for +86 138 0013 8000.");
    stanza_expect(command(&fx, ADMIN, "admin-accounts", NULL, NULL),
                  RESULT "/field[@var='limited'][@type='text-multi']");
    expect_note(
        command_form(&fx, ADMIN, "admin-unregister", who("+8613800138000", 1)),
        "info", "Unregistered +86 138 0013 8000 (" USER ")");
    expect_note(
        command_form(&fx, ADMIN, "admin-unregister", who("+8613800138000", 1)),
        "error", "nobody has registered +86 138 0013 8000");
    svcfix_free(&fx);
}
END_TEST

static Suite *admin_unit_suite(void)
{
    Suite *s = suite_create("admin_unit");
    TCase *tc = tcase_create("admin commands");

    tcase_add_test(tc, who_may_run);
    tcase_add_test(tc, every_command);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(admin_unit_suite)
