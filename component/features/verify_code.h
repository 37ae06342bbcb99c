/* One-time codes that prove a phone number ([verify]): made from the
 * kernel's CSPRNG, kept only as a keyed hash, issued within the daily caps
 * and checked in constant time against the tries and the time to live.
 * Every time is passed in (unix ms), so tests inject their clock. */
#ifndef CARDX_COMPONENT_FEATURES_VERIFY_CODE_H
#define CARDX_COMPONENT_FEATURES_VERIFY_CODE_H

#include <stddef.h>
#include <stdint.h>

#include "component/store.h"

#define VERIFY_CODE_DIGITS 6
#define VERIFY_CODE_LEN (VERIFY_CODE_DIGITS + 1)
/* The window of codes_per_day. */
#define VERIFY_DAY_MS 86400000L

/* The [verify] settings a code obeys. */
struct verify_limits {
    int64_t ttl_ms;
    int max_tries;
    int per_day; /* per number and per account; 0: unlimited */
};

/* What a submitted code proved. */
enum verify_check {
    VERIFY_PROVEN,    /* right: the claim is gone, the number is theirs */
    VERIFY_WRONG,     /* wrong; tries are left */
    VERIFY_EXHAUSTED, /* wrong too often: the code is dead */
    VERIFY_EXPIRED,   /* past code_ttl */
    VERIFY_NO_CLAIM,  /* no code was asked for this number */
};

/* Writes VERIFY_CODE_DIGITS uniformly random digits and a NUL. Returns 0
 * or CX_EIO when the kernel gave no randomness. */
int verify_code_make(char code[VERIFY_CODE_LEN]);

/* The keyed SHA-256 of code for jid's claim on phone. Returns 0 or CX_EIO
 * when the hash failed. */
int verify_code_hash(const unsigned char key[STORE_VERIFY_KEY_BYTES],
                     const char *jid, const char *phone, const char *code,
                     unsigned char out[STORE_VERIFY_HASH_BYTES]);

/* 1 when the n bytes of a and b are equal; the time does not depend on
 * where they differ. */
int verify_code_equal(const unsigned char *a, const unsigned char *b, size_t n);

/* The database's key, made on first use. Returns 0 or a negative code. */
int verify_code_key(struct store *st,
                    unsigned char key[STORE_VERIFY_KEY_BYTES]);

/* Issues code for jid's claim on phone at now unless a daily cap is
 * reached: then *retry_at is set to when another code may be asked for
 * (unix ms) and nothing is stored; else *retry_at is 0, the claim holds
 * the code's hash (in hash) and the code counts against both caps. */
int verify_code_issue(struct store *st,
                      const unsigned char key[STORE_VERIFY_KEY_BYTES],
                      const char *jid, const char *phone, const char *code,
                      const struct verify_limits *lim, int64_t now,
                      int64_t *retry_at,
                      unsigned char hash[STORE_VERIFY_HASH_BYTES]);

/* Checks code against jid's claim on phone at now; *result says what it
 * proved. A wrong code counts a try; the right one, or one past its time
 * or tries, ends the claim. Returns 0 or a negative store code. */
int verify_code_check(struct store *st,
                      const unsigned char key[STORE_VERIFY_KEY_BYTES],
                      const char *jid, const char *phone, const char *code,
                      const struct verify_limits *lim, int64_t now,
                      enum verify_check *result);

#endif
