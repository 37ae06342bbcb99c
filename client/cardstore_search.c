/* The card store's contact search: the user's text turned into an FTS5
 * query (numbers by their digits), ranked in SQL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/cardstore_int.h"

/* A search number this long without its leading zeros may be a national
 * or international number whose prefix the stored E.164 lacks. */
#define CS_MIN_BARE 6
/* Written with spaces or dashes and this long, it is a phone number, not
 * also words of an address: prefix queries on short pieces ("+86", "138")
 * would cost a scan of every number. */
#define CS_NUMBER_DIGITS 7

void cs_buf_add(struct cs_buf *b, const char *s, size_t n)
{
    char *p;
    size_t cap;

    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        p = realloc(b->p, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* The n bytes at s as one FTS5 string: inside double quotes nothing is
 * syntax but the quote itself, which is doubled. */
void cs_buf_string(struct cs_buf *b, const char *s, size_t n)
{
    const char *q;

    cs_buf_add(b, "\"", 1);
    while ((q = memchr(s, '"', n))) {
        cs_buf_add(b, s, (size_t)(q - s) + 1);
        cs_buf_add(b, "\"", 1);
        n -= (size_t)(q - s) + 1;
        s = q + 1;
    }
    cs_buf_add(b, s, n);
    cs_buf_add(b, "\"", 1);
}

/* A prefix query for the n bytes at s. */
static void cs_buf_term(struct cs_buf *b, const char *s, size_t n)
{
    cs_buf_string(b, s, n);
    cs_buf_add(b, "*", 1);
}

int cs_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* The next whitespace-separated word at or after *p: its start, and *n its
 * length; NULL at the end. *p moves past it. */
const char *cs_word(const char **p, size_t *n)
{
    const char *w = *p;

    while (cs_is_space(*w))
        w++;
    if (*w == '\0')
        return NULL;
    *p = w;
    while (**p != '\0' && !cs_is_space(**p))
        (*p)++;
    *n = (size_t)(*p - w);
    return w;
}

/* True for a piece of a written phone number: digits and + - ( ) . /
 * only, with at least one digit. */
int cs_phone_like(const char *w, size_t n)
{
    size_t i;
    int digits = 0;

    for (i = 0; i < n; i++) {
        if (w[i] >= '0' && w[i] <= '9')
            digits = 1;
        else if (!strchr("+-()./", w[i]))
            return 0;
    }
    return digits;
}

static int cs_count_token(void *ctx, int tflags, const char *token, int ntoken,
                          int start, int end)
{
    (void)tflags;
    (void)token;
    (void)ntoken;
    (void)start;
    (void)end;
    ++*(int *)ctx;
    return SQLITE_OK;
}

/* Whether the word holds a token for FTS5: a string without one (only
 * punctuation, in any script) matches nothing and would empty an AND. */
int cs_has_token(struct cardstore *cs, const char *w, size_t n, int *has)
{
    int rc;

    *has = 0;
    rc = cs->tok_api.xTokenize(cs->tok, has, FTS5_TOKENIZE_QUERY, w, (int)n,
                               cs_count_token);
    return rc == SQLITE_OK ? 0 : cs_db_fail(cs, rc);
}

/* A written number (one or more phone-like words, run[0..n)): its digits,
 * those digits without leading zeros (a trunk or international prefix, as
 * in 0013800138000 for +8613800138000), or, when short, each word as text,
 * as in an address ("12-14 Main St"). */
static int cs_query_phone(struct cardstore *cs, struct cs_buf *b,
                          const char *run, size_t n, int words)
{
    char *digits = malloc(n + 1);
    const char *p = run, *end = run + n, *w, *bare;
    size_t len, d = 0, i;

    if (!digits)
        return cs_nomem(cs);
    for (i = 0; i < n; i++)
        if (run[i] >= '0' && run[i] <= '9')
            digits[d++] = run[i];
    digits[d] = '\0';
    cs_buf_add(b, "(", 1);
    cs_buf_term(b, digits, d);
    bare = digits + strspn(digits, "0");
    if (bare != digits && strlen(bare) >= CS_MIN_BARE) {
        cs_buf_add(b, " OR ", 4);
        cs_buf_term(b, bare, strlen(bare));
    }
    if ((words > 1 || d != n) && d < CS_NUMBER_DIGITS) {
        cs_buf_add(b, " OR (", 5);
        for (i = 0; p < end && (w = cs_word(&p, &len)); i++) {
            if (i > 0)
                cs_buf_add(b, " AND ", 5);
            cs_buf_term(b, w, len);
        }
        cs_buf_add(b, ")", 1);
    }
    cs_buf_add(b, ")", 1);
    free(digits);
    return 0;
}

/* The FTS5 query for the user's text: every word a quoted prefix term, all
 * ANDed. *out is NULL when the text holds nothing to search for. */
static int cs_query_build(struct cardstore *cs, const char *text, char **out)
{
    struct cs_buf b = {0};
    const char *p = text, *w, *next, *w2;
    size_t n, n2;
    int terms = 0, words, has, ret = 0;

    while (ret == 0 && (w = cs_word(&p, &n))) {
        if (cs_phone_like(w, n)) {
            /* "+86 138 0013 8000" is one number written with spaces. */
            for (words = 1, next = p;
                 (w2 = cs_word(&next, &n2)) && cs_phone_like(w2, n2); words++)
                p = next;
            if (terms++ > 0)
                cs_buf_add(&b, " AND ", 5);
            ret = cs_query_phone(cs, &b, w, (size_t)(p - w), words);
            continue;
        }
        ret = cs_has_token(cs, w, n, &has);
        if (ret == 0 && has) {
            if (terms++ > 0)
                cs_buf_add(&b, " AND ", 5);
            cs_buf_term(&b, w, n);
        }
    }
    if (ret == 0 && b.failed)
        ret = cs_nomem(cs);
    if (ret < 0) {
        free(b.p);
        return ret;
    }
    *out = b.p;
    return 0;
}

/* The number of contacts matching query, the FTS5 query of text. */
static int cs_count_matches(struct cardstore *cs, const char *query,
                            int64_t *total)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_MATCHES];

    return cs_get_int(cs, s, cs_bind(cs, s, 1, "t", query), total, "no count");
}

int cardstore_contact_search(struct cardstore *cs, const char *text,
                             size_t limit, cardstore_visit fn, void *ud,
                             int64_t *total)
{
    sqlite3_stmt *s = cs->stmt[OP_CONTACT_SEARCH];
    /* SQLite takes a negative LIMIT for none. */
    int64_t max = limit == 0 || limit > INT64_MAX ? -1 : (int64_t)limit;
    struct cs_ids ids = {0};
    int64_t matches;
    char *query = NULL;
    int ret;

    if (total)
        *total = 0;
    if (!text)
        return cs_fail(cs, CARDSTORE_EINVAL, "no search text");
    if (cs_text_has_cjk(text))
        return cs_search_substr(cs, text, limit, fn, ud, total);
    ret = cs_query_build(cs, text, &query);
    if (ret < 0 || !query)
        return ret;
    ret = cs_ids_collect(cs, s, cs_bind(cs, s, 1, "tl", query, max), &ids);
    matches = (int64_t)ids.n;
    /* Only a full page may have left matches out. */
    if (ret == 0 && total && max >= 0 && ids.n == limit)
        ret = cs_count_matches(cs, query, &matches);
    if (ret == 0 && total)
        *total = matches;
    if (ret == 0)
        ret = cs_visit_ids(cs, &ids, OP_CONTACT_GET, fn, ud);
    free(ids.v);
    free(query);
    return ret;
}
