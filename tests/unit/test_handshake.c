/* Unit tests for the XEP-0114 handshake digest and the stanza helpers. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <strophe.h>

#include "common/errors.h"
#include "tests/lib/runner.h"
#include "xep/handshake.h"
#include "xep/stanza.h"

/* Reference value from an independent SHA-1 (Python hashlib). */
START_TEST(digest_known_vector)
{
    char out[HANDSHAKE_DIGEST_SIZE];

    ck_assert_int_eq(handshake_digest("3BF96D32", "sesame", out), 0);
    ck_assert_str_eq(out, "7a98dc4c9e92493d7fd66a25364c862637789c45");
}
END_TEST

/* SHA-1 of the empty string, the case with nothing to hash. */
START_TEST(digest_empty)
{
    char out[HANDSHAKE_DIGEST_SIZE];

    ck_assert_int_eq(handshake_digest("", "", out), 0);
    ck_assert_str_eq(out, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    ck_assert_int_eq(handshake_digest(NULL, "x", out), CX_EINVAL);
}
END_TEST

START_TEST(error_reply_shape)
{
    xmpp_ctx_t *ctx = xmpp_ctx_new(NULL, NULL);
    xmpp_stanza_t *req = xmpp_iq_new(ctx, "get", "q1");
    xmpp_stanza_t *err;
    char *text = NULL;

    xmpp_stanza_set_from(req, "alice@example.test/phone");
    xmpp_stanza_set_to(req, "cards.example.test");
    err = stanza_error_reply(ctx, req, "cancel", "service-unavailable",
                             "not here");
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(xmpp_stanza_get_type(err), "error");
    ck_assert_str_eq(xmpp_stanza_get_id(err), "q1");
    ck_assert_str_eq(xmpp_stanza_get_to(err), "alice@example.test/phone");
    ck_assert_str_eq(xmpp_stanza_get_from(err), "cards.example.test");
    ck_assert(stanza_is_error(err));
    ck_assert_str_eq(stanza_error_condition(err, &text), "service-unavailable");
    ck_assert_str_eq(text, "not here");
    xmpp_free(ctx, text);
    xmpp_stanza_release(err);
    xmpp_stanza_release(req);
    xmpp_ctx_free(ctx);
}
END_TEST

START_TEST(bare_jid)
{
    char *bare = stanza_bare_jid("bob@example.test/res/with/slash");

    ck_assert_str_eq(bare, "bob@example.test");
    free(bare);
    bare = stanza_bare_jid("example.test");
    ck_assert_str_eq(bare, "example.test");
    free(bare);
}
END_TEST

static Suite *handshake_suite(void)
{
    Suite *s = suite_create("handshake");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, digest_known_vector);
    tcase_add_test(tc, digest_empty);
    tcase_add_test(tc, error_reply_shape);
    tcase_add_test(tc, bare_jid);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(handshake_suite)
