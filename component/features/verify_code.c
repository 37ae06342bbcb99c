/* One-time codes that prove a phone number: generation, the keyed hash,
 * the daily caps and the check (see verify_code.h). */
#include "component/features/verify_code.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/random.h>

#include "common/errors.h"

/* Bytes drawn per digit: a uint32_t, kept only below the largest multiple
 * of 10^6, so every code is equally likely. */
#define VERIFY_CODE_SPACE 1000000U
#define VERIFY_CODE_LIMIT (UINT32_MAX - UINT32_MAX % VERIFY_CODE_SPACE)

int verify_code_make(char code[VERIFY_CODE_LEN])
{
    uint32_t v;

    do {
        if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
            return CX_EIO;
    } while (v >= VERIFY_CODE_LIMIT);
    v %= VERIFY_CODE_SPACE;
    for (int i = VERIFY_CODE_DIGITS - 1; i >= 0; i--) {
        code[i] = (char)('0' + v % 10);
        v /= 10;
    }
    code[VERIFY_CODE_DIGITS] = '\0';
    return 0;
}

/* key, then jid, phone and code each ended by a NUL so that no two claims
 * hash the same bytes. */
int verify_code_hash(const unsigned char key[STORE_VERIFY_KEY_BYTES],
                     const char *jid, const char *phone, const char *code,
                     unsigned char out[STORE_VERIFY_HASH_BYTES])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(md, key, STORE_VERIFY_KEY_BYTES) &&
             EVP_DigestUpdate(md, jid, strlen(jid) + 1) &&
             EVP_DigestUpdate(md, phone, strlen(phone) + 1) &&
             EVP_DigestUpdate(md, code, strlen(code) + 1) &&
             EVP_DigestFinal_ex(md, out, &len) &&
             len == STORE_VERIFY_HASH_BYTES;

    EVP_MD_CTX_free(md);
    return ok ? 0 : CX_EIO;
}

int verify_code_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
    return CRYPTO_memcmp(a, b, n) == 0;
}

int verify_code_key(struct store *st, unsigned char key[STORE_VERIFY_KEY_BYTES])
{
    unsigned char fresh[STORE_VERIFY_KEY_BYTES];

    if (getrandom(fresh, sizeof(fresh), 0) != (ssize_t)sizeof(fresh))
        return CX_EIO;
    return store_verify_key(st, fresh, key);
}

/* When the cap frees a slot: a day after the oldest code in the window. */
static int64_t cap_retry(int64_t n, int64_t first, int per_day)
{
    return per_day > 0 && n >= per_day ? first + VERIFY_DAY_MS : 0;
}

int verify_code_issue(struct store *st,
                      const unsigned char key[STORE_VERIFY_KEY_BYTES],
                      const char *jid, const char *phone, const char *code,
                      const struct verify_limits *lim, int64_t now,
                      int64_t *retry_at,
                      unsigned char hash[STORE_VERIFY_HASH_BYTES])
{
    int64_t since = now - VERIFY_DAY_MS, n_phone, first_phone, n_jid, first_jid,
            a, b;
    struct store_claim c;
    int rc = store_verify_prune(st, since, now);

    *retry_at = 0;
    if (rc == 0)
        rc = store_verify_issued(st, phone, jid, since, &n_phone, &first_phone,
                                 &n_jid, &first_jid);
    if (rc < 0)
        return rc;
    a = cap_retry(n_phone, first_phone, lim->per_day);
    b = cap_retry(n_jid, first_jid, lim->per_day);
    *retry_at = a > b ? a : b;
    if (*retry_at)
        return 0;
    rc = verify_code_hash(key, jid, phone, code, c.hash);
    if (rc < 0)
        return rc;
    c.issued_at = now;
    c.expires_at = now + lim->ttl_ms;
    c.tries = 0;
    memcpy(hash, c.hash, sizeof(c.hash));
    return store_verify_claim_put(st, jid, phone, &c);
}

int verify_code_check(struct store *st,
                      const unsigned char key[STORE_VERIFY_KEY_BYTES],
                      const char *jid, const char *phone, const char *code,
                      const struct verify_limits *lim, int64_t now,
                      enum verify_check *result)
{
    unsigned char h[STORE_VERIFY_HASH_BYTES];
    struct store_claim c;
    int rc = store_verify_claim_get(st, jid, phone, &c);

    *result = VERIFY_NO_CLAIM;
    if (rc == STORE_ENOTFOUND)
        return 0;
    if (rc == 0)
        rc = verify_code_hash(key, jid, phone, code, h);
    if (rc < 0)
        return rc;
    if (now >= c.expires_at)
        *result = VERIFY_EXPIRED;
    else if (c.tries >= lim->max_tries)
        *result = VERIFY_EXHAUSTED;
    else if (verify_code_equal(h, c.hash, sizeof(h)))
        *result = VERIFY_PROVEN;
    else if (c.tries + 1 >= lim->max_tries)
        *result = VERIFY_EXHAUSTED; /* that was the last try */
    else
        *result = VERIFY_WRONG;
    if (*result == VERIFY_WRONG)
        return store_verify_claim_fail(st, jid, phone);
    /* Proven, expired or dead: the code is of no more use. */
    return store_verify_claim_drop(st, jid, phone, NULL);
}
