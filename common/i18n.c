/* Messages in the reader's language: gettext .mo catalogs read per language
 * and looked up per call, for a service that answers many languages at
 * once.
 *
 * Why not dgettext() with uselocale(): glibc picks a catalog through the
 * thread's LC_MESSAGES locale, and newlocale() only succeeds for a locale
 * generated on the host (the locales package, locale-gen). A server must
 * not depend on which locales its host happens to have, and setting the
 * process locale or LANGUAGE per request is global state that a later
 * lookup (or a library logging meanwhile) would see. The GNU .mo format is
 * documented and stable ("The Format of GNU MO Files" in the gettext
 * manual), msgfmt writes its original strings sorted, and this service
 * needs no plural forms or contexts; so the catalogs msgfmt builds are read
 * here once, checked whole, and searched by binary search. Each lookup
 * names its language, so one single-threaded process serves every language
 * at once with nothing shared between requests. The cardx client, one user
 * in one locale, uses gettext itself. */
#include "common/i18n.h"

#include <errno.h>
#include <libintl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"

#define MO_MAGIC 0x950412deU
#define MO_MAGIC_SWAPPED 0xde120495U
#define MO_HEADER_BYTES 28
/* Far above any catalog of this project; stops a wrong file early. */
#define MO_MAX_BYTES (16L << 20)

/* The languages cardx has catalogs for, in i18n_pick() form. */
static const char *const i18n_languages[] = {"zh_CN"};
#define I18N_NLANG (sizeof(i18n_languages) / sizeof(i18n_languages[0]))

/* One loaded .mo file: the whole file, and its two tables checked. */
struct mo {
    unsigned char *data;
    size_t size;
    uint32_t n;
    uint32_t orig; /* offset of the originals' (length, offset) table */
    uint32_t trans;
    int swapped;
};

struct i18n {
    struct mo mo[I18N_NLANG]; /* data NULL: no catalog for that language */
};

static uint32_t mo_word(const struct mo *mo, size_t off)
{
    uint32_t w;

    memcpy(&w, mo->data + off, sizeof(w));
    if (mo->swapped)
        w = (w >> 24) | ((w >> 8) & 0xff00U) | ((w << 8) & 0xff0000U) |
            (w << 24);
    return w;
}

/* The string of entry i of the table at table; NULL when it lies outside
 * the file or is not NUL-terminated where its length says. */
static const char *mo_string(const struct mo *mo, uint32_t table, uint32_t i)
{
    size_t at = (size_t)table + (size_t)i * 8;
    uint32_t len, off;

    if (at + 8 > mo->size)
        return NULL;
    len = mo_word(mo, at);
    off = mo_word(mo, at + 4);
    if ((size_t)off + len >= mo->size || mo->data[(size_t)off + len] != '\0')
        return NULL;
    return (const char *)mo->data + off;
}

/* Checks every entry, and that the originals are sorted as the binary
 * search needs. */
static int mo_check(struct mo *mo)
{
    uint32_t magic;
    const char *prev = NULL;

    if (mo->size < MO_HEADER_BYTES)
        return CX_EINVAL;
    memcpy(&magic, mo->data, sizeof(magic));
    if (magic != MO_MAGIC && magic != MO_MAGIC_SWAPPED)
        return CX_EINVAL;
    mo->swapped = magic == MO_MAGIC_SWAPPED;
    if (mo_word(mo, 4) >> 16 != 0) /* major revision 0 only */
        return CX_EINVAL;
    mo->n = mo_word(mo, 8);
    mo->orig = mo_word(mo, 12);
    mo->trans = mo_word(mo, 16);
    for (uint32_t i = 0; i < mo->n; i++) {
        const char *o = mo_string(mo, mo->orig, i);

        if (!o || !mo_string(mo, mo->trans, i))
            return CX_EINVAL;
        if (prev && strcmp(prev, o) >= 0)
            return CX_EINVAL;
        prev = o;
    }
    return 0;
}

