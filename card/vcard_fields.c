/* The business-card field model (struct vcard_fields) and its chat summary. */
#include "card/vcard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/vcard_int.h"
#include "common/i18n.h"
#include "common/util.h"

static const char *const field_names[VCARD_NFIELDS + 1] = {
    "name",  "given",   "family", "phone", "email", "org",
    "title", "address", "url",    "note",  NULL};

static const size_t field_offsets[VCARD_NFIELDS] = {
    offsetof(struct vcard_fields, name),
    offsetof(struct vcard_fields, given),
    offsetof(struct vcard_fields, family),
    offsetof(struct vcard_fields, phone),
    offsetof(struct vcard_fields, email),
    offsetof(struct vcard_fields, org),
    offsetof(struct vcard_fields, title),
    offsetof(struct vcard_fields, address),
    offsetof(struct vcard_fields, url),
    offsetof(struct vcard_fields, note),
};

_Static_assert(sizeof(struct vcard_fields) == VCARD_NFIELDS * sizeof(char *),
               "field tables must list every member");

char **vcard_slot(struct vcard_fields *f, enum vcard_field field)
{
    return (char **)((char *)f + field_offsets[field]);
}

const char *vcard_value(const struct vcard_fields *f, enum vcard_field field)
{
    return *(char *const *)((const char *)f + field_offsets[field]);
}

static int field_index(const char *field)
{
    for (int i = 0; field && i < VCARD_NFIELDS; i++)
        if (strcmp(field_names[i], field) == 0)
            return i;
    return -1;
}

int vcard_same_value(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

int vcard_name_fallback(struct vcard_fields *f)
{
    if (f->name || (!f->given && !f->family))
        return 0;
    f->name = str_printf("%s%s%s", f->given ? f->given : "",
                         f->given && f->family ? " " : "",
                         f->family ? f->family : "");
    return f->name ? 0 : CX_ENOMEM;
}

/* Length of the UTF-8 sequence at s and its code point, or 0 when the bytes
 * are not UTF-8 (overlong, surrogate, past U+10FFFF, cut short). */
static size_t utf8_seq(const unsigned char *s, unsigned long *cp)
{
    static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;

    if (len == 0 || s[0] > 0xF4)
        return 0;
    *cp = s[0] & (0x7Fu >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min[len] || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

/* Whether code point cp is dropped from any value: control characters
 * (C0 but TAB and line breaks, DEL, C1) and the non-characters XML 1.0
 * forbids. */
static int dropped(unsigned long cp)
{
    if (cp == '\t' || cp == '\n' || cp == '\r')
        return 0;
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0xFFFE ||
           cp == 0xFFFF;
}

void vcard_clean_value(char **value, int multiline)
{
    unsigned char *s = (unsigned char *)*value, *d = s;
    size_t start = 0, len;

    while (s && *s) {
        unsigned long cp = *s;
        size_t n = cp < 0x80 ? 1 : utf8_seq(s, &cp);
        if (n == 0) { /* a byte that is not UTF-8 */
            s++;
        } else if (cp == '\r' || cp == '\n') {
            s += cp == '\r' && s[1] == '\n' ? 2 : 1;
            *d++ = multiline ? '\n' : ' ';
        } else if (dropped(cp)) {
            s += n;
        } else {
            memmove(d, s, n);
            d += n;
            s += n;
        }
    }
    if (!*value)
        return;
    len = (size_t)(d - (unsigned char *)*value);
    while (len > 0 && vcard_is_space((*value)[len - 1]))
        len--;
    while (start < len && vcard_is_space((*value)[start]))
        start++;
    memmove(*value, *value + start, len - start);
    (*value)[len - start] = '\0';
    if (len == start) {
        free(*value);
        *value = NULL;
    }
}

int vcard_multiline(enum vcard_field field)
{
    return field == F_ADDRESS || field == F_NOTE;
}

void vcard_fields_clean(struct vcard_fields *f)
{
    for (int i = 0; i < VCARD_NFIELDS; i++)
        vcard_clean_value(vcard_slot(f, (enum vcard_field)i),
                          vcard_multiline((enum vcard_field)i));
}

void vcard_fields_clear(struct vcard_fields *f)
{
    if (!f)
        return;
    for (int i = 0; i < VCARD_NFIELDS; i++)
        free(*vcard_slot(f, (enum vcard_field)i));
    memset(f, 0, sizeof(*f));
}

int vcard_fields_set(struct vcard_fields *f, const char *field,
                     const char *value)
{
    int i = field_index(field);
    char *copy = NULL;

    if (i < 0)
        return VCARD_EINVAL;
    if (value && *value) {
        copy = strdup(value);
        if (!copy)
            return VCARD_ENOMEM;
        vcard_clean_value(&copy, vcard_multiline((enum vcard_field)i));
    }
    free(*vcard_slot(f, (enum vcard_field)i));
    *vcard_slot(f, (enum vcard_field)i) = copy;
    return 0;
}

const char *vcard_fields_get(const struct vcard_fields *f, const char *field)
{
    int i = field_index(field);

    if (i < 0)
        return NULL;
    return vcard_value(f, (enum vcard_field)i);
}

int vcard_fields_copy(struct vcard_fields *dst, const struct vcard_fields *src)
{
    vcard_fields_clear(dst);
    for (int i = 0; i < VCARD_NFIELDS; i++) {
        if (vcard_fields_set(dst, field_names[i],
                             vcard_fields_get(src, field_names[i])) != 0) {
            vcard_fields_clear(dst);
            return VCARD_ENOMEM;
        }
    }
    return 0;
}

int vcard_fields_equal(const struct vcard_fields *a,
                       const struct vcard_fields *b)
{
    for (int i = 0; i < VCARD_NFIELDS; i++)
        if (!vcard_same_value(vcard_value(a, (enum vcard_field)i),
                              vcard_value(b, (enum vcard_field)i)))
            return 0;
    return 1;
}

const char *const *vcard_field_names(void)
{
    return field_names;
}

/* The English text itself, for vcard_summary(). */
static const char *summary_english(void *data, const char *msgid)
{
    (void)data;
    return msgid;
}

char *vcard_summary(const struct vcard_fields *f, const char *note)
{
    return vcard_summary_tr(f, note, summary_english, NULL);
}

char *vcard_summary_tr(const struct vcard_fields *f, const char *note,
                       const char *(*tr)(void *data, const char *msgid),
                       void *data)
{
    static const struct {
        enum vcard_field field;
        const char *label;
    } lines[] = {
        {F_PHONE, N_("Phone")},      {F_EMAIL, N_("Email")},
        {F_ORG, N_("Organisation")}, {F_TITLE, N_("Title")},
        {F_ADDRESS, N_("Address")},  {F_URL, N_("Web")},
        {F_NOTE, N_("About")},
    };
    const char *head = f->name ? f->name : f->phone;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    if (!mem)
        return NULL;
    if (head)
        fprintf(mem, tr(data, N_("Business card: %s")), head);
    else
        fputs(tr(data, N_("Business card")), mem);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        const char *v = vcard_value(f, lines[i].field);
        /* Without a name the phone already heads the card. */
        if (v && !(lines[i].field == F_PHONE && !f->name))
            fprintf(mem, "\n%s: %s", tr(data, lines[i].label), v);
    }
    if (note && *note)
        fprintf(mem, "\n%s: %s", tr(data, N_("Note")), note);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
