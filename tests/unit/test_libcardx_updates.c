/* libcardx's updates of saved cards and photos, offline: cards are put in
 * the inbox through the store underneath, as if they had arrived, and the
 * rest goes through the public header (lib/cardx.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buildconf.h"
#include "client/cardstore_updates.h"
#include "lib/lib_int.h"
#include "tests/lib/runner.h"

#define SENDER "+8613800138000"

struct fixture {
    char dir[64];
    cardx_store *st;
};

static void fixture_open(struct fixture *fx)
{
    const char *base = getenv("TMPDIR");

    snprintf(fx->dir, sizeof(fx->dir), "%s/libcardx-up-XXXXXX",
             base && base[0] ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(fx->dir));
    ck_assert_int_eq(cardx_store_open(fx->dir, &fx->st, NULL), CARDX_OK);
}

static void fixture_close(struct fixture *fx)
{
    static const char *const files[] = {"cards.sqlite", "cards.sqlite-wal",
                                        "cards.sqlite-shm",
                                        "cards.sqlite-journal"};
    char p[128];

    cardx_store_free(fx->st);
    for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
        snprintf(p, sizeof(p), "%s/%s", fx->dir, files[i]);
        unlink(p);
    }
    ck_assert_int_eq(rmdir(fx->dir), 0);
}

/* A card from SENDER arrives: name, email, title; an update when updates
 * is set. Returns its inbox id. */
static int64_t arrive(struct fixture *fx, const char *card_id,
                      const char *email, const char *title, const char *updates,
                      const char *changed)
{
    struct cardstore *cs = lib_store_cardstore(fx->st);
    struct cardstore_card c = {0};
    int64_t id = 0;

    c.card_id = (char *)card_id;
    c.sender_phone = SENDER;
    ck_assert_int_eq(vcard_fields_set(&c.f, "name", "Alice Wang"), 0);
    ck_assert_int_eq(vcard_fields_set(&c.f, "phone", SENDER), 0);
    ck_assert_int_eq(vcard_fields_set(&c.f, "email", email), 0);
    ck_assert_int_eq(vcard_fields_set(&c.f, "title", title), 0);
    ck_assert_int_eq(cardstore_inbox_add(cs, &c, &id), 1);
    if (updates)
        ck_assert_int_eq(cardstore_update_mark(cs, id, updates, changed), 0);
    vcard_fields_clear(&c.f);
    return id;
}

/* Whether cardxd is still to be told that SENDER's updates are on (1),
 * off (0), or nothing is waiting (-1). */
static int pending_one(void *ud, const char *phone, int receive)
{
    int *seen = ud;

    ck_assert_str_eq(phone, SENDER);
    *seen = receive;
    return 0;
}

static int pending_choice(struct fixture *fx)
{
    int seen = -1;

    ck_assert_int_eq(
        cardstore_pending_each(lib_store_cardstore(fx->st), pending_one, &seen),
        0);
    return seen;
}

/* Saving follows the sender; an update merges three ways; a conflict
 * fails unless resolved. */
