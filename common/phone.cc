// Implements xep/phone.h on libphonenumber; no C++ exception reaches C.
#include "common/phone.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>
#include <phonenumbers/region_code.h>

namespace
{

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;
using i18n::phonenumbers::RegionCode;

// Reasons are English, marked for xgettext: cardxd shows them translated.
// (common/i18n.h's N_; that header's struct i18n would clash with
// libphonenumber's namespace i18n.)
#define N_(s) (s)
const char *const WHY_NULL = N_("no number was given");
const char *const WHY_EMPTY = N_("the number is empty");
const char *const WHY_OVERLONG = N_("the input is longer than 64 characters");
const char *const WHY_LETTERS =
    N_("the number contains letters; write it with digits only");
const char *const WHY_CONTROL = N_("the number contains control characters");
const char *const WHY_CHARS = N_("the number contains invalid characters");
const char *const WHY_REGION =
    N_("the default region is not a known ISO 3166-1 alpha-2 country code");
const char *const WHY_NEEDS_REGION =
    N_("a national number needs a default region; start it with +");
const char *const WHY_COUNTRY = N_("the number has an invalid country code");
const char *const WHY_NAN = N_("the input does not look like a phone number");
const char *const WHY_SHORT_IDD =
    N_("the number is too short after the international prefix");
const char *const WHY_SHORT = N_("the number is too short");
const char *const WHY_LONG = N_("the number is too long");
const char *const WHY_EXTENSION = N_("phone extensions are not supported");
const char *const WHY_NOT_VALID = N_("the number is not valid for its region");
const char *const WHY_LOCAL =
    N_("the number can only be dialled locally; add the area code");
const char *const WHY_SHORT_REGION =
    N_("the number is too short for its region");
const char *const WHY_LONG_REGION = N_("the number is too long for its region");
const char *const WHY_LENGTH =
    N_("the number has the wrong length for its region");
const char *const WHY_NOMEM = N_("out of memory");
const char *const WHY_INTERNAL = N_("the number could not be checked");

// Byte classes by hand: <ctype.h> depends on the locale.
bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

bool is_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Decodes the UTF-8 sequence at s (n bytes left) into *cp and returns its
// length, or 0 when it is not valid UTF-8 (overlong, surrogate, too large).
size_t utf8_decode(const unsigned char *s, size_t n, unsigned long *cp)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};

    if (len == 0 || len > n || s[0] > 0xF4)
        return 0;
    *cp = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min[len] || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

// The ASCII character a typed non-ASCII one stands for, or 0 when it is
// not allowed. Digits are any Unicode decimal digit (what input methods
// type: full-width, Arabic-Indic, ...), as libphonenumber itself decides;
// the rest are the full-width forms of the ASCII separators and the spaces
// people paste (no-break space, ideographic space).
char non_ascii_equivalent(const PhoneNumberUtil &util, const char *seq,
                          size_t len, unsigned long cp)
{
    switch (cp) {
    case 0xFF0B: // FULLWIDTH PLUS SIGN
        return '+';
    case 0xFF0D: // FULLWIDTH HYPHEN-MINUS
        return '-';
    case 0xFF0E: // FULLWIDTH FULL STOP
        return '.';
    case 0xFF08: // FULLWIDTH LEFT PARENTHESIS
        return '(';
    case 0xFF09: // FULLWIDTH RIGHT PARENTHESIS
        return ')';
    case 0xFF0F: // FULLWIDTH SOLIDUS
        return '/';
    case 0x00A0: // NO-BREAK SPACE
    case 0x3000: // IDEOGRAPHIC SPACE
        return ' ';
    }
    if (cp >= 0x80 && cp <= 0x9F)
        return 0; // C1 controls; the caller words the error
    std::string digit(seq, len);
    util.NormalizeDigitsOnly(&digit);
    return digit.size() == 1 ? digit[0] : 0;
}

