/* Unit tests for the libphonenumber shim: normalisation, reasons, formatting.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/phone.h"
#include "tests/lib/runner.h"

struct ok_case {
    const char *input;
    const char *region;
    const char *e164;
};

struct bad_case {
    const char *input;
    const char *region;
    const char *why;
};

/* Numbers checked valid against the installed metadata (8.12). */
static const struct ok_case ok_cases[] = {
    /* International form, one per country. */
    {"+86 138 0013 8000", NULL, "+8613800138000"},
    {"+1 650-253-0000", NULL, "+16502530000"},
    {"+44 20 7946 0958", NULL, "+442079460958"},
    {"+49 30 901820", NULL, "+4930901820"},
    {"+33 1 42 68 53 00", NULL, "+33142685300"},
    {"+81 3-3224-5000", NULL, "+81332245000"},
    {"+91 98765 43210", NULL, "+919876543210"},
    /* Formatting variants of one number. */
    {"+8613800138000", NULL, "+8613800138000"},
    {"+86-138-0013-8000", NULL, "+8613800138000"},
    {"+86.138.0013.8000", "", "+8613800138000"},
    {"(+86) 138 0013 8000", NULL, "+8613800138000"},
    {"+86 (138) 0013/8000", NULL, "+8613800138000"},
    {"0086 138 0013 8000", NULL, "+8613800138000"},
    {"00 86 138-0013-8000", "", "+8613800138000"},
    {"(0086) 138 0013 8000", NULL, "+8613800138000"},
    {"  +86 138 0013 8000  ", NULL, "+8613800138000"},
    {"+1 (650) 253-0000", NULL, "+16502530000"},
    /* National input, and each region's own international prefix. */
    {"13800138000", "CN", "+8613800138000"},
    {"13800138000", "cn", "+8613800138000"},
    {"(650) 253-0000", "US", "+16502530000"},
    {"650.253.0000", "US", "+16502530000"},
    {"020 7946 0958", "GB", "+442079460958"},
    {"030 901820", "DE", "+4930901820"},
    {"0086 138 0013 8000", "CN", "+8613800138000"},
    {"011 86 138 0013 8000", "US", "+8613800138000"},
    {"0044 20 7946 0958", "DE", "+442079460958"},
    /* What Chinese input methods type: full-width digits, plus and
     * separators, ideographic and no-break spaces; other Unicode decimal
     * digits (Arabic-Indic, Devanagari) too. */
    {"\xef\xbc\x8b\xef\xbc\x98\xef\xbc\x96\xef\xbc\x91\xef\xbc\x93"
     "\xef\xbc\x98\xef\xbc\x90\xef\xbc\x90\xef\xbc\x91\xef\xbc\x93"
     "\xef\xbc\x98\xef\xbc\x90\xef\xbc\x90\xef\xbc\x90",
     NULL, "+8613800138000"},
    {"+\xef\xbc\x98\xef\xbc\x96 138 0013 8000", NULL, "+8613800138000"},
    {"\xef\xbc\x88+86\xef\xbc\x89\xe3\x80\x80"
     "138\xef\xbc\x8d"
     "0013\xef\xbc\x8e"
     "8000",
     NULL, "+8613800138000"},
    {"+86\xc2\xa0"
     "138 0013 8000",
     NULL, "+8613800138000"},
    {"\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98\xef\xbc\x90\xef\xbc\x90"
     "\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98\xef\xbc\x90\xef\xbc\x90"
     "\xef\xbc\x90",
     "CN", "+8613800138000"},
    {"+\xd9\xa8\xd9\xa6 138 0013 8000", NULL, "+8613800138000"},
    {"+\xe0\xa5\xae\xe0\xa5\xac 138 0013 8000", NULL, "+8613800138000"},
    /* A leading + wins over the region. */
    {"+44 20 7946 0958", "CN", "+442079460958"},
};

