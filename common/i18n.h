/* Messages in the reader's language: gettext catalogs looked up per call. */
#ifndef CARDX_COMMON_I18N_H
#define CARDX_COMMON_I18N_H

#include <stddef.h>

#include "common/errors.h"

/* Marks an English source string for xgettext where it is not translated
 * yet (a table, a static reason): the translation happens where it is
 * shown. */
#define N_(s) (s)

/* The gettext domain of both programs: <localedir>/LL_CC/LC_MESSAGES/cardx.mo
 */
#define I18N_DOMAIN "cardx"

/* The catalogs of a service, one per language, loaded once. */
struct i18n;

/* Loads the catalog of every language cardx has (i18n_pick() names them)
 * from localedir/<lang>/LC_MESSAGES/<I18N_DOMAIN>.mo. A missing catalog is
 * not an error: its language then reads English; *loaded (may be NULL)
 * counts the catalogs found. A catalog that exists but is not a valid .mo
 * file is CX_EINVAL; out of memory CX_ENOMEM; a read error CX_EIO. On
 * success *out is the caller's to release with i18n_free(). */
int i18n_new(const char *localedir, struct i18n **out, int *loaded);
void i18n_free(struct i18n *i18n);

/* The catalog language for a language tag, either BCP 47 as in xml:lang
 * ("zh-CN", "zh-Hans", "zh") or a POSIX locale name ("zh_CN.UTF-8"):
 * "zh_CN", or NULL for English, the language of the source strings, which
 * is also what an unknown or empty tag gets. The result is static. Chinese
 * in the Traditional script (zh-Hant, or zh-TW, zh-HK, zh-MO without a
 * script) has no catalog and reads English, as gettext itself would
 * choose; zh-Hans-HK is Simplified. */
const char *i18n_pick(const char *tag);

/* The BCP 47 tag of a language i18n_pick() returned, for xml:lang:
 * "zh-CN", or "en" for NULL. Static. */
const char *i18n_tag(const char *lang);

/* msgid (English) in lang (as i18n_pick() returned; NULL is English):
 * the translation, borrowed from i18n and valid until i18n_free(), or
 * msgid itself when lang is English, has no catalog or lacks the string.
 * i18n may be NULL (everything reads English). */
const char *i18n_text(const struct i18n *i18n, const char *lang,
                      const char *msgid) __attribute__((format_arg(3)));

/* The language a program reads its messages in, as an xml:lang ("zh-CN"),
 * into buf: the Language header of the catalog gettext chose for the
 * process's locale (queried, never set: the locale is the program's).
 * Returns 1, or 0 when the program prints English (no catalog) or the tag
 * does not fit in len. */
int i18n_gettext_lang(char *buf, size_t len);

#endif
