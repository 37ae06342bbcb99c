/* libcardx against a real server and cardxd, through the public header
 * only: the event API on a poll() loop, registration, a card sent and
 * received, refusals, the application's signals and environment left as
 * they were, and the examples built against the installed library
 * (test_libcardx.sh builds them and sets CARDX_EXAMPLES_DIR). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cardx.h"
#include "common/util.h"
#include "tests/integration/harness.h"
#include "tests/lib/runner.h"

#define LINK_WAIT_MS 30000
#define EVENT_WAIT_MS 20000
#define CHILD_WAIT_MS 60000
#define ALICE_PHONE "+8613800138000"
#define BOB_PHONE "+8613900139000"
#define NOBODY_PHONE "+8613700137000"
#define MAX_CLIENTS 2
/* No card for this long after going online: nothing more waits. */
#define DRAIN_QUIET_MS 1500

extern char **environ;

static struct harness *the_harness;

/* What the callbacks saw, per client. */
struct seen {
    enum cardx_state state;
    int state_error;
    int online_count;
    int registered, code_needed, reg_error;
    char reg_number[64];
    int sent, sent_error;
    enum cardx_send_status sent_status;
    char sent_card_id[128];
    int cards;
    char card_name[128], card_sender[64];
    int receipts;
    char receipt_number[64], receipt_id[32];
    int64_t card_id;
    /* The answer, consent and requests callbacks: how many came, and the
     * last one's request, error and what it carried. */
    int answers, answer_error;
    uint32_t answer_request;
    int consents, consent_error;
    uint32_t consent_request;
    enum cardx_consent consent_mode;
    int listings, listing_error;
    uint32_t listing_request;
    size_t listed;
    int listed_null;
    char listed_id[128], listed_from[64], listed_note[64];
};

static void on_state(void *ud, enum cardx_state state, int error,
                     const char *reason)
{
    struct seen *s = ud;

    (void)reason;
    s->state = state;
    s->state_error = error;
    if (state == CARDX_STATE_ONLINE)
        s->online_count++;
}

static void on_card(void *ud, const cardx_card *card)
{
    struct seen *s = ud;
    const char *name = cardx_card_get(card, "name");

    s->cards++;
    snprintf(s->card_name, sizeof(s->card_name), "%s", name ? name : "");
    snprintf(s->card_sender, sizeof(s->card_sender), "%s",
             cardx_card_sender(card) ? cardx_card_sender(card) : "");
    s->card_id = cardx_card_id(card);
}

static void on_sent(void *ud, uint32_t request, enum cardx_send_status status,
                    const char *number, const char *card_id, int error,
                    const char *reason)
{
    struct seen *s = ud;

    (void)request;
    (void)number;
    (void)reason;
    s->sent++;
    s->sent_status = status;
    s->sent_error = error;
    snprintf(s->sent_card_id, sizeof(s->sent_card_id), "%s",
             card_id ? card_id : "");
}

static void on_registration(void *ud, enum cardx_register_step step,
                            const char *number, int error, const char *reason)
{
    struct seen *s = ud;

    (void)reason;
    if (step == CARDX_REGISTER_DONE)
        s->registered++;
    else if (step == CARDX_REGISTER_CODE_NEEDED)
        s->code_needed++;
    s->reg_error = error;
    snprintf(s->reg_number, sizeof(s->reg_number), "%s", number);
}

static void on_receipt(void *ud, const char *number, const char *message_id)
{
    struct seen *s = ud;

    s->receipts++;
    snprintf(s->receipt_number, sizeof(s->receipt_number), "%s", number);
    snprintf(s->receipt_id, sizeof(s->receipt_id), "%s", message_id);
}

static void on_answer(void *ud, uint32_t request, int error, const char *reason)
{
    struct seen *s = ud;

    ck_assert_ptr_nonnull(reason);
    s->answers++;
    s->answer_request = request;
    s->answer_error = error;
}

static void on_consent(void *ud, uint32_t request, int error,
                       const char *reason, enum cardx_consent mode)
{
    struct seen *s = ud;

    ck_assert_ptr_nonnull(reason);
    s->consents++;
    s->consent_request = request;
    s->consent_error = error;
    s->consent_mode = mode;
}

/* The list is borrowed for the call: what the test looks at is copied. */
static void on_requests(void *ud, uint32_t request, int error,
                        const char *reason, const cardx_request *const *list,
                        size_t count)
{
    struct seen *s = ud;
    const char *note = count ? cardx_request_note(list[0]) : NULL;

    ck_assert_ptr_nonnull(reason);
    s->listings++;
    s->listing_request = request;
    s->listing_error = error;
    s->listed = count;
    s->listed_null = list == NULL;
    if (list)
        ck_assert_ptr_null(list[count]);
    snprintf(s->listed_id, sizeof(s->listed_id), "%s",
             count ? cardx_request_id(list[0]) : "");
    snprintf(s->listed_from, sizeof(s->listed_from), "%s",
             count ? cardx_request_from(list[0]) : "");
    snprintf(s->listed_note, sizeof(s->listed_note), "%s", note ? note : "");
}

static const struct cardx_callbacks callbacks = {
    .answer = on_answer,
    .consent = on_consent,
    .requests = on_requests,
    .receipt = on_receipt,
    .state = on_state,
    .card = on_card,
    .sent = on_sent,
    .registration = on_registration,
};

