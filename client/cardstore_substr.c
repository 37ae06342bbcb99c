/* The card store's search by substrings, for text in scripts written
 * without spaces between words (Chinese, Japanese, Korean): the trigram
 * index (003_trigram.sql) for CJK words of three characters or more, the
 * single-character index for shorter ones, and LIKE over the fields for
 * the other words (numbers, email addresses, Latin words), which neither
 * index holds. */
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

/* --- the single-character index (cjk_name, cjk_other) --- */

/* Appends the n bytes at c and a space; a "0 " first when *gap says the
 * character does not follow the last one. */
static void cs_cjk_add(struct cs_buf *b, const unsigned char *c, size_t n,
                       int *gap)
{
    if (*gap && b->len > 0)
        cs_buf_add(b, "0 ", 2);
    *gap = 0;
    cs_buf_add(b, (const char *)c, n);
    cs_buf_add(b, " ", 1);
}

int cs_cjk_chars(struct cardstore *cs, const char *const *fields, size_t n,
                 char **out)
{
    struct cs_buf b = {0};
    const unsigned char *p, *c;
    size_t i;
    int gap = 0;

    *out = NULL;
    for (i = 0; i < n; i++) {
        for (p = (const unsigned char *)(fields[i] ? fields[i] : ""); *p;) {
            c = p;
            if (cs_is_cjk(cs_utf8_next(&p)))
                cs_cjk_add(&b, c, (size_t)(p - c), &gap);
            else
                gap = 1;
        }
        gap = 1;
    }
    if (b.failed) {
        free(b.p);
        return cs_nomem(cs);
    }
    if (b.len > 0)
        b.p[b.len - 1] = '\0';
    *out = b.p;
    return 0;
}

/* cjk_name and cjk_other of contact id, from its fields. */
static int cs_cjk_fill_one(struct cardstore *cs, int64_t id)
{
    sqlite3_stmt *s = cs->stmt[OP_CJK_FIELDS], *set = cs->stmt[OP_CJK_SET];
    char *f[5] = {0}, *name = NULL, *other = NULL;
    int ret = cs_bind(cs, s, 1, "l", id), rc, k;

    if (ret == 0) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            for (k = 0; k < 5 && ret == 0; k++)
                ret = cs_column_dup(cs, s, k, &f[k]);
        else if (rc != SQLITE_DONE)
            ret = cs_db_fail(cs, rc);
    }
    ret = cs_end(cs, s, ret);
    if (ret == 0)
        ret = cs_cjk_chars(cs, (const char *const *)f, 1, &name);
    if (ret == 0)
        ret = cs_cjk_chars(cs, (const char *const *)f + 1, 4, &other);
    if (ret == 0)
        ret = cs_run(cs, set, cs_bind(cs, set, 1, "ttl", name, other, id));
    for (k = 0; k < 5; k++)
        free(f[k]);
    free(name);
    free(other);
    return ret;
}

int cs_cjk_backfill(struct cardstore *cs)
{
    struct cs_ids ids = {0};
    int64_t todo = 0;
    size_t i;
    int own, ret;

    ret = cs_get_int(cs, cs->stmt[OP_CJK_TODO], 0, &todo, "no count");
    if (ret < 0 || todo == 0)
        return ret;
    ret = cs_tx_begin(cs, &own);
    if (ret < 0)
        return ret;
    ret = cs_ids_collect(cs, cs->stmt[OP_CJK_IDS], 0, &ids);
    for (i = 0; ret == 0 && i < ids.n; i++)
        ret = cs_cjk_fill_one(cs, ids.v[i]);
    if (ret == 0)
        ret = cs_exec(cs, OP_CJK_TODO_DONE);
    free(ids.v);
    return cs_tx_end(cs, own, ret);
}

/* --- searching --- */

/* The words of one search, sorted by how they can be found. */
struct cs_substr {
    struct cs_buf uni;            /* one or two CJK characters: phrases */
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

/* True when the n bytes at w are CJK characters only. */
static int cs_all_cjk(const char *w, size_t n)
{
    const unsigned char *p = (const unsigned char *)w;
    const unsigned char *end = p + n;

    while (p < end && *p)
        if (!cs_is_cjk(cs_utf8_next(&p)))
            return 0;
    return 1;
}

/* One or two CJK characters: a phrase of single-character words for the
 * single-character index. */
static int cs_substr_uni(struct cardstore *cs, struct cs_substr *q,
                         const char *w, size_t n)
{
    struct cs_buf chars = {0};
    const unsigned char *p = (const unsigned char *)w, *c;
    const unsigned char *end = p + n;
    int gap = 0;

    while (p < end && *p) {
        c = p;
        cs_utf8_next(&p);
        cs_cjk_add(&chars, c, (size_t)(p - c), &gap);
    }
    if (q->uni.len > 0)
        cs_buf_add(&q->uni, " AND ", 5);
    if (!chars.failed && chars.len > 0)
        cs_buf_string(&q->uni, chars.p, chars.len - 1);
    free(chars.p);
    return chars.failed || q->uni.failed ? cs_nomem(cs) : 0;
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
    if (cs_chars(w, n) < CS_TRIGRAM && cs_all_cjk(w, n))
        return cs_substr_uni(cs, q, w, n);
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
    if (ret == 0 && q.uni.len > 0) {
        s = cs->stmt[OP_CONTACT_SUBSTR_UNI];
        ret = cs_bind(cs, s, 1, "t", q.uni.p);
        if (ret == 0)
            ret = cs_bind(cs, s, 6, "t", q.tri.len > 0 ? q.tri.p : NULL);
        ret = cs_substr_run(cs, &q, s, ret, &ids);
    } else if (ret == 0 && q.tri.len > 0) {
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
    free(q.uni.p);
    free(q.tri.p);
    for (i = 0; i < q.nshort; i++)
        free(q.shorts[i]);
    return ret;
}
