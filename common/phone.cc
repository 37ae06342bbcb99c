// Implements xep/phone.h on libphonenumber; no C++ exception reaches C.
#include "common/phone.h"

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

const char WHY_NULL[] = "no number was given";
const char WHY_EMPTY[] = "the number is empty";
const char WHY_OVERLONG[] = "the input is longer than 64 characters";
const char WHY_LETTERS[] =
    "the number contains letters; write it with digits only";
const char WHY_CONTROL[] = "the number contains control characters";
const char WHY_CHARS[] = "the number contains invalid characters";
const char WHY_REGION[] =
    "the default region is not a known ISO 3166-1 alpha-2 country code";
const char WHY_NEEDS_REGION[] =
    "a national number needs a default region; start it with +";
const char WHY_COUNTRY[] = "the number has an invalid country code";
const char WHY_NAN[] = "the input does not look like a phone number";
const char WHY_SHORT_IDD[] =
    "the number is too short after the international prefix";
const char WHY_SHORT[] = "the number is too short";
const char WHY_LONG[] = "the number is too long";
const char WHY_EXTENSION[] = "phone extensions are not supported";
const char WHY_NOT_VALID[] = "the number is not valid for its region";
const char WHY_LOCAL[] =
    "the number can only be dialled locally; add the area code";
const char WHY_SHORT_REGION[] = "the number is too short for its region";
const char WHY_LONG_REGION[] = "the number is too long for its region";
const char WHY_LENGTH[] = "the number has the wrong length for its region";
const char WHY_NOMEM[] = "out of memory";
const char WHY_INTERNAL[] = "the number could not be checked";

// Byte classes by hand: <ctype.h> depends on the locale.
bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

bool is_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A whitelist, because libphonenumber quietly drops trailing junk ("x",
// "ext. 12") and maps letters to keypad digits; both would hide typos.
const char *input_check(const char *input)
{
    if (!input)
        return WHY_NULL;
    size_t len = strnlen(input, PHONE_INPUT_MAX + 1);
    if (len == 0)
        return WHY_EMPTY;
    if (len > PHONE_INPUT_MAX)
        return WHY_OVERLONG;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = static_cast<unsigned char>(input[i]);
        if (is_digit(c) || std::strchr(" +-.()/", c))
            continue;
        if (is_letter(c))
            return WHY_LETTERS;
        if (c < 0x20 || c == 0x7f)
            return WHY_CONTROL;
        return WHY_CHARS;
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
    std::string reg;
    const char *why = input_check(input);
    if (!why)
        why = region_pick(util, region, &reg);
    if (why)
        return why;
    std::string text(input);
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