/* The settings of user (a fresh data directory under the run dir). */
static cardx_settings *user_settings(const char *user, const char *password)
{
    cardx_settings *s = cardx_settings_new();
    char jid[128], server[64], dir[PATH_MAX];

    ck_assert_ptr_nonnull(s);
    snprintf(jid, sizeof(jid), "%s@%s", user, harness_domain(the_harness));
    snprintf(server, sizeof(server), "127.0.0.1:%d",
             harness_c2s_port(the_harness));
    snprintf(dir, sizeof(dir), "%s/lib-%s", harness_rundir(the_harness), user);
    ck_assert_int_eq(cardx_settings_set(s, "jid", jid), CARDX_OK);
    ck_assert_int_eq(cardx_settings_set(s, "password", password), CARDX_OK);
    ck_assert_int_eq(cardx_settings_set(s, "server", server), CARDX_OK);
    ck_assert_int_eq(cardx_settings_set(s, "tls", "no"), CARDX_OK);
    ck_assert_int_eq(cardx_settings_set(s, "data_dir", dir), CARDX_OK);
    ck_assert_int_eq(cardx_settings_set(s, "component",
                                        harness_component_domain(the_harness)),
                     CARDX_OK);
    return s;
}

static cardx_client *user_client(const char *user, const char *password,
                                 struct seen *seen)
{
    cardx_settings *s = user_settings(user, password);
    cardx_client *c = NULL;
    char *err = NULL;
    int rc = cardx_client_new(s, &callbacks, seen, &c, &err);

    ck_assert_msg(rc == CARDX_OK, "client for %s: %s", user,
                  err ? err : cardx_strerror(rc));
    cardx_settings_free(s);
    return c;
}

/* One poll() over the clients' fds, as an application's loop does, then
 * processes each. */
static void pump_once(cardx_client **cs, int n)
{
    struct pollfd p[MAX_CLIENTS];
    int timeout = 100;

    for (int i = 0; i < n; i++) {
        int ev = cardx_client_events(cs[i]);
        int t = cardx_client_timeout_ms(cs[i]);

        p[i].fd = cardx_client_fd(cs[i]);
        p[i].events = (short)((ev & CARDX_WANT_READ ? POLLIN : 0) |
                              (ev & CARDX_WANT_WRITE ? POLLOUT : 0));
        if (t >= 0 && t < timeout)
            timeout = t;
    }
    poll(p, (nfds_t)n, timeout);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(cardx_client_process(cs[i]), CARDX_OK);
}

/* Pumps until *flag is non-zero; fails after EVENT_WAIT_MS. */
#define PUMP_UNTIL(cs, n, cond, what)                                          \
    do {                                                                       \
        int64_t deadline_ = clock_now_ms() + EVENT_WAIT_MS;                    \
        while (!(cond)) {                                                      \
            ck_assert_msg(clock_now_ms() < deadline_, "never: %s", what);      \
            pump_once((cs), (n));                                              \
        }                                                                      \
    } while (0)

/* --- the tests --- */

START_TEST(offline_client_has_nothing_to_watch)
{
    struct seen seen = {0};
    cardx_client *c = user_client("alice", "alice-pw", &seen);

    ck_assert_int_eq(cardx_client_state(c), CARDX_STATE_OFFLINE);
    ck_assert_int_eq(cardx_client_fd(c), -1);
    ck_assert_int_eq(cardx_client_events(c), 0);
    ck_assert_int_eq(cardx_client_timeout_ms(c), -1);
    ck_assert_int_eq(cardx_client_send(c, BOB_PHONE, NULL, NULL),
                     CARDX_E_STATE);
    ck_assert_int_eq(cardx_client_register(c, ALICE_PHONE, NULL),
                     CARDX_E_STATE);
    cardx_client_free(c);
}
END_TEST

START_TEST(wrong_password_is_auth_error)
{
    struct seen seen = {0};
    cardx_client *c = user_client("alice", "not-her-password", &seen);

    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_E_AUTH);
    ck_assert_int_eq(seen.state, CARDX_STATE_OFFLINE);
    ck_assert_int_eq(seen.state_error, CARDX_E_AUTH);
    ck_assert_str_ne(cardx_client_errmsg(c), "");
    ck_assert_int_eq(cardx_client_fd(c), -1);
    cardx_client_free(c);
}
END_TEST

/* The arrived card, as the inbox lists it, saved as a contact. */
static int inbox_one(void *ud, const cardx_card *card)
{
    int64_t *id = ud;

    *id = cardx_card_id(card);
    ck_assert_str_eq(cardx_card_note(card), "hello");
    ck_assert_str_ne(cardx_card_service_id(card), "");
    ck_assert_int_gt(cardx_card_received(card), 0);
    return 0;
}

static void inbox_to_contacts(cardx_store *st, int64_t card_id)
{
    int64_t listed = 0, contact = 0, total = 0, count = -1;
    cardx_card *card = NULL;

    ck_assert_int_eq(cardx_store_inbox_list(st, inbox_one, &listed), CARDX_OK);
    ck_assert_int_eq(listed, card_id);
    ck_assert_int_eq(cardx_store_inbox_get(st, card_id, &card), CARDX_OK);
    ck_assert_str_eq(cardx_card_get(card, "org"), "Example Trading");
    cardx_card_free(card);
    ck_assert_int_eq(
        cardx_store_inbox_save(st, card_id, CARDX_MERGE_ASK, &contact),
        CARDX_OK);
    ck_assert_int_gt(contact, 0);
    ck_assert_int_eq(cardx_store_inbox_count(st, &count), CARDX_OK);
    ck_assert_int_eq(count, 0);
    ck_assert_int_eq(
        cardx_store_contact_search(st, "Wang", 0, NULL, NULL, &total),
        CARDX_OK);
    ck_assert_int_eq(total, 1);
}