static const struct bad_case bad_cases[] = {
    {"13800138000", NULL,
     "a national number needs a default region; start it with +"},
    {"(650) 253-0000", "",
     "a national number needs a default region; start it with +"},
    {"13800138000", "XX",
     "the default region is not a known ISO 3166-1 alpha-2 country code"},
    {"+8613800138000", "ZZ",
     "the default region is not a known ISO 3166-1 alpha-2 country code"},
    {"13800138000", "CHN",
     "the default region is not a known ISO 3166-1 alpha-2 country code"},
    {"13800138000", "C",
     "the default region is not a known ISO 3166-1 alpha-2 country code"},
    {"13800138000", "1A",
     "the default region is not a known ISO 3166-1 alpha-2 country code"},
    {"+999 1234567", NULL, "the number has an invalid country code"},
    {"+0 123456", NULL, "the number has an invalid country code"},
    {"+44 7", NULL, "the number is too short"},
    {"0011 12", "AU", "the number is too short after the international prefix"},
    {"00 12", "CN", "the number is too short after the international prefix"},
    {"+86 138 0013 8000 1234 5678 9", NULL, "the number is too long"},
    {"+", NULL, "the input does not look like a phone number"},
    {"+1", NULL, "the input does not look like a phone number"},
    {"  ", NULL, "the input does not look like a phone number"},
    {"()", "CN", "the input does not look like a phone number"},
    {"+86 12", NULL, "the number is too short for its region"},
    {"+1 650 253 00001", NULL, "the number is too long for its region"},
    {"+47 234567", NULL, "the number has the wrong length for its region"},
    {"12345", "CN",
     "the number can only be dialled locally; add the area code"},
    {"+86 1380013800", NULL, "the number is not valid for its region"},
    {"+1 123 456 7890", NULL, "the number is not valid for its region"},
    {"1-800-FLOWERS", "US",
     "the number contains letters; write it with digits only"},
    {"+1 650 253 0000 ext 12", NULL,
     "the number contains letters; write it with digits only"},
    {"+1 650 253 0000 x", NULL,
     "the number contains letters; write it with digits only"},
    {"tel:+8613800138000", NULL,
     "the number contains letters; write it with digits only"},
    {"+86 138 0013 8000\n", NULL, "the number contains control characters"},
    {"+86\t138 0013 8000", NULL, "the number contains control characters"},
    {"+86 138 0013 8000\x7f", NULL, "the number contains control characters"},
    {"+1 650 253 0000 #12", NULL, "the number contains invalid characters"},
    {"+86 138_0013_8000", NULL, "the number contains invalid characters"},
    /* Non-ASCII that is neither a digit nor a separator's full-width form,
     * a C1 control, and bytes that are not UTF-8. */
    {"+86 138\xe2\x80\xa2"
     "0013 8000",
     NULL, "the number contains invalid characters"},
    {"+86 138 0013 8000\xc2\x85", NULL,
     "the number contains control characters"},
    {"+86 138 \xef\xbc", NULL, "the number contains invalid characters"},
    {"+86 138 \xc0\xb1", NULL, "the number contains invalid characters"},
    {"+86 \xed\xa0\x80", NULL, "the number contains invalid characters"},
    {"", NULL, "the number is empty"},
    {"", "CN", "the number is empty"},
    {NULL, "CN", "no number was given"},
};

START_TEST(normalize_valid)
{
    const struct ok_case *c = &ok_cases[_i];
    char *e164 = NULL;
    const char *why = "unset";

    ck_assert_msg(phone_normalize(c->input, c->region, &e164, &why) == PHONE_OK,
                  "'%s' in %s rejected: %s", c->input,
                  c->region ? c->region : "(none)", why);
    ck_assert_ptr_null(why);
    ck_assert_str_eq(e164, c->e164);
    free(e164);
}
END_TEST

START_TEST(normalize_invalid)
{
    const struct bad_case *c = &bad_cases[_i];
    char sentinel = 0;
    char *e164 = &sentinel;
    const char *why = NULL;

    ck_assert_int_eq(phone_normalize(c->input, c->region, &e164, &why),
                     PHONE_EINVALID);
    ck_assert_ptr_null(e164);
    ck_assert_ptr_nonnull(why);
    ck_assert_str_eq(why, c->why);
}
END_TEST

/* Whitespace is allowed, so the limit is on characters, not digits. */
START_TEST(input_length_limit)
{
    char buf[PHONE_INPUT_MAX + 2];
    char *e164 = NULL;
    const char *why = NULL;

    memset(buf, ' ', sizeof(buf) - 1);
    buf[sizeof(buf) - 1] = '\0';
    memcpy(buf, "+8613800138000", 14);
    buf[PHONE_INPUT_MAX] = '\0';
    ck_assert_int_eq(phone_normalize(buf, NULL, &e164, &why), PHONE_OK);
    ck_assert_str_eq(e164, "+8613800138000");
    free(e164);

    buf[PHONE_INPUT_MAX] = ' ';
    ck_assert_int_eq(phone_normalize(buf, NULL, &e164, &why), PHONE_EINVALID);
    ck_assert_ptr_null(e164);
    ck_assert_str_eq(why, "the input is longer than 64 characters");
}
END_TEST

