/* Fuzz target for vCard text import: every card read must export to text
 * that imports again as one card with the same fields and exports to the
 * same text, holds no control character, and makes a vcard-temp card that
 * parses back to the same fields. */
#include <strophe.h>

#include "card/vcardtext.h"
#include "fuzz/fuzzutil.h"

/* Every field of a and b equal, or abort naming the first that differs. */
static void check_same(const struct vcard_fields *a,
                       const struct vcard_fields *b, const char *what)
{
    const char *const *names = vcard_field_names();

    for (size_t i = 0; names[i]; i++)
        FUZZ_CHECK(fuzz_same(vcard_fields_get(a, names[i]),
                             vcard_fields_get(b, names[i])),
                   "%s: %s '%s' became '%s'", what, names[i],
                   fuzz_str(vcard_fields_get(a, names[i])),
                   fuzz_str(vcard_fields_get(b, names[i])));
}

/* Keeps the one card of a re-import. */
static int take(void *ud, const struct vcardtext_card *c)
{
    return vcardtext_card_copy(ud, c) == 0 ? 0 : 1;
}

static void check_text(const char *w)
{
    for (const char *p = w; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\t' ||
                       (*p == '\r' && p[1] == '\n') ||
                       (*p == '\n' && p > w && p[-1] == '\r'),
                   "the export holds control character 0x%02x:\n%s",
                   (unsigned char)*p, w);
}

/* Through vcard-temp: the built card's XML must parse to the same fields. */
static void check_vcard_temp(const struct vcardtext_card *c)
{
    static xmpp_ctx_t *ctx;
    struct vcard_fields g = {0};
    xmpp_stanza_t *v, *back;
    char *xml;

    if (!ctx)
        ctx = xmpp_ctx_new(NULL, NULL);
    v = vcardtext_to_vcard_temp(ctx, c);
    FUZZ_CHECK(v != NULL, "vcardtext_to_vcard_temp failed");
    xml = vcard_to_text(v);
    back = xml ? vcard_from_text(ctx, xml) : NULL;
    FUZZ_CHECK(back != NULL, "the vcard-temp card does not parse: %s",
               fuzz_str(xml));
    FUZZ_CHECK(vcard_parse(back, &g) == 0, "vcard_parse failed");
    check_same(&c->f, &g, "text -> card -> vcard-temp -> card");
    vcard_fields_clear(&g);
    xmpp_stanza_release(back);
    xmpp_stanza_release(v);
    free(xml);
}

static int on_card(void *ud, const struct vcardtext_card *c)
{
    struct vcardtext_card again = {0};
    char *w = vcardtext_write(c), *w2, *err = NULL;
    int n;

    (void)ud;
    FUZZ_CHECK(w != NULL, "export failed");
    check_text(w);
    n = vcardtext_parse(w, take, &again, &err);
    FUZZ_CHECK(n == 1, "the export does not import as one card (%d: %s):\n%s",
               n, fuzz_str(err), w);
    check_same(&c->f, &again.f, "text -> card -> .vcf -> card");
    w2 = vcardtext_write(&again);
    FUZZ_CHECK(w2 && strcmp(w, w2) == 0,
               "exporting the re-imported card differs:\n%s\n%s", w,
               fuzz_str(w2));
    check_vcard_temp(c);
    free(w);
    free(w2);
    free(err);
    vcardtext_card_clear(&again);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size), *err = NULL;
    int n;

    if (!text)
        return 0;
    n = vcardtext_parse(text, on_card, NULL, &err);
    FUZZ_CHECK(n > 0 ? err == NULL : err != NULL,
               "import gave %d with message '%s'", n, fuzz_str(err));
    free(err);
    free(text);
    return 0;
}
