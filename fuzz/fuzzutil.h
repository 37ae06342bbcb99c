/* What the libFuzzer targets share: the entry point's prototype, the
 * property check that aborts with a message, and input as a C string. */
#ifndef CARDX_FUZZ_FUZZUTIL_H
#define CARDX_FUZZ_FUZZUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A violated property: says which, then aborts so libFuzzer keeps the
 * input as a crash artifact. */
#define FUZZ_CHECK(cond, ...)                                                  \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "property violated (%s:%d): ", __FILE__,           \
                    __LINE__);                                                 \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
            abort();                                                           \
        }                                                                      \
    } while (0)

/* The input as a NUL-terminated string (a NUL inside ends it early), which
 * the caller frees; NULL when memory ran out. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);

    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* True when a and b are both NULL or equal strings. */
static inline int fuzz_same(const char *a, const char *b)
{
    return a && b ? strcmp(a, b) == 0 : a == b;
}

/* s for a message: "(null)" stands for NULL. */
static inline const char *fuzz_str(const char *s)
{
    return s ? s : "(null)";
}

#endif