/* An account made by in-band registration, once: then it exists, and it
 * logs in. */
START_TEST(create_account_then_login)
{
    struct seen seen = {0};
    cardx_client *c = user_client("carol", "carol-pw", &seen);

    ck_assert_msg(cardx_client_create_account(c) == CARDX_OK, "create: %s",
                  cardx_client_errmsg(c));
    ck_assert_int_eq(cardx_client_create_account(c), CARDX_E_EXISTS);
    ck_assert_int_eq(cardx_client_fd(c), -1);
    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_OK);
    ck_assert_int_eq(cardx_client_create_account(c), CARDX_E_STATE);
    cardx_client_free(c);
}
END_TEST

/* The test servers offer no TLS: with TLS required (the default) the
 * login stops there, with its own code and a reason that says so. */
START_TEST(tls_required_but_not_offered)
{
    struct seen seen = {0};
    cardx_settings *s = user_settings("alice", "alice-pw");
    cardx_client *c = NULL;

    ck_assert_int_eq(cardx_settings_set(s, "tls", "yes"), CARDX_OK);
    ck_assert_int_eq(cardx_client_new(s, &callbacks, &seen, &c, NULL),
                     CARDX_OK);
    cardx_settings_free(s);
    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_E_TLS_REQUIRED);
    ck_assert_int_eq(seen.state_error, CARDX_E_TLS_REQUIRED);
    ck_assert_msg(strstr(cardx_client_errmsg(c), "TLS"), "reason: %s",
                  cardx_client_errmsg(c));
    cardx_client_free(c);
}
END_TEST

/* Registers both numbers, then alice's card goes to bob, whose loop gets
 * it into his inbox; a number nobody has is refused. */
START_TEST(register_send_receive)
{
    struct seen sa = {0}, sb = {0};
    cardx_client *cs[2];
    cardx_card *card = cardx_card_new();
    int64_t count = 0;

    cs[0] = user_client("alice", "alice-pw", &sa);
    cs[1] = user_client("bob", "bob-pw", &sb);
    ck_assert_ptr_nonnull(card);
    ck_assert_int_eq(cardx_card_set(card, "name", "Alice Wang"), CARDX_OK);
    ck_assert_int_eq(cardx_card_set(card, "org", "Example Trading"), CARDX_OK);
    ck_assert_int_eq(cardx_store_self_set(cardx_client_store(cs[0]), card),
                     CARDX_OK);
    cardx_card_free(card);

    ck_assert_int_eq(cardx_client_connect(cs[0]), CARDX_OK);
    ck_assert_int_eq(cardx_client_connect(cs[1]), CARDX_OK);
    ck_assert_int_eq(cardx_client_connect(cs[1]), CARDX_E_STATE);
    PUMP_UNTIL(cs, 2, sa.online_count && sb.online_count, "both online");
    ck_assert_int_ge(cardx_client_fd(cs[0]), 0);

    ck_assert_int_eq(cardx_client_register(cs[0], ALICE_PHONE, NULL), CARDX_OK);
    ck_assert_int_eq(cardx_client_register(cs[1], "+86 139 0013 9000", NULL),
                     CARDX_OK);
    PUMP_UNTIL(cs, 2, sa.registered && sb.registered, "both registered");
    ck_assert_int_eq(sa.code_needed, 0);
    ck_assert_str_eq(sb.reg_number, BOB_PHONE);

    ck_assert_int_eq(cardx_client_send(cs[0], BOB_PHONE, "hello", NULL),
                     CARDX_OK);
    PUMP_UNTIL(cs, 2, sa.sent, "sent");
    ck_assert_msg(sa.sent_error == CARDX_OK, "send refused: %s",
                  cardx_client_errmsg(cs[0]));
    PUMP_UNTIL(cs, 2, sb.cards, "received");
    ck_assert_int_eq(sa.sent_error, CARDX_OK);
    ck_assert_int_eq(sa.sent_status, CARDX_SEND_QUEUED);
    ck_assert_str_ne(sa.sent_card_id, "");
    ck_assert_str_eq(sb.card_name, "Alice Wang");
    ck_assert_str_eq(sb.card_sender, ALICE_PHONE);
    ck_assert_int_eq(cardx_store_inbox_count(cardx_client_store(cs[1]), &count),
                     CARDX_OK);
    ck_assert_int_eq(count, 1);
    ck_assert_int_gt(sb.card_id, 0);
    inbox_to_contacts(cardx_client_store(cs[1]), sb.card_id);

    sa.sent = 0;
    ck_assert_int_eq(cardx_client_send(cs[0], NOBODY_PHONE, NULL, NULL),
                     CARDX_OK);
    PUMP_UNTIL(cs, 2, sa.sent, "refusal");
    ck_assert_int_eq(sa.sent_status, CARDX_SEND_REFUSED);
    ck_assert_int_eq(sa.sent_error, CARDX_E_NOTFOUND);

    cardx_client_disconnect(cs[0]);
    cardx_client_disconnect(cs[1]);
    PUMP_UNTIL(cs, 2,
               sa.state == CARDX_STATE_OFFLINE &&
                   sb.state == CARDX_STATE_OFFLINE,
               "both offline");
    ck_assert_int_eq(sa.state_error, CARDX_OK);
    cardx_client_free(cs[0]);
    cardx_client_free(cs[1]);
}
END_TEST

/* bob blocks alice's number, lists it, and unblocks it again; a number
 * not blocked cannot be unblocked. */
