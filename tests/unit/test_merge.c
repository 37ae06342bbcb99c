/* Unit tests of the client's three-way merge of an update into a saved
 * contact: edits on one side survive, and a field both sides changed is
 * a conflict resolved by --theirs, --mine or the user. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "client/merge.h"
#include "tests/lib/runner.h"

/* A card from name=value pairs, NULL-ended. */
static void card(struct vcard_fields *f, ...)
{
    va_list ap;
    const char *k, *v;

    memset(f, 0, sizeof(*f));
    va_start(ap, f);
    while ((k = va_arg(ap, const char *))) {
        v = va_arg(ap, const char *);
        ck_assert_int_eq(vcard_fields_set(f, k, v), 0);
    }
    va_end(ap);
}

/* The sender changed the title, the user the email: both survive. */
START_TEST(no_conflict)
{
    struct vcard_fields base, mine, theirs, out = {0};
    struct strv conflicts = {0};

    card(&base, "name", "Alice", "title", "Engineer", "email", "a@x.cn", NULL);
    card(&mine, "name", "Alice", "title", "Engineer", "email", "home@y.cn",
         NULL);
    card(&theirs, "name", "Alice", "title", "Director", "email", "a@x.cn",
         NULL);
    ck_assert_int_eq(
        merge_fields(&base, &mine, &theirs, MERGE_ASK, &out, &conflicts), 0);
    ck_assert_str_eq(out.title, "Director");
    ck_assert_str_eq(out.email, "home@y.cn");
    ck_assert_str_eq(out.name, "Alice");
    ck_assert_uint_eq(conflicts.n, 0);
    vcard_fields_clear(&base);
    vcard_fields_clear(&mine);
    vcard_fields_clear(&theirs);
    vcard_fields_clear(&out);
}
END_TEST

/* A field the sender removed goes, one the user added stays, and the
 * same change on both sides is no conflict. */
START_TEST(removals_and_agreement)
{
    struct vcard_fields base, mine, theirs, out = {0};
    struct strv conflicts = {0};

    card(&base, "name", "Alice", "url", "http://a", "org", "Old", NULL);
    card(&mine, "name", "Alice", "url", "http://a", "org", "New", "note",
         "met at the fair", NULL);
    card(&theirs, "name", "Alice", "org", "New", NULL);
    ck_assert_int_eq(
        merge_fields(&base, &mine, &theirs, MERGE_ASK, &out, &conflicts), 0);
    ck_assert_ptr_null(out.url);
    ck_assert_str_eq(out.org, "New");
    ck_assert_str_eq(out.note, "met at the fair");
    ck_assert_uint_eq(conflicts.n, 0);
    vcard_fields_clear(&base);
    vcard_fields_clear(&mine);
    vcard_fields_clear(&theirs);
    vcard_fields_clear(&out);
}
END_TEST

/* Both changed the phone: a conflict, which each side resolves its way;
 * asking keeps mine for now and names the field. */
static void conflict_with(enum merge_side side, const char *want)
{
    struct vcard_fields base, mine, theirs, out = {0};
    struct strv conflicts = {0};

    card(&base, "name", "Alice", "phone", "+8613800138000", "title", "Eng",
         NULL);
    card(&mine, "name", "Alice", "phone", "+8613900000000", "title", "Eng",
         NULL);
    card(&theirs, "name", "Alicia", "phone", "+8613700000000", "title", "Eng",
         NULL);
    ck_assert_int_eq(
        merge_fields(&base, &mine, &theirs, side, &out, &conflicts), 0);
    ck_assert_str_eq(out.phone, want);
    ck_assert_str_eq(out.name, "Alicia");
    ck_assert_uint_eq(conflicts.n, 1);
    ck_assert_str_eq(conflicts.v[0], "phone");
    strv_clear(&conflicts);
    vcard_fields_clear(&base);
    vcard_fields_clear(&mine);
    vcard_fields_clear(&theirs);
    vcard_fields_clear(&out);
}

START_TEST(conflict_theirs)
{
    conflict_with(MERGE_THEIRS, "+8613700000000");
}
END_TEST

START_TEST(conflict_mine)
{
    conflict_with(MERGE_MINE, "+8613900000000");
}
END_TEST

START_TEST(conflict_ask)
{
    conflict_with(MERGE_ASK, "+8613900000000");
}
END_TEST

START_TEST(changed_fields)
{
    struct vcard_fields a, b;
    struct strv changed = {0};

    card(&a, "name", "Alice", "title", "Eng", "email", "a@x.cn", NULL);
    card(&b, "name", "Alice", "title", "Lead", "url", "http://a", NULL);
    ck_assert_int_eq(merge_changed(&a, &b, &changed), 0);
    ck_assert_uint_eq(changed.n, 3);
    ck_assert_str_eq(changed.v[0], "email");
    ck_assert_str_eq(changed.v[1], "title");
    ck_assert_str_eq(changed.v[2], "url");
    strv_clear(&changed);
    vcard_fields_clear(&a);
    vcard_fields_clear(&b);
}
END_TEST

static Suite *merge_suite(void)
{
    Suite *s = suite_create("merge");
    TCase *tc = tcase_create("merge");

    tcase_add_test(tc, no_conflict);
    tcase_add_test(tc, removals_and_agreement);
    tcase_add_test(tc, conflict_theirs);
    tcase_add_test(tc, conflict_mine);
    tcase_add_test(tc, conflict_ask);
    tcase_add_test(tc, changed_fields);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(merge_suite)