static int mo_load(struct mo *mo, const char *path)
{
    FILE *f = fopen(path, "rb");
    long size;
    int rc = CX_EIO;

    if (!f)
        return errno == ENOENT ? CX_ENOTFOUND : CX_EIO;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto out;
    rc = CX_EINVAL;
    if (size > MO_MAX_BYTES)
        goto out;
    rc = CX_ENOMEM;
    mo->data = malloc(size ? (size_t)size : 1);
    if (!mo->data)
        goto out;
    mo->size = (size_t)size;
    rc = CX_EIO;
    if (fread(mo->data, 1, mo->size, f) != mo->size)
        goto out;
    rc = mo_check(mo);
out:
    fclose(f);
    if (rc < 0) {
        free(mo->data);
        memset(mo, 0, sizeof(*mo));
    }
    return rc;
}

static const char *mo_find(const struct mo *mo, const char *msgid)
{
    uint32_t lo = 0, hi = mo->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int c = strcmp(msgid, mo_string(mo, mo->orig, mid));

        if (c == 0) {
            const char *t = mo_string(mo, mo->trans, mid);
            /* An untranslated entry (fuzzy ones msgfmt leaves out) is
             * empty: the English stands. */
            return *t ? t : NULL;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

int i18n_new(const char *localedir, struct i18n **out, int *loaded)
{
    struct i18n *i18n = calloc(1, sizeof(*i18n));
    int n = 0, rc = 0;

    *out = NULL;
    if (!i18n)
        return CX_ENOMEM;
    for (size_t i = 0; i < I18N_NLANG; i++) {
        char *path = str_printf("%s/%s/LC_MESSAGES/%s.mo", localedir,
                                i18n_languages[i], I18N_DOMAIN);

        if (!path) {
            rc = CX_ENOMEM;
            break;
        }
        rc = mo_load(&i18n->mo[i], path);
        free(path);
        if (rc == CX_ENOTFOUND)
            rc = 0;
        else if (rc < 0)
            break;
        else
            n++;
    }
    if (rc < 0) {
        i18n_free(i18n);
        return rc;
    }
    if (loaded)
        *loaded = n;
    *out = i18n;
    return 0;
}

void i18n_free(struct i18n *i18n)
{
    if (!i18n)
        return;
    for (size_t i = 0; i < I18N_NLANG; i++)
        free(i18n->mo[i].data);
    free(i18n);
}

/* True when the subtag of len bytes at s equals word, ignoring case. */
static int subtag_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

const char *i18n_pick(const char *tag)
{
    const char *s = tag;
    int script = 0, traditional_region = 0; /* script: 1 Hans, -1 Hant */
    size_t len;

    if (!tag)
        return NULL;
    /* The primary language subtag: up to '-', '_', '.' or '@'. */
    len = strcspn(s, "-_.@");
    if (!subtag_is(s, len, "zh"))
        return NULL;
    /* Later subtags of either form; a codeset or modifier ends them. A
     * script says which Chinese it is; without one, the regions that
     * write Traditional characters do. */
    while (s[len] == '-' || s[len] == '_') {
        s += len + 1;
        len = strcspn(s, "-_.@");
        if (subtag_is(s, len, "hans"))
            script = 1;
        else if (subtag_is(s, len, "hant"))
            script = -1;
        else if (subtag_is(s, len, "tw") || subtag_is(s, len, "hk") ||
                 subtag_is(s, len, "mo"))
            traditional_region = 1;
    }
    if (script < 0 || (script == 0 && traditional_region))
        return NULL;
    return i18n_languages[0];
}

const char *i18n_tag(const char *lang)
{
    return lang && strcmp(lang, "zh_CN") == 0 ? "zh-CN" : "en";
}

const char *i18n_text(const struct i18n *i18n, const char *lang,
                      const char *msgid)
{
    const char *t;

    if (!i18n || !lang || !msgid || !*msgid)
        return msgid;
    for (size_t i = 0; i < I18N_NLANG; i++) {
        if (strcmp(lang, i18n_languages[i]) != 0 || !i18n->mo[i].data)
            continue;
        t = mo_find(&i18n->mo[i], msgid);
        return t ? t : msgid;
    }
    return msgid;
}

int i18n_gettext_lang(char *buf, size_t len)
{
    const char *header = dgettext(I18N_DOMAIN, "");
    const char *l = strstr(header, "Language: ");
    size_t n;

    if (!l)
        return 0;
    l += strlen("Language: ");
    n = strcspn(l, "\n");
    if (n == 0 || n >= len)
        return 0;
    memcpy(buf, l, n);
    buf[n] = '\0';
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = '-';
    return 1;
}