START_TEST(block_list_unblock)
{
    struct seen seen = {0};
    cardx_client *c = user_client("bob", "bob-pw", &seen);
    char **numbers = NULL;
    size_t n = 9;

    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_OK);
    ck_assert_int_eq(cardx_client_block_blocking(c, ALICE_PHONE, 1), CARDX_OK);
    ck_assert_int_eq(cardx_client_blocklist_blocking(c, &numbers, &n),
                     CARDX_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(numbers[0], ALICE_PHONE);
    ck_assert_ptr_null(numbers[1]);
    cardx_strv_free(numbers);
    ck_assert_int_eq(cardx_client_block_blocking(c, NOBODY_PHONE, 0),
                     CARDX_E_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(cardx_client_errmsg(c), NOBODY_PHONE));
    ck_assert_int_eq(cardx_client_block_blocking(c, ALICE_PHONE, 0), CARDX_OK);
    ck_assert_int_eq(cardx_client_blocklist_blocking(c, &numbers, &n),
                     CARDX_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(numbers[0]);
    cardx_strv_free(numbers);
    cardx_client_free(c);
}
END_TEST

/* bob saved alice's card (register_send_receive): he turns its updates
 * off and on; cardxd has no card of a number nobody has for him. */
START_TEST(updates_off_and_on)
{
    struct seen seen = {0};
    cardx_client *c = user_client("bob", "bob-pw", &seen);

    ck_assert_int_eq(cardx_client_updates(c, ALICE_PHONE, 0, NULL),
                     CARDX_E_STATE);
    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_OK);
    ck_assert_int_eq(cardx_client_updates_blocking(c, ALICE_PHONE, 0),
                     CARDX_OK);
    ck_assert_int_eq(cardx_client_updates_blocking(c, NOBODY_PHONE, 1),
                     CARDX_E_NOTFOUND);
    ck_assert_ptr_nonnull(strstr(cardx_client_errmsg(c), NOBODY_PHONE));
    ck_assert_int_eq(cardx_client_updates_blocking(c, ALICE_PHONE, 1),
                     CARDX_OK);
    cardx_client_free(c);
}
END_TEST

/* alice stores a profile, makes it the default, lists and removes it; an
 * unknown field is refused before anything is sent. */
START_TEST(profiles_set_list_delete)
{
    struct seen seen = {0};
    cardx_client *c = user_client("alice", "alice-pw", &seen);
    const char *fields[] = {"name", "org", CARDX_PHOTO_FIELD, NULL};
    const char *bad[] = {"shoe", NULL};
    cardx_profile **list = NULL;
    uint32_t request = 0;
    size_t n = 9;

    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_OK);
    ck_assert_int_eq(cardx_client_profile_set(c, "work", bad, &request),
                     CARDX_E_INVAL);
    ck_assert_int_eq(cardx_client_profile_set(c, "work", fields, &request),
                     CARDX_OK);
    ck_assert_int_eq(cardx_client_wait(c, request), CARDX_OK);
    ck_assert_int_eq(cardx_client_profile_default(c, "work", &request),
                     CARDX_OK);
    ck_assert_int_eq(cardx_client_wait(c, request), CARDX_OK);
    ck_assert_int_eq(cardx_client_profiles_blocking(c, &list, &n), CARDX_OK);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(cardx_profile_name(list[0]), "work");
    ck_assert_int_eq(cardx_profile_is_default(list[0]), 1);
    ck_assert_str_eq(cardx_profile_fields(list[0])[1], "org");
    ck_assert_str_eq(cardx_profile_fields(list[0])[2], CARDX_PHOTO_FIELD);
    ck_assert_ptr_null(cardx_profile_fields(list[0])[3]);
    cardx_profiles_free(list);
    ck_assert_int_eq(cardx_client_profile_delete(c, "work", &request),
                     CARDX_OK);
    ck_assert_int_eq(cardx_client_wait(c, request), CARDX_OK);
    ck_assert_int_eq(cardx_client_profiles_blocking(c, &list, &n), CARDX_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_ptr_null(list[0]);
    cardx_profiles_free(list);
    cardx_client_free(c);
}
END_TEST

/* bob asks for consent (his one contact's number told first), has no
 * requests waiting, and lets anyone send again; a request that does not
 * exist cannot be accepted. */
START_TEST(consent_modes_and_requests)
{
    struct seen seen = {0};
    cardx_client *c = user_client("bob", "bob-pw", &seen);
    enum cardx_consent mode = CARDX_CONSENT_CONTACTS;
    cardx_request **list = NULL;
    uint32_t request = 0;
    cardx_card *friend = cardx_card_new();
    int64_t friend_id = 0;
    size_t count = 9;
    int told = -1;

    ck_assert_int_eq(cardx_card_set(friend, "phone", NOBODY_PHONE), CARDX_OK);
    ck_assert_int_eq(
        cardx_store_contact_add(cardx_client_store(c), friend, &friend_id),
        CARDX_OK);
    cardx_card_free(friend);
    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_OK);
    ck_assert_int_eq(cardx_client_consent_get_blocking(c, &mode), CARDX_OK);
    ck_assert_int_eq(mode, CARDX_CONSENT_ANYONE);
    ck_assert_int_eq(
        cardx_client_consent_set_blocking(c, CARDX_CONSENT_ASK, &count),
        CARDX_OK);
    ck_assert_uint_eq(count, 1);
    ck_assert_int_eq(cardx_client_consent_get_blocking(c, &mode), CARDX_OK);
    ck_assert_int_eq(mode, CARDX_CONSENT_ASK);
    ck_assert_int_eq(cardx_client_consent_refresh_blocking(c, &told, NULL),
                     CARDX_OK);
    ck_assert_int_eq(told, 0);
    ck_assert_int_eq(cardx_client_requests_blocking(c, &list, &count),
                     CARDX_OK);
    ck_assert_uint_eq(count, 0);
    ck_assert_ptr_null(list[0]);
    cardx_requests_free(list);
    ck_assert_int_eq(cardx_client_request_answer(c, "nope", 1, &request),
                     CARDX_OK);
    ck_assert_int_eq(cardx_client_wait(c, request), CARDX_E_NOTFOUND);
    ck_assert_int_eq(
        cardx_client_consent_set_blocking(c, CARDX_CONSENT_ANYONE, NULL),
        CARDX_OK);
    ck_assert_int_eq(cardx_client_consent_get_blocking(c, &mode), CARDX_OK);
    ck_assert_int_eq(mode, CARDX_CONSENT_ANYONE);
    ck_assert_int_eq(
        cardx_store_contact_delete(cardx_client_store(c), friend_id), CARDX_OK);
    cardx_client_free(c);
}
END_TEST

