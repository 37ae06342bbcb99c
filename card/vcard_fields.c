/* The business-card field model (struct vcard_fields) and its chat summary. */
#include "card/vcard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "card/vcard_int.h"
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

char *vcard_summary(const struct vcard_fields *f, const char *note)
{
    static const struct {
        enum vcard_field field;
        const char *label;
    } lines[] = {
        {F_PHONE, "Phone"}, {F_EMAIL, "Email"},     {F_ORG, "Organisation"},
        {F_TITLE, "Title"}, {F_ADDRESS, "Address"}, {F_URL, "Web"},
        {F_NOTE, "About"},
    };
    const char *head = f->name ? f->name : f->phone;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);

    if (!mem)
        return NULL;
    fprintf(mem, "Business card%s%s", head ? ": " : "", head ? head : "");
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        const char *v = vcard_value(f, lines[i].field);
        /* Without a name the phone already heads the card. */
        if (v && !(lines[i].field == F_PHONE && !f->name))
            fprintf(mem, "\n%s: %s", lines[i].label, v);
    }
    if (note && *note)
        fprintf(mem, "\nNote: %s", note);
    if (fclose(mem) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