START_TEST(update_merges_into_followed_contact)
{
    struct fixture fx;
    cardx_card *card = NULL;
    char **conflicts = NULL, *number = NULL;
    const char *theirs[] = {"title", NULL};
    int64_t first, update, contact = 0, target = 0;

    fixture_open(&fx);
    first = arrive(&fx, "c1", "a@example.org", "Engineer", NULL, NULL);
    ck_assert_int_eq(cardx_store_inbox_get(fx.st, first, &card), CARDX_OK);
    ck_assert_ptr_null(cardx_card_updates(card));
    ck_assert_ptr_null(cardx_card_changed(card));
    cardx_card_free(card);
    ck_assert_int_eq(cardx_store_update_target(fx.st, first, &target, NULL),
                     CARDX_E_NOTFOUND);
    ck_assert_int_eq(
        cardx_store_inbox_save(fx.st, first, CARDX_MERGE_ASK, &contact),
        CARDX_OK);
    ck_assert_int_eq(pending_choice(&fx), 1);
    ck_assert_int_eq(cardx_store_contact_follows(fx.st, contact, &number),
                     CARDX_OK);
    ck_assert_str_eq(number, SENDER);
    cardx_free(number);
    /* The user edits the title; the sender changes email and title. */
    ck_assert_int_eq(cardx_store_contact_set(fx.st, contact, "title", "CTO"),
                     CARDX_OK);
    update =
        arrive(&fx, "c2", "alice@example.org", "Director", "c1", "email title");
    ck_assert_int_eq(cardx_store_inbox_get(fx.st, update, &card), CARDX_OK);
    ck_assert_str_eq(cardx_card_updates(card), "c1");
    ck_assert_str_eq(cardx_card_changed(card), "email title");
    cardx_card_free(card);
    ck_assert_int_eq(
        cardx_store_update_target(fx.st, update, &target, &conflicts),
        CARDX_OK);
    ck_assert_int_eq(target, contact);
    ck_assert_str_eq(conflicts[0], "title");
    ck_assert_ptr_null(conflicts[1]);
    cardx_strv_free(conflicts);
    /* Unresolved: nothing changes, also through inbox_save. */
    ck_assert_int_eq(cardx_store_update_merge(fx.st, update,
                                              CARDX_CONFLICT_FAIL, NULL, NULL),
                     CARDX_E_EXISTS);
    ck_assert_int_eq(
        cardx_store_inbox_save(fx.st, update, CARDX_MERGE_NEW, &target),
        CARDX_E_EXISTS);
    ck_assert_int_eq(target, contact);
    /* Asked: the title is taken from the sender; email merges anyway. */
    ck_assert_int_eq(cardx_store_update_merge(
                         fx.st, update, CARDX_CONFLICT_FAIL, theirs, &target),
                     CARDX_OK);
    ck_assert_int_eq(cardx_store_inbox_get(fx.st, update, &card),
                     CARDX_E_NOTFOUND);
    ck_assert_int_eq(cardx_store_contact_get(fx.st, contact, &card), CARDX_OK);
    ck_assert_str_eq(cardx_card_get(card, "title"), "Director");
    ck_assert_str_eq(cardx_card_get(card, "email"), "alice@example.org");
    cardx_card_free(card);
    fixture_close(&fx);
}
END_TEST

/* --mine keeps the user's edit; deleting the contact turns updates off. */
START_TEST(mine_wins_and_delete_turns_updates_off)
{
    struct fixture fx;
    cardx_card *card = NULL;
    int64_t first, update, contact = 0, got = 0;

    fixture_open(&fx);
    first = arrive(&fx, "c1", "a@example.org", "Engineer", NULL, NULL);
    ck_assert_int_eq(
        cardx_store_inbox_save(fx.st, first, CARDX_MERGE_NEW, &contact),
        CARDX_OK);
    ck_assert_int_eq(cardx_store_contact_set(fx.st, contact, "title", "CTO"),
                     CARDX_OK);
    update = arrive(&fx, "c2", "a@example.org", "Director", "c1", "title");
    ck_assert_int_eq(cardx_store_update_merge(fx.st, update,
                                              CARDX_CONFLICT_MINE, NULL, &got),
                     CARDX_OK);
    ck_assert_int_eq(got, contact);
    ck_assert_int_eq(cardx_store_contact_get(fx.st, contact, &card), CARDX_OK);
    ck_assert_str_eq(cardx_card_get(card, "title"), "CTO");
    cardx_card_free(card);
    ck_assert_int_eq(cardx_store_contact_delete(fx.st, contact), CARDX_OK);
    ck_assert_int_eq(pending_choice(&fx), 0);
    fixture_close(&fx);
}
END_TEST

/* An inbox card deleted unsaved turns its sender's updates off. */
START_TEST(dropped_card_turns_updates_off)
{
    struct fixture fx;
    int64_t id;

    fixture_open(&fx);
    id = arrive(&fx, "c1", "a@example.org", "Engineer", NULL, NULL);
    ck_assert_int_eq(pending_choice(&fx), -1);
    ck_assert_int_eq(cardx_store_inbox_delete(fx.st, id), CARDX_OK);
    ck_assert_int_eq(pending_choice(&fx), 0);
    ck_assert_int_eq(cardx_store_inbox_delete(fx.st, id), CARDX_E_NOTFOUND);
    fixture_close(&fx);
}
END_TEST