/* Full-width characters take three bytes each, yet count as one: 64
 * ideographic-space-padded characters pass, 65 do not. */
START_TEST(input_length_limit_wide)
{
    static const char wide_space[] = "\xe3\x80\x80";
    char buf[(PHONE_INPUT_MAX + 1) * 3 + 1] = "+8613800138000";
    size_t len = strlen(buf);
    char *e164 = NULL;
    const char *why = NULL;

    for (int i = 14; i < PHONE_INPUT_MAX; i++, len += 3)
        memcpy(buf + len, wide_space, 4);
    ck_assert_int_eq(phone_normalize(buf, NULL, &e164, &why), PHONE_OK);
    ck_assert_str_eq(e164, "+8613800138000");
    free(e164);

    memcpy(buf + len, wide_space, 4);
    ck_assert_int_eq(phone_normalize(buf, NULL, &e164, &why), PHONE_EINVALID);
    ck_assert_str_eq(why, "the input is longer than 64 characters");
}
END_TEST

START_TEST(null_out_pointers)
{
    const char *why = NULL;
    char *e164 = NULL;

    ck_assert_int_eq(phone_normalize("+8613800138000", NULL, NULL, NULL),
                     PHONE_OK);
    ck_assert_int_eq(phone_normalize("+86 12", NULL, NULL, NULL),
                     PHONE_EINVALID);
    ck_assert_int_eq(phone_normalize("+86 12", NULL, NULL, &why),
                     PHONE_EINVALID);
    ck_assert_str_eq(why, "the number is too short for its region");
    ck_assert_int_eq(phone_normalize("13800138000", "CN", &e164, NULL),
                     PHONE_OK);
    ck_assert_str_eq(e164, "+8613800138000");
    free(e164);
}
END_TEST

START_TEST(is_e164)
{
    ck_assert(phone_is_e164("+8613800138000"));
    ck_assert(phone_is_e164("+16502530000"));
    ck_assert(phone_is_e164("+442079460958"));
    ck_assert(!phone_is_e164("+86 138 0013 8000"));
    ck_assert(!phone_is_e164("8613800138000"));
    ck_assert(!phone_is_e164("008613800138000"));
    ck_assert(!phone_is_e164("+8613800138000 "));
    ck_assert(!phone_is_e164("+861380013800"));
    ck_assert(!phone_is_e164("+999123456789"));
    ck_assert(!phone_is_e164(""));
    ck_assert(!phone_is_e164(NULL));
}
END_TEST

START_TEST(format_international)
{
    char *s;

    s = phone_format_international("+8613800138000");
    ck_assert_str_eq(s, "+86 138 0013 8000");
    free(s);
    s = phone_format_international("+16502530000");
    ck_assert_str_eq(s, "+1 650-253-0000");
    free(s);
    s = phone_format_international("+442079460958");
    ck_assert_str_eq(s, "+44 20 7946 0958");
    free(s);
    ck_assert_ptr_null(phone_format_international("+86 138 0013 8000"));
    ck_assert_ptr_null(phone_format_international("008613800138000"));
    ck_assert_ptr_null(phone_format_international("+861380013800"));
    ck_assert_ptr_null(phone_format_international(""));
    ck_assert_ptr_null(phone_format_international(NULL));
}
END_TEST

/* The daemon's stderr is its log; the library must not write to it. */
START_TEST(library_is_silent)
{
    FILE *tmp = tmpfile();
    int saved;
    long size;
    size_t i;

    ck_assert_ptr_nonnull(tmp);
    fflush(stderr);
    saved = dup(STDERR_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(fileno(tmp), STDERR_FILENO), STDERR_FILENO);
    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
        phone_normalize(bad_cases[i].input, bad_cases[i].region, NULL, NULL);
    free(phone_format_international("+999123456789"));
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ck_assert_int_eq(fseek(tmp, 0, SEEK_END), 0);
    size = ftell(tmp);
    fclose(tmp);
    ck_assert_int_eq(size, 0);
}
END_TEST

static Suite *phone_suite(void)
{
    Suite *s = suite_create("phone");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, normalize_valid, 0,
                        sizeof(ok_cases) / sizeof(ok_cases[0]));
    tcase_add_loop_test(tc, normalize_invalid, 0,
                        sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, input_length_limit);
    tcase_add_test(tc, input_length_limit_wide);
    tcase_add_test(tc, null_out_pointers);
    tcase_add_test(tc, is_e164);
    tcase_add_test(tc, format_international);
    tcase_add_test(tc, library_is_silent);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(phone_suite)
