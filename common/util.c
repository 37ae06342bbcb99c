/* Small helpers both programs share: formatted strings, string vectors,
 * the monotonic clock and random hex identifiers. */
#include "common/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/errors.h"

/* The largest id rand_hex_id() draws at once; ids are short by nature. */
#define RAND_HEX_MAX_BYTES 64

char *str_vprintf(const char *fmt, va_list ap)
{
    char *s = NULL;

    return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *str_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = str_vprintf(fmt, ap);
    va_end(ap);
    return s;
}

int strv_push(struct strv *sv, const char *s)
{
    char *copy = strdup(s);

    if (!copy)
        return CX_ENOMEM;
    if (sv->n + 1 >= sv->cap) {
        size_t cap = sv->cap ? 2 * sv->cap : 8;
        char **grown = realloc(sv->v, cap * sizeof(*grown));

        if (!grown) {
            free(copy);
            return CX_ENOMEM;
        }
        sv->v = grown;
        sv->cap = cap;
    }
    sv->v[sv->n++] = copy;
    sv->v[sv->n] = NULL;
    return 0;
}

int strv_split(struct strv *sv, const char *s, const char *seps)
{
    while (*s) {
        size_t skip = strspn(s, seps), len;
        char *word;
        int rc;

        s += skip;
        len = strcspn(s, seps);
        if (!len)
            break;
        word = strndup(s, len);
        if (!word)
            return CX_ENOMEM;
        rc = strv_push(sv, word);
        free(word);
        if (rc < 0)
            return rc;
        s += len;
    }
    return 0;
}

void strv_clear(struct strv *sv)
{
    if (!sv)
        return;
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

int buf_reserve(char **data, size_t *cap, size_t need, size_t first)
{
    size_t grown_cap = *cap ? *cap : first;
    char *grown;

    if (need <= *cap)
        return 0;
    while (grown_cap < need)
        grown_cap *= 2;
    grown = realloc(*data, grown_cap);
    if (!grown)
        return CX_ENOMEM;
    *data = grown;
    *cap = grown_cap;
    return 0;
}

int64_t clock_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_wall_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int rand_hex_id(char *buf, size_t size, const char *prefix, size_t nbytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[RAND_HEX_MAX_BYTES];
    size_t plen = strlen(prefix), n;

    if (nbytes > sizeof(raw) || size < plen + 2 * nbytes + 1)
        return CX_EINVAL;
    if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes)
        return CX_EIO;
    memcpy(buf, prefix, plen);
    n = plen;
    for (size_t i = 0; i < nbytes; i++) {
        buf[n++] = hex[raw[i] >> 4];
        buf[n++] = hex[raw[i] & 0xf];
    }
    buf[n] = '\0';
    return 0;
}
