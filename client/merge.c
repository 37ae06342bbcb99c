/* The three-way merge of an update into a saved contact (merge.h). */
#include "client/merge.h"

#include <string.h>

/* True when two field values (NULL for unset) are the same. */
static int same(const char *x, const char *y)
{
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

int merge_fields(const struct vcard_fields *base,
                 const struct vcard_fields *mine,
                 const struct vcard_fields *theirs, enum merge_side side,
                 struct vcard_fields *out, struct strv *conflicts)
{
    const char *const *names = vcard_field_names();
    struct vcard_fields got = {0};

    for (size_t i = 0; names[i]; i++) {
        const char *b = vcard_fields_get(base, names[i]);
        const char *m = vcard_fields_get(mine, names[i]);
        const char *t = vcard_fields_get(theirs, names[i]);
        const char *pick = m;

        if (!same(b, t) && same(b, m))
            pick = t; /* only they changed it */
        else if (!same(b, t) && !same(m, t)) {
            /* both changed it, differently */
            if (side == MERGE_THEIRS)
                pick = t;
            if (conflicts && strv_push(conflicts, names[i]) < 0)
                goto fail;
        }
        if (vcard_fields_set(&got, names[i], pick) < 0)
            goto fail;
    }
    vcard_fields_clear(out);
    *out = got;
    return 0;
fail:
    vcard_fields_clear(&got);
    vcard_fields_clear(out);
    return CX_ENOMEM;
}

int merge_changed(const struct vcard_fields *a, const struct vcard_fields *b,
                  struct strv *changed)
{
    const char *const *names = vcard_field_names();

    for (size_t i = 0; names[i]; i++) {
        if (!same(vcard_fields_get(a, names[i]),
                  vcard_fields_get(b, names[i])) &&
            strv_push(changed, names[i]) < 0)
            return CX_ENOMEM;
    }
    return 0;
}