// Why one non-ASCII character (at s, n bytes left) is refused, or nullptr
// with its ASCII equivalent appended to out and *used set to its length.
const char *non_ascii_take(const PhoneNumberUtil &util, const char *s, size_t n,
                           std::string *out, size_t *used)
{
    unsigned long cp;
    size_t len =
        utf8_decode(reinterpret_cast<const unsigned char *>(s), n, &cp);
    if (len == 0)
        return WHY_CHARS;
    char c = non_ascii_equivalent(util, s, len, cp);
    if (c == 0)
        return cp <= 0x9F ? WHY_CONTROL : WHY_CHARS;
    out->push_back(c);
    *used = len;
    return nullptr;
}

// A whitelist, because libphonenumber quietly drops trailing junk ("x",
// "ext. 12") and maps letters to keypad digits; both would hide typos.
// Writes the input with every accepted non-ASCII character replaced by its
// ASCII equivalent into *out, so the rest sees only ASCII.
const char *input_check(const PhoneNumberUtil &util, const char *input,
                        std::string *out)
{
    if (!input)
        return WHY_NULL;
    size_t len = strnlen(input, PHONE_INPUT_MAX * 4 + 1), chars = 0;
    if (len == 0)
        return WHY_EMPTY;
    out->clear();
    for (size_t i = 0; i < len; chars++) {
        unsigned char c = static_cast<unsigned char>(input[i]);
        if (chars == PHONE_INPUT_MAX)
            return WHY_OVERLONG;
        if (c >= 0x80) {
            size_t used = 0;
            const char *why =
                non_ascii_take(util, input + i, len - i, out, &used);
            if (why)
                return why;
            i += used;
            continue;
        }
        if (is_letter(c))
            return WHY_LETTERS;
        if (c < 0x20 || c == 0x7f)
            return WHY_CONTROL;
        if (!is_digit(c) && !std::strchr(" +-.()/", c))
            return WHY_CHARS;
        out->push_back(static_cast<char>(c));
        i++;
    }
    return nullptr;
}

// Sets *out to the upper-cased region, or to the library's unknown region
// "ZZ" when none is given, which makes Parse() insist on a leading +.
const char *region_pick(const PhoneNumberUtil &util, const char *region,
                        std::string *out)
{
    if (!region || !*region) {
        *out = RegionCode::GetUnknown();
        return nullptr;
    }
    if (strnlen(region, 3) != 2)
        return WHY_REGION;
    out->clear();
    for (int i = 0; i < 2; i++) {
        unsigned char c = static_cast<unsigned char>(region[i]);
        if (!is_letter(c))
            return WHY_REGION;
        out->push_back(static_cast<char>(c & ~0x20));
    }
    // Zero is the library's answer for a region it has no metadata for.
    if (util.GetCountryCodeForRegion(*out) == 0)
        return WHY_REGION;
    return nullptr;
}

// Without a region there is no national international prefix to strip, so
// the near-universal "00" is taken to mean "+"; anything else must start +.
const char *make_international(std::string *text)
{
    size_t i = text->find_first_not_of(" (");
    if (i == std::string::npos)
        return WHY_NAN;
    if (text->compare(i, 2, "00") == 0)
        text->replace(i, 2, "+");
    if ((*text)[i] != '+')
        return WHY_NEEDS_REGION;
    return nullptr;
}

const char *parse_error_why(PhoneNumberUtil::ErrorType err)
{
    switch (err) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
        break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
        return WHY_COUNTRY;
    case PhoneNumberUtil::NOT_A_NUMBER:
        return WHY_NAN;
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
        return WHY_SHORT_IDD;
    case PhoneNumberUtil::TOO_SHORT_NSN:
        return WHY_SHORT;
    case PhoneNumberUtil::TOO_LONG_NSN:
        return WHY_LONG;
    }
    return WHY_NAN;
}