/* A contact with only phone, added to c's store; its id. */
static int64_t contact_with_phone(cardx_client *c, const char *phone)
{
    cardx_card *card = cardx_card_new();
    int64_t id = 0;

    ck_assert_int_eq(cardx_card_set(card, "phone", phone), CARDX_OK);
    ck_assert_int_eq(cardx_store_contact_add(cardx_client_store(c), card, &id),
                     CARDX_OK);
    cardx_card_free(card);
    return id;
}

/* Pumps until s has seen one more answer than before; it must be to
 * request, with error. */
static void answer_is(cardx_client **cs, int n, struct seen *s, int before,
                      uint32_t request, int error)
{
    PUMP_UNTIL(cs, n, s->answers > before, "an answer");
    ck_assert_int_eq(s->answers, before + 1);
    ck_assert_uint_eq(s->answer_request, request);
    ck_assert_int_eq(s->answer_error, error);
}

/* The consent calls on bob's poll() loop, no blocking call: the mode
 * read and set (his contact's number told first, one outcome for both
 * steps), told again once his contacts change, alice's card waiting as a
 * request that is listed and declined, and anyone let in again. */
START_TEST(consent_event_driven_on_poll)
{
    struct seen sa = {0}, sb = {0};
    cardx_client *cs[2];
    uint32_t request = 0, got = 0;
    int64_t friend_id, other_id;
    size_t count = 9;
    int answers;

    cs[0] = user_client("bob", "bob-pw", &sb);
    cs[1] = user_client("alice", "alice-pw", &sa);
    friend_id = contact_with_phone(cs[0], NOBODY_PHONE);
    ck_assert_int_eq(cardx_client_connect(cs[0]), CARDX_OK);
    ck_assert_int_eq(cardx_client_connect(cs[1]), CARDX_OK);
    PUMP_UNTIL(cs, 2, sb.online_count && sa.online_count, "both online");

    ck_assert_int_eq(cardx_client_consent_get(cs[0], &request), CARDX_OK);
    PUMP_UNTIL(cs, 2, sb.consents == 1, "the mode");
    ck_assert_uint_eq(sb.consent_request, request);
    ck_assert_int_eq(sb.consent_error, CARDX_OK);
    ck_assert_int_eq(sb.consent_mode, CARDX_CONSENT_ANYONE);

    answers = sb.answers;
    ck_assert_int_eq(
        cardx_client_consent_set(cs[0], CARDX_CONSENT_ASK, &count, &request),
        CARDX_OK);
    ck_assert_uint_eq(count, 1);
    answer_is(cs, 2, &sb, answers, request, CARDX_OK);
    ck_assert_int_eq(cardx_client_consent_get(cs[0], &got), CARDX_OK);
    PUMP_UNTIL(cs, 2, sb.consents == 2, "the mode set");
    ck_assert_uint_eq(sb.consent_request, got);
    ck_assert_int_eq(sb.consent_mode, CARDX_CONSENT_ASK);
    /* The numbers and the mode had one outcome between them. */
    ck_assert_int_eq(sb.answers, answers + 1);

    /* Unchanged contacts: nothing to tell, no callback. */
    request = 9;
    ck_assert_int_eq(cardx_client_consent_refresh(cs[0], &count, &request),
                     CARDX_OK);
    ck_assert_uint_eq(request, 0);
    ck_assert_uint_eq(count, 0);
    other_id = contact_with_phone(cs[0], "+8613600136000");
    ck_assert_int_eq(cardx_client_consent_refresh(cs[0], &count, &request),
                     CARDX_OK);
    ck_assert_uint_ne(request, 0);
    ck_assert_uint_eq(count, 2);
    answer_is(cs, 2, &sb, answers + 1, request, CARDX_OK);
    ck_assert_int_eq(cardx_client_consent_refresh(cs[0], &count, &request),
                     CARDX_OK);
    ck_assert_uint_eq(request, 0);

    /* alice is no contact of bob's: her card waits for his consent. */
    ck_assert_int_eq(cardx_client_send(cs[1], BOB_PHONE, "may I?", NULL),
                     CARDX_OK);
    PUMP_UNTIL(cs, 2, sa.sent, "alice's send answered");
    ck_assert_int_eq(sa.sent_error, CARDX_OK);
    ck_assert_int_eq(cardx_client_requests(cs[0], &request), CARDX_OK);
    PUMP_UNTIL(cs, 2, sb.listings == 1, "the requests");
    ck_assert_uint_eq(sb.listing_request, request);
    ck_assert_int_eq(sb.listing_error, CARDX_OK);
    ck_assert_uint_eq(sb.listed, 1);
    ck_assert_str_eq(sb.listed_from, ALICE_PHONE);
    ck_assert_str_eq(sb.listed_note, "may I?");
    ck_assert_str_ne(sb.listed_id, "");
    ck_assert_int_eq(sb.cards, 0);
    ck_assert_int_eq(
        cardx_client_request_answer(cs[0], sb.listed_id, 0, &request),
        CARDX_OK);
    answer_is(cs, 2, &sb, answers + 2, request, CARDX_OK);
    ck_assert_int_eq(cardx_client_requests(cs[0], &request), CARDX_OK);
    PUMP_UNTIL(cs, 2, sb.listings == 2, "no requests");
    ck_assert_int_eq(sb.listing_error, CARDX_OK);
    ck_assert_uint_eq(sb.listed, 0);
    ck_assert_int_eq(sb.listed_null, 0);

    ck_assert_int_eq(
        cardx_client_consent_set(cs[0], CARDX_CONSENT_ANYONE, &count, &request),
        CARDX_OK);
    ck_assert_uint_eq(count, 0);
    answer_is(cs, 2, &sb, answers + 3, request, CARDX_OK);
    /* Anyone: nothing to keep cardxd told of. */
    ck_assert_int_eq(cardx_client_consent_refresh(cs[0], &count, &request),
                     CARDX_OK);
    ck_assert_uint_eq(request, 0);
    ck_assert_int_eq(cardx_client_consent_get(cs[0], &request), CARDX_OK);
    PUMP_UNTIL(cs, 2, sb.consents == 3, "anyone again");
    ck_assert_int_eq(sb.consent_mode, CARDX_CONSENT_ANYONE);
    ck_assert_int_eq(
        cardx_store_contact_delete(cardx_client_store(cs[0]), friend_id),
        CARDX_OK);
    ck_assert_int_eq(
        cardx_store_contact_delete(cardx_client_store(cs[0]), other_id),
        CARDX_OK);
    cardx_client_free(cs[0]);
    cardx_client_free(cs[1]);
}
END_TEST

