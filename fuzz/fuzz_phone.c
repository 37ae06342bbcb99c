/* Fuzz target for phone numbers: a normalised number must normalise to
 * itself (with and without the region), be what phone_is_e164 accepts,
 * format to text that normalises back to it; and the full-width spelling
 * of any input must be judged exactly like the ASCII one. */
#include "common/phone.h"
#include "fuzz/fuzzutil.h"

/* The first byte of an input picks the default region. */
static const char *const regions[] = {NULL, "",   "CN", "US", "GB",
                                      "DE", "IN", "cn", "XX", "JP"};
#define NREGIONS (sizeof(regions) / sizeof(regions[0]))

/* input with each ASCII digit and + in its full-width form (malloc'd). */
static char *full_width(const char *input)
{
    char *out = malloc(strlen(input) * 3 + 1), *d = out;

    FUZZ_CHECK(out != NULL, "out of memory");
    for (const char *s = input; *s; s++) {
        if ((*s >= '0' && *s <= '9') || *s == '+') {
            unsigned cp = *s == '+' ? 0xFF0B : 0xFF10 + (unsigned)(*s - '0');
            *d++ = (char)(0xE0 | (cp >> 12));
            *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *d++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *d++ = *s;
        }
    }
    *d = '\0';
    return out;
}

static void check_normalised(const char *e164, const char *region)
{
    char *again = NULL, *pretty;
    const char *why = NULL;

    FUZZ_CHECK(phone_is_e164(e164), "'%s' is not E.164 by phone_is_e164", e164);
    FUZZ_CHECK(phone_normalize(e164, region, &again, &why) == PHONE_OK &&
                   strcmp(again, e164) == 0,
               "'%s' normalises to '%s' (%s)", e164, fuzz_str(again),
               fuzz_str(why));
    free(again);
    pretty = phone_format_international(e164);
    FUZZ_CHECK(pretty != NULL, "'%s' cannot be formatted", e164);
    FUZZ_CHECK(phone_normalize(pretty, NULL, &again, NULL) == PHONE_OK &&
                   strcmp(again, e164) == 0,
               "'%s' formatted as '%s' normalises to '%s'", e164, pretty,
               fuzz_str(again));
    free(again);
    free(pretty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *region, *why = NULL, *why_wide = NULL;
    char *input, *wide, *e164 = NULL, *e164_wide = NULL;
    int rc, rc_wide;

    if (size < 1)
        return 0;
    region = regions[data[0] % NREGIONS];
    input = fuzz_string(data + 1, size - 1);
    if (!input)
        return 0;
    rc = phone_normalize(input, region, &e164, &why);
    FUZZ_CHECK(rc == PHONE_OK || rc == PHONE_EINVALID, "code %d", rc);
    FUZZ_CHECK((rc == PHONE_OK) == (why == NULL) &&
                   (rc == PHONE_OK) == (e164 != NULL),
               "code %d with why '%s'", rc, fuzz_str(why));
    if (e164)
        check_normalised(e164, region);

    wide = full_width(input);
    rc_wide = phone_normalize(wide, region, &e164_wide, &why_wide);
    FUZZ_CHECK(
        rc == rc_wide && fuzz_same(e164, e164_wide) && fuzz_same(why, why_wide),
        "'%s' gives %s (%s) but its full-width form %s (%s)", input,
        fuzz_str(e164), fuzz_str(why), fuzz_str(e164_wide), fuzz_str(why_wide));
    free(e164);
    free(e164_wide);
    free(wide);
    free(input);
    return 0;
}