// Why a parsed number failed IsValidNumber(): length problems are the most
// useful thing to tell a person typing a number.
const char *invalid_why(PhoneNumberUtil::ValidationResult res)
{
    switch (res) {
    case PhoneNumberUtil::IS_POSSIBLE:
        return WHY_NOT_VALID;
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
        return WHY_LOCAL;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
        return WHY_COUNTRY;
    case PhoneNumberUtil::TOO_SHORT:
        return WHY_SHORT_REGION;
    case PhoneNumberUtil::INVALID_LENGTH:
        return WHY_LENGTH;
    case PhoneNumberUtil::TOO_LONG:
        return WHY_LONG_REGION;
    }
    return WHY_NOT_VALID;
}

// Fills *num; returns nullptr when it is a valid number, else why not.
const char *parse_valid(const char *input, const char *region, PhoneNumber *num)
{
    const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
    std::string reg, text;
    const char *why = input_check(util, input, &text);
    if (!why)
        why = region_pick(util, region, &reg);
    if (why)
        return why;
    if (reg == RegionCode::GetUnknown() && (why = make_international(&text)))
        return why;
    PhoneNumberUtil::ErrorType err = util.Parse(text, reg, num);
    if (err != PhoneNumberUtil::NO_PARSING_ERROR)
        return parse_error_why(err);
    // E.164 has no room for an extension; dropping it would misroute.
    if (num->has_extension())
        return WHY_EXTENSION;
    if (!util.IsValidNumber(*num))
        return invalid_why(util.IsPossibleNumberWithReason(*num));
    return nullptr;
}

// Returns a malloc'd copy for C callers, or NULL when out of memory.
char *c_string(const std::string &s)
{
    char *out = static_cast<char *>(std::malloc(s.size() + 1));
    if (out)
        std::memcpy(out, s.c_str(), s.size() + 1);
    return out;
}

} // namespace

int phone_normalize(const char *input, const char *default_region, char **e164,
                    const char **why)
{
    const char *reason = WHY_NOMEM;
    char *out = nullptr;
    int rc = PHONE_ENOMEM;

    try {
        PhoneNumber num;
        reason = parse_valid(input, default_region, &num);
        if (reason) {
            rc = PHONE_EINVALID;
        } else if (e164) {
            std::string s;
            PhoneNumberUtil::GetInstance()->Format(num, PhoneNumberUtil::E164,
                                                   &s);
            out = c_string(s);
            reason = out ? nullptr : WHY_NOMEM;
            rc = out ? PHONE_OK : PHONE_ENOMEM;
        } else {
            rc = PHONE_OK;
        }
    } catch (const std::bad_alloc &) {
        reason = WHY_NOMEM;
        rc = PHONE_ENOMEM;
    } catch (...) {
        reason = WHY_INTERNAL;
        rc = PHONE_EINVALID;
    }
    if (e164)
        *e164 = out;
    if (why)
        *why = reason;
    return rc;
}

int phone_is_e164(const char *s)
{
    char *out = nullptr;
    int same;

    if (phone_normalize(s, nullptr, &out, nullptr) != PHONE_OK)
        return 0;
    same = std::strcmp(out, s) == 0;
    std::free(out);
    return same;
}

char *phone_format_international(const char *e164)
{
    try {
        const PhoneNumberUtil &util = *PhoneNumberUtil::GetInstance();
        PhoneNumber num;
        std::string canon, pretty;
        if (parse_valid(e164, nullptr, &num))
            return nullptr;
        util.Format(num, PhoneNumberUtil::E164, &canon);
        if (canon != e164)
            return nullptr;
        util.Format(num, PhoneNumberUtil::INTERNATIONAL, &pretty);
        return c_string(pretty);
    } catch (...) {
        return nullptr;
    }
}

const char *phone_format_into(const char *e164, char *buf, size_t len,
                              const char *missing)
{
    char *pretty = e164 ? phone_format_international(e164) : nullptr;

    std::snprintf(buf, len, "%s", pretty ? pretty : e164 ? e164 : missing);
    std::free(pretty);
    return buf;
}