/* carol has no number registered with cardxd: each consent call is
 * refused through its callback, setting the mode once, at its first
 * step (nothing is then remembered to tell again); a mode that does not
 * exist is refused at once, and offline nothing goes out. */
START_TEST(consent_event_driven_refused)
{
    struct seen seen = {0};
    cardx_client *c = user_client("carol", "carol-pw", &seen);
    uint32_t request = 0;
    int64_t friend_id = contact_with_phone(c, NOBODY_PHONE);
    size_t count = 9;

    ck_assert_int_eq(cardx_client_consent_get(c, &request), CARDX_E_STATE);
    ck_assert_int_eq(cardx_client_requests(c, &request), CARDX_E_STATE);
    ck_assert_int_eq(
        cardx_client_consent_set(c, CARDX_CONSENT_ASK, &count, &request),
        CARDX_E_STATE);
    ck_assert_int_eq(cardx_client_connect(c), CARDX_OK);
    PUMP_UNTIL(&c, 1, seen.online_count, "online");

    ck_assert_int_eq(cardx_client_consent_get(c, &request), CARDX_OK);
    PUMP_UNTIL(&c, 1, seen.consents == 1, "the mode refused");
    ck_assert_uint_eq(seen.consent_request, request);
    ck_assert_int_eq(seen.consent_error, CARDX_E_NOT_REGISTERED);

    ck_assert_int_eq(
        cardx_client_consent_set(c, CARDX_CONSENT_CONTACTS, &count, &request),
        CARDX_OK);
    ck_assert_uint_eq(count, 1);
    answer_is(&c, 1, &seen, 0, request, CARDX_E_NOT_REGISTERED);
    ck_assert_msg(strstr(cardx_client_errmsg(c), "contacts"), "errmsg: %s",
                  cardx_client_errmsg(c));
    ck_assert_int_eq(cardx_client_consent_refresh(c, &count, &request),
                     CARDX_OK);
    ck_assert_uint_eq(request, 0);
    ck_assert_int_eq(
        cardx_client_consent_set(c, (enum cardx_consent)7, &count, &request),
        CARDX_E_INVAL);

    ck_assert_int_eq(cardx_client_requests(c, &request), CARDX_OK);
    PUMP_UNTIL(&c, 1, seen.listings == 1, "the requests refused");
    ck_assert_uint_eq(seen.listing_request, request);
    ck_assert_int_eq(seen.listing_error, CARDX_E_NOT_REGISTERED);
    ck_assert_int_eq(seen.listed_null, 1);
    ck_assert_uint_eq(seen.listed, 0);
    /* The blocking forms share the path and its refusal. */
    ck_assert_int_eq(
        cardx_client_consent_set_blocking(c, CARDX_CONSENT_ASK, &count),
        CARDX_E_NOT_REGISTERED);
    ck_assert_uint_eq(count, 0);
    ck_assert_int_eq(seen.answers, 2);
    ck_assert_int_eq(
        cardx_store_contact_delete(cardx_client_store(c), friend_id), CARDX_OK);
    cardx_client_free(c);
}
END_TEST

/* A card sent by message asks for a receipt, which comes once bob's
 * client took the card; a message to a number nobody has bounces. */
