/* The card store's search by substrings, for text in scripts written
 * without spaces between words (Chinese, Japanese, Korean): the trigram
 * index (002_trigram.sql) for CJK words of three characters or more,
 * LIKE over the fields for the other words, which trigrams cannot match or
 * the index does not hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/cardstore_int.h"

/* Trigrams hold three characters: a shorter word matches no trigram. */
#define CS_TRIGRAM 3

/* The code point of the UTF-8 sequence at *p, which moves past it; a
 * malformed byte counts as one character of its own. */
static uint32_t cs_utf8_next(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    int i;

    if (n)
        c &= 0x3Fu >> n;
    for (i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *p = s + 1;
            return s[0];
        }
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    *p = s + n + 1;
    return c;
}

/* CJK radicals to Yi (kana, CJK unified ideographs and extension A,
 * Bopomofo, Hangul Jamo), Hangul syllables, compatibility ideographs and
 * the supplementary ideographic planes. */
static int cs_is_cjk(uint32_t c)
{
    return (c >= 0x1100 && c <= 0x11FF) || (c >= 0x2E80 && c <= 0xA4CF) ||
           (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
           (c >= 0x20000 && c <= 0x3FFFF);
}

int cs_text_has_cjk(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;

    while (*p)
        if (cs_is_cjk(cs_utf8_next(&p)))
            return 1;
    return 0;
}

/* The number of characters in the n bytes at w. */
static size_t cs_chars(const char *w, size_t n)
{
    const unsigned char *p = (const unsigned char *)w;
    const unsigned char *end = p + n;
    size_t count = 0;

    while (p < end && *p) {
        cs_utf8_next(&p);
        count++;
    }
    return count;
}

/* The words of one search, sorted by how they can be found. */
struct cs_substr {
    struct cs_buf tri;            /* trigram terms, ANDed */
    char *shorts[CS_SHORT_SLOTS]; /* other words, as LIKE patterns */
    size_t nshort;
};

/* A word looked for by LIKE: "%word%", with LIKE's own characters (and the
 * escape) escaped; LIKE ignores ASCII case. */
static int cs_substr_short(struct cardstore *cs, struct cs_substr *q,
                           const char *w, size_t n)
{
    char *pat;
    size_t i, len = 0;

    /* Beyond the slots a word narrows nothing: the others still must
     * match, so the results are a superset, never missing a contact. */
    if (q->nshort == CS_SHORT_SLOTS)
        return 0;
    pat = malloc(2 * n + 3);
    if (!pat)
        return cs_nomem(cs);
    pat[len++] = '%';
    for (i = 0; i < n; i++) {
        if (w[i] == '%' || w[i] == '_' || w[i] == '\\')
            pat[len++] = '\\';
        pat[len++] = w[i];
    }
    pat[len++] = '%';
    pat[len] = '\0';
    q->shorts[q->nshort++] = pat;
    return 0;
}

/* True when the n bytes at w hold a CJK character. */
static int cs_word_has_cjk(const char *w, size_t n)
{
    const unsigned char *p = (const unsigned char *)w;
    const unsigned char *end = p + n;

    while (p < end && *p)
        if (cs_is_cjk(cs_utf8_next(&p)))
            return 1;
    return 0;
}

/* One word: a trigram term when it holds CJK text of three characters or
 * more; else (shorter, or a number, an email address, a Latin word, none
 * of which the trigram index holds) a word looked for by LIKE. A
 * written number is looked for by its digits. */
static int cs_substr_word(struct cardstore *cs, struct cs_substr *q,
                          const char *w, size_t n)
{
    char digits[64];
    size_t d = 0, i;
    int has, ret;

    if (cs_phone_like(w, n) && n < sizeof digits) {
        for (i = 0; i < n; i++)
            if (w[i] >= '0' && w[i] <= '9')
                digits[d++] = w[i];
        return cs_substr_short(cs, q, digits, d);
    }
    ret = cs_has_token(cs, w, n, &has);
    if (ret < 0 || !has)
        return ret;
    if (!cs_word_has_cjk(w, n) || cs_chars(w, n) < CS_TRIGRAM)
        return cs_substr_short(cs, q, w, n);
    if (q->tri.len > 0)
        cs_buf_add(&q->tri, " AND ", 5);
    cs_buf_string(&q->tri, w, n);
    return q->tri.failed ? cs_nomem(cs) : 0;
}

/* Binds the short words (?2..?5) and runs op for every match, best first;
 * the trigram query is bound by the caller when op uses one. */
static int cs_substr_run(struct cardstore *cs, struct cs_substr *q,
                         sqlite3_stmt *s, int ret, struct cs_ids *ids)
{
    size_t i;

    for (i = 0; ret == 0 && i < CS_SHORT_SLOTS; i++)
        ret = cs_bind(cs, s, 2 + (int)i, "t",
                      i < q->nshort ? q->shorts[i] : NULL);
    return cs_ids_collect(cs, s, ret, ids);
}

int cs_search_substr(struct cardstore *cs, const char *text, size_t limit,
                     cardstore_visit fn, void *ud, int64_t *total)
{
    struct cs_substr q = {0};
    struct cs_ids ids = {0};
    const char *p = text, *w;
    sqlite3_stmt *s;
    size_t n, i;
    int ret = 0;

    while (ret == 0 && (w = cs_word(&p, &n)))
        ret = cs_substr_word(cs, &q, w, n);
    if (ret == 0 && q.tri.len > 0) {
        s = cs->stmt[OP_CONTACT_SUBSTR_TRI];
        ret = cs_substr_run(cs, &q, s, cs_bind(cs, s, 1, "t", q.tri.p), &ids);
    } else if (ret == 0 && q.nshort > 0) {
        s = cs->stmt[OP_CONTACT_SUBSTR_SCAN];
        ret = cs_substr_run(cs, &q, s, 0, &ids);
    }
    if (ret == 0 && total)
        *total = (int64_t)ids.n;
    if (ret == 0 && limit > 0 && ids.n > limit)
        ids.n = limit;
    if (ret == 0)
        ret = cs_visit_ids(cs, &ids, OP_CONTACT_GET, fn, ud);
    free(ids.v);
    free(q.tri.p);
    for (i = 0; i < q.nshort; i++)
        free(q.shorts[i]);
    return ret;
}