/* The bytes of tests/unit/data/photo/NAME into *len (caller frees). */
static unsigned char *photo(const char *name, size_t *len)
{
    char path[1024];
    unsigned char *buf = malloc(1 << 20);
    FILE *fp;

    snprintf(path, sizeof(path), "%s/tests/unit/data/photo/%s", SRCDIR, name);
    fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    ck_assert_ptr_nonnull(buf);
    *len = fread(buf, 1, 1 << 20, fp);
    fclose(fp);
    return buf;
}

/* A photo is checked, kept by the store and exported as PHOTO. */
START_TEST(photo_set_checked_kept_and_exported)
{
    struct fixture fx;
    cardx_card *card = cardx_card_new(), *back = NULL;
    unsigned char *jpg, *got = NULL;
    const char *type = NULL, *why = NULL;
    unsigned w = 0, h = 0;
    size_t len, glen = 0;
    char *text;
    int64_t id = 0;

    fixture_open(&fx);
    jpg = photo("face.jpg", &len);
    ck_assert_ptr_nonnull(card);
    ck_assert_int_eq(cardx_card_set(card, "name", "Bob Li"), CARDX_OK);
    ck_assert_int_eq(
        cardx_card_photo_get(card, NULL, NULL, NULL, NULL, NULL, NULL),
        CARDX_E_NOTFOUND);
    ck_assert_int_eq(
        cardx_card_photo_set(card, (const unsigned char *)"GIF89a", 6, &why),
        CARDX_E_INVAL);
    ck_assert_ptr_nonnull(why);
    ck_assert_int_eq(
        cardx_card_photo_set(card, jpg, CARDX_PHOTO_MAX_BYTES + 1, &why),
        CARDX_E_INVAL);
    ck_assert_int_eq(cardx_card_photo_set(card, jpg, len, NULL), CARDX_OK);
    ck_assert_int_eq(cardx_store_contact_add(fx.st, card, &id), CARDX_OK);
    ck_assert_int_eq(cardx_store_contact_get(fx.st, id, &back), CARDX_OK);
    ck_assert_int_eq(
        cardx_card_photo_get(back, &got, &glen, &type, &w, &h, NULL), CARDX_OK);
    ck_assert_str_eq(type, "JPEG");
    ck_assert_uint_gt(w, 0);
    ck_assert_uint_gt(h, 0);
    ck_assert_uint_eq(glen, len);
    ck_assert_mem_eq(got, jpg, len);
    text = cardx_card_to_vcard(back);
    ck_assert_ptr_nonnull(strstr(text, "PHOTO:data:image/jpeg;base64,"));
    cardx_free(text);
    cardx_free(got);
    cardx_card_free(back);
    /* Removed again, and on the own card too. */
    ck_assert_int_eq(cardx_card_photo_set(card, NULL, 0, NULL), CARDX_OK);
    ck_assert_int_eq(
        cardx_card_photo_get(card, NULL, NULL, NULL, NULL, NULL, NULL),
        CARDX_E_NOTFOUND);
    ck_assert_int_eq(cardx_card_photo_set(card, jpg, len, NULL), CARDX_OK);
    ck_assert_int_eq(cardx_store_self_set(fx.st, card), CARDX_OK);
    ck_assert_int_eq(cardx_store_self_get(fx.st, &back, NULL), CARDX_OK);
    ck_assert_int_eq(
        cardx_card_photo_get(back, NULL, &glen, NULL, NULL, NULL, NULL),
        CARDX_OK);
    ck_assert_uint_eq(glen, len);
    cardx_card_free(back);
    cardx_card_free(card);
    free(jpg);
    fixture_close(&fx);
}
END_TEST

static Suite *libcardx_updates_suite(void)
{
    Suite *s = suite_create("libcardx_updates");
    TCase *tc = tcase_create("offline");

    tcase_add_test(tc, update_merges_into_followed_contact);
    tcase_add_test(tc, mine_wins_and_delete_turns_updates_off);
    tcase_add_test(tc, dropped_card_turns_updates_off);
    tcase_add_test(tc, photo_set_checked_kept_and_exported);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(libcardx_updates_suite)