START_TEST(send_by_message_gets_receipt)
{
    struct seen sa = {0}, sb = {0};
    cardx_client *cs[2];
    uint32_t request = 0;
    char want[32];

    cs[0] = user_client("alice", "alice-pw", &sa);
    cs[1] = user_client("bob", "bob-pw", &sb);
    ck_assert_int_eq(cardx_client_connect(cs[0]), CARDX_OK);
    ck_assert_int_eq(cardx_client_connect(cs[1]), CARDX_OK);
    PUMP_UNTIL(cs, 2, sa.online_count && sb.online_count, "both online");
    ck_assert_int_eq(
        cardx_client_send_message(cs[0], BOB_PHONE, "by message", &request),
        CARDX_OK);
    PUMP_UNTIL(cs, 2, sb.cards && sa.receipts, "card and receipt");
    ck_assert_str_eq(sb.card_sender, ALICE_PHONE);
    snprintf(want, sizeof(want), "cxm%u", request);
    ck_assert_str_eq(sa.receipt_id, want);
    ck_assert_str_eq(sa.receipt_number, BOB_PHONE);
    ck_assert_int_eq(sa.sent, 0);

    ck_assert_int_eq(
        cardx_client_send_message(cs[0], NOBODY_PHONE, NULL, &request),
        CARDX_OK);
    PUMP_UNTIL(cs, 2, sa.sent, "bounce");
    ck_assert_int_eq(sa.sent_status, CARDX_SEND_REFUSED);
    ck_assert_int_eq(sa.sent_error, CARDX_E_NOTFOUND);
    ck_assert_int_eq(cardx_client_send_message(cs[0], "a@b", NULL, NULL),
                     CARDX_E_INVAL);
    cardx_client_free(cs[0]);
    cardx_client_free(cs[1]);
}
END_TEST

static volatile sig_atomic_t app_sigpipes;

static void app_on_sigpipe(int sig)
{
    (void)sig;
    app_sigpipes++;
}

static size_t environ_count(void)
{
    size_t n = 0;

    while (environ[n])
        n++;
    return n;
}

/* An application with its own SIGPIPE handler and environment runs a
 * whole connect, send, disconnect through the library: both are as it
 * set them afterwards, and the signal mask too. */
START_TEST(application_keeps_signals_and_environment)
{
    struct sigaction mine = {0}, after;
    sigset_t mask_before, mask_after;
    struct seen seen = {0};
    char **env_before;
    size_t env_n;
    cardx_client *c;
    enum cardx_send_status status;
    char *card_id = NULL;

    mine.sa_handler = app_on_sigpipe;
    sigemptyset(&mine.sa_mask);
    mine.sa_flags = SA_RESTART;
    ck_assert_int_eq(sigaction(SIGPIPE, &mine, NULL), 0);
    ck_assert_int_eq(setenv("CARDX_APP_OWN", "the app's value", 1), 0);
    ck_assert_int_eq(sigprocmask(SIG_BLOCK, NULL, &mask_before), 0);
    env_before = environ;
    env_n = environ_count();

    c = user_client("alice", "alice-pw", &seen);
    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_OK);
    ck_assert_int_eq(
        cardx_client_send_blocking(c, BOB_PHONE, NULL, &status, &card_id),
        CARDX_OK);
    ck_assert_ptr_nonnull(card_id);
    cardx_free(card_id);
    ck_assert_int_eq(cardx_client_run_until_idle(c, 200), CARDX_OK);
    cardx_client_disconnect(c);
    while (cardx_client_state(c) != CARDX_STATE_OFFLINE)
        cardx_client_run_until_idle(c, 100);
    cardx_client_free(c);

    ck_assert_int_eq(sigaction(SIGPIPE, NULL, &after), 0);
    ck_assert_ptr_eq((void *)after.sa_handler, (void *)app_on_sigpipe);
    ck_assert_int_eq(after.sa_flags & SA_RESTART, SA_RESTART);
    ck_assert_int_eq(sigprocmask(SIG_BLOCK, NULL, &mask_after), 0);
    ck_assert_int_eq(sigismember(&mask_after, SIGPIPE),
                     sigismember(&mask_before, SIGPIPE));
    ck_assert_ptr_eq(environ, env_before);
    ck_assert_uint_eq(environ_count(), env_n);
    ck_assert_str_eq(getenv("CARDX_APP_OWN"), "the app's value");
    ck_assert_int_eq(app_sigpipes, 0);
    signal(SIGPIPE, SIG_DFL);
}
END_TEST

/* --- the examples, built against the installed library --- */

/* Starts an example with argv (NULL-terminated), stdout to out_path. */
static pid_t start_example(const char *name, const char *out_path,
                           char *const argv[])
{
    const char *dir = getenv("CARDX_EXAMPLES_DIR");
    char path[PATH_MAX];
    pid_t pid;

    ck_assert_msg(dir, "CARDX_EXAMPLES_DIR unset: run test_libcardx.sh");
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    fflush(NULL);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (o < 0 || dup2(o, 1) < 0)
            _exit(126);
        execv(path, argv);
        _exit(127);
    }
    return pid;
}

static int wait_example(pid_t pid)
{
    int64_t deadline = clock_now_ms() + CHILD_WAIT_MS;
    int ws;

    for (;;) {
        pid_t r = waitpid(pid, &ws, WNOHANG);

        if (r == pid)
            return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
        if (clock_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &ws, 0);
            ck_abort_msg("example did not finish");
        }
        usleep(20000);
    }
}

/* Polls until the file at path holds want; fails after EVENT_WAIT_MS. */
static void wait_output(const char *path, const char *want)
{
    int64_t deadline = clock_now_ms() + EVENT_WAIT_MS;
    char buf[4096];

    for (;;) {
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

        if (f)
            fclose(f);
        buf[n] = '\0';
        if (strstr(buf, want))
            return;
        ck_assert_msg(clock_now_ms() < deadline, "'%s' never in %s:\n%s", want,
                      path, buf);
        usleep(50000);
    }
}

