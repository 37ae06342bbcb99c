/* Phone number validation and E.164 normalisation over libphonenumber. */
#ifndef CARDX_COMMON_PHONE_H
#define CARDX_COMMON_PHONE_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "common/errors.h"

#define PHONE_OK CX_OK
#define PHONE_EINVALID CX_EINVAL /* not a valid number; *why says why */
#define PHONE_ENOMEM CX_ENOMEM

/* Longest input accepted, in characters; real numbers with formatting fit
 * easily. */
#define PHONE_INPUT_MAX 64

/* Parses input and, when it is a valid number (PhoneNumberUtil::IsValidNumber),
 * returns PHONE_OK and sets *e164 to its E.164 form ("+8613800138000"), which
 * the caller frees with free().
 *
 * Accepted input is UTF-8: digits with the separators space - . ( ) / and a
 * leading + or international prefix, at most PHONE_INPUT_MAX characters.
 * Digits are any Unicode decimal digit, so what Chinese and other input
 * methods type ("＋８６ １３８…", full-width) is a number like its ASCII
 * form; the full-width + - . ( ) /, the no-break space and the ideographic
 * space count as their ASCII forms. Letters are rejected, so vanity numbers
 * (1-800-FLOWERS) and extensions ("ext. 12", "#12") are not numbers here: a
 * JID maps to one dialable number. Control characters, other non-ASCII and
 * invalid UTF-8 are rejected as well.
 *
 * default_region is an ISO 3166-1 alpha-2 code ("CN", case-insensitive) used
 * for national input and for that region's international prefix ("00" in CN,
 * "011" in US). NULL or "" means the number must be international: it starts
 * with + or 00. An unknown region is an error, whatever the input.
 *
 * On failure returns PHONE_EINVALID or PHONE_ENOMEM, sets *e164 to NULL and
 * *why to a static English sentence ("the number is too short"); on success
 * *why is set to NULL. Either out pointer may be NULL. Thread-safe. */
int phone_normalize(const char *input, const char *default_region, char **e164,
                    const char **why);

/* True when s is already in canonical E.164 form and valid, that is,
 * normalising it gives itself. False for NULL and when out of memory. */
int phone_is_e164(const char *s);

/* Human-friendly international format ("+86 138 0013 8000") of a number for
 * which phone_is_e164() holds. Returns a string the caller frees, or NULL
 * when e164 is not such a number or memory ran out. */
char *phone_format_international(const char *e164);

/* phone_format_international() into buf (len bytes), for text shown to a
 * person: e164 itself when it cannot be formatted, missing (borrowed) when
 * e164 is NULL. Returns buf. */
const char *phone_format_into(const char *e164, char *buf, size_t len,
                              const char *missing);

#ifdef __cplusplus
}
#endif

#endif
