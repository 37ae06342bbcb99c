/* A small path matcher over libstrophe stanzas for scenario tests: a stanza
 * in, an XPath-like question out, and the stanza as XML when it fails. */
#ifndef CARDX_TESTS_STANZA_MATCH_H
#define CARDX_TESTS_STANZA_MATCH_H

#include <check.h>
#include <stdarg.h>
#include <stddef.h>
#include <strophe.h>

/* Paths are absolute: the first step is the stanza itself, each further
 * "/" a child element, e.g. "/iq[@type='error']/error/not-allowed".
 *
 * A step is a name or "*", optionally with a namespace: "{ns}name" or
 * "{ns}*". Then any number of predicates, all of which must hold:
 *   [@attr]            the attribute is present
 *   [@attr='value']    it has this value ('…' or "…" quotes)
 *   [@xmlns='ns']      the element's namespace, as "{ns}" (inherited
 *                      from the parent when the element states none)
 *   [text()='value']   the element's text, concatenated, is exactly this
 * A path matches when some chain of elements satisfies every step (as
 * XPath: any child may continue the path, not only the first). */

/* How much stanza_mismatch() writes at most, and what its callers use. */
#define STANZA_WHY_MAX 4096

/* 1 when path matches st, 0 when not, -1 when path is malformed (so a
 * malformed path never passes a "== 1" check). */
int stanza_match(xmpp_stanza_t *st, const char *path);

/* The text of the first element path reaches (depth first), malloc'd and
 * "" for an element without text; NULL when nothing matches, the path is
 * malformed or memory runs out. The caller frees it with free(). A path
 * ending in "/@attr" gives that attribute's value instead, of the first
 * element the rest reaches that has it. */
char *stanza_match_text(xmpp_stanza_t *st, const char *path);

/* Checks st against the path the printf format fmt makes: 0 when it
 * matches; otherwise writes why (the path, and st as XML) to why, at most
 * len bytes, and returns -1. A NULL st never matches. */
int stanza_mismatch(xmpp_stanza_t *st, char *why, size_t len, const char *fmt,
                    ...) __attribute__((format(printf, 4, 5)));

/* stanza_mismatch() with the format's arguments in ap. */
int stanza_vmismatch(xmpp_stanza_t *st, char *why, size_t len, const char *fmt,
                     va_list ap) __attribute__((format(printf, 4, 0)));

/* Fails the current Check test, printing the path and st as XML, unless st
 * matches the path the format and its arguments make. */
#define stanza_expect(st, ...)                                                 \
    do {                                                                       \
        char stanza_why_[STANZA_WHY_MAX];                                      \
                                                                               \
        ck_assert_msg(stanza_mismatch((st), stanza_why_, sizeof(stanza_why_),  \
                                      __VA_ARGS__) == 0,                       \
                      "%s", stanza_why_);                                      \
    } while (0)

#endif