/* argv for an example as user: the settings as KEY=VALUE, then extra. */
static void example_argv(char *argv[], char store[][PATH_MAX + 64],
                         const char *prog, const char *user,
                         const char *password, const char *extra1,
                         const char *extra2)
{
    int n = 0;

    argv[n++] = (char *)prog;
    snprintf(store[0], sizeof(store[0]), "jid=%s@%s", user,
             harness_domain(the_harness));
    snprintf(store[1], sizeof(store[1]), "password=%s", password);
    snprintf(store[2], sizeof(store[2]), "server=127.0.0.1:%d",
             harness_c2s_port(the_harness));
    snprintf(store[3], sizeof(store[3]), "data_dir=%s/ex-%s",
             harness_rundir(the_harness), user);
    snprintf(store[4], sizeof(store[4]), "component=%s",
             harness_component_domain(the_harness));
    for (int i = 0; i < 5; i++)
        argv[n++] = store[i];
    argv[n++] = (char *)"tls=no";
    argv[n++] = (char *)extra1;
    if (extra2)
        argv[n++] = (char *)extra2;
    argv[n] = NULL;
}

/* Takes what waits for bob (earlier tests' cards), so that the next card
 * he gets is the one sent next. */
static void drain_bob(void)
{
    struct seen seen = {0};
    cardx_client *c = user_client("bob", "bob-pw", &seen);

    ck_assert_int_eq(cardx_client_connect_blocking(c), CARDX_OK);
    ck_assert_int_eq(cardx_client_run_until_idle(c, DRAIN_QUIET_MS), CARDX_OK);
    cardx_client_free(c);
}

/* receiver waits for one card in its own loop; send_card sends it. */
static void example_pair(const char *receiver, const char *card_name)
{
    char recv_out[PATH_MAX], send_out[PATH_MAX], want[160], name_arg[128];
    char rs[5][PATH_MAX + 64], ss[5][PATH_MAX + 64];
    char *rargv[12], *sargv[12];
    pid_t rpid, spid;

    drain_bob();
    snprintf(recv_out, sizeof(recv_out), "%s/%s.out",
             harness_rundir(the_harness), receiver);
    snprintf(send_out, sizeof(send_out), "%s/send_card.out",
             harness_rundir(the_harness));
    snprintf(name_arg, sizeof(name_arg), "name=%s", card_name);
    example_argv(rargv, rs, receiver, "bob", "bob-pw", "count=1", NULL);
    example_argv(sargv, ss, "send_card", "alice", "alice-pw", name_arg,
                 "to=" BOB_PHONE);
    rpid = start_example(receiver, recv_out, rargv);
    wait_output(recv_out, "online");
    spid = start_example("send_card", send_out, sargv);
    ck_assert_int_eq(wait_example(spid), 0);
    wait_output(send_out, "card ");
    ck_assert_int_eq(wait_example(rpid), 0);
    snprintf(want, sizeof(want), "card from %s: %s", ALICE_PHONE, card_name);
    wait_output(recv_out, want);
}

START_TEST(examples_send_and_receive_on_poll)
{
    example_pair("recv_poll", "Alice on poll");
}
END_TEST

START_TEST(examples_send_and_receive_on_glib)
{
    example_pair("recv_glib", "Alice on GLib");
}
END_TEST

/* --- setup --- */

static void lib_setup(void)
{
    the_harness = harness_new();
    ck_assert_ptr_nonnull(the_harness);
    ck_assert_int_eq(harness_server_start(the_harness), 0);
    ck_assert_int_eq(harness_register(the_harness, "alice", "alice-pw"), 0);
    ck_assert_int_eq(harness_register(the_harness, "bob", "bob-pw"), 0);
    ck_assert_int_eq(harness_cardxd_start(the_harness), 0);
    ck_assert_int_eq(harness_cardxd_wait_connected(the_harness, LINK_WAIT_MS),
                     0);
}

static void lib_teardown(void)
{
    if (getenv("CARDX_KEEP_RUNDIR"))
        harness_keep_rundir(the_harness);
    harness_free(the_harness);
    the_harness = NULL;
}

static Suite *libcardx_suite(void)
{
    Suite *s = suite_create("libcardx");
    TCase *tc = tcase_create("client");
    const char *glib = getenv("CARDX_EXAMPLES_GLIB");

    tcase_add_unchecked_fixture(tc, lib_setup, lib_teardown);
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, offline_client_has_nothing_to_watch);
    tcase_add_test(tc, wrong_password_is_auth_error);
    tcase_add_test(tc, tls_required_but_not_offered);
    tcase_add_test(tc, create_account_then_login);
    tcase_add_test(tc, register_send_receive);
    tcase_add_test(tc, block_list_unblock);
    tcase_add_test(tc, updates_off_and_on);
    tcase_add_test(tc, profiles_set_list_delete);
    tcase_add_test(tc, consent_modes_and_requests);
    tcase_add_test(tc, consent_event_driven_on_poll);
    tcase_add_test(tc, consent_event_driven_refused);
    tcase_add_test(tc, send_by_message_gets_receipt);
    tcase_add_test(tc, application_keeps_signals_and_environment);
    tcase_add_test(tc, examples_send_and_receive_on_poll);
    /* The GLib example is built only where GLib is (test_libcardx.sh). */
    if (glib && strcmp(glib, "yes") == 0)
        tcase_add_test(tc, examples_send_and_receive_on_glib);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN_NOFORK(libcardx_suite)
