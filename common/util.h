/* Small helpers both programs share: formatted strings, string vectors,
 * the monotonic clock and random hex identifiers. */
#ifndef CARDX_COMMON_UTIL_H
#define CARDX_COMMON_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* A formatted string the caller frees with free(), or NULL when memory ran
 * out. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *str_vprintf(const char *fmt, va_list ap)
    __attribute__((format(printf, 1, 0)));

/* A string vector: a NULL-terminated array of strings it owns. */
struct strv {
    char **v; /* NULL until the first push; then always NULL-terminated */
    size_t n;
    size_t cap;
};

/* Appends a copy of s. Returns 0 or CX_ENOMEM (v is unchanged then). */
int strv_push(struct strv *sv, const char *s);

/* Splits s at any of the characters of seps, skipping empty words, and
 * appends each word. Returns 0 or CX_ENOMEM. */
int strv_split(struct strv *sv, const char *s, const char *seps);

/* Frees every string and the array; leaves sv empty. Accepts NULL. */
void strv_clear(struct strv *sv);

/* Makes the byte buffer *data (of capacity *cap, possibly NULL and 0) hold
 * at least need bytes, doubling from first. The contents are kept. Returns
 * 0 or CX_ENOMEM (the buffer is unchanged then). */
int buf_reserve(char **data, size_t *cap, size_t need, size_t first);

/* Milliseconds of the monotonic clock, for deadlines and durations. */
int64_t clock_now_ms(void);

/* Unix time in milliseconds, for what is stored and outlives the process. */
int64_t clock_wall_ms(void);

/* Writes prefix and 2 * nbytes random hex digits (from getrandom) into buf,
 * NUL-terminated. Returns 0, or CX_EINVAL when buf is too small, CX_EIO
 * when the kernel gave no randomness. */
int rand_hex_id(char *buf, size_t size, const char *prefix, size_t nbytes);

#endif
