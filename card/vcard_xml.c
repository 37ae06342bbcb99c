/* vcard-temp cards as XML text: the size check, serialising and reading. */
#include "card/vcard.h"

#include <stdlib.h>
#include <string.h>

#include "card/vcard_int.h"

/* Whether the serialised card holds a control character other than TAB
 * and LF: C0 (CR included, which only a character reference gets past an
 * XML parser), DEL, or C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F). */
static int has_control(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F)
            return 1;
        if (c == 0xC2 && i + 1 < len && (unsigned char)buf[i + 1] >= 0x80 &&
            (unsigned char)buf[i + 1] <= 0x9F)
            return 1;
    }
    return 0;
}

int vcard_check(xmpp_stanza_t *vcard, size_t max_bytes, const char **why)
{
    char *buf = NULL;
    size_t len = 0;
    const char *reason = NULL;
    int rc = VCARD_EINVAL, xrc = XMPP_EOK;

    if (!vcard_is_vcard(vcard))
        reason = "not a vcard-temp vCard";
    else if ((xrc = xmpp_stanza_to_text(vcard, &buf, &len)) != XMPP_EOK)
        reason = "the card could not be serialised";
    else if (len > max_bytes)
        reason = "the card is larger than the limit";
    else if (has_control(buf, len))
        reason = "the card contains control characters";
    if (buf)
        xmpp_free(xmpp_stanza_get_context(vcard), buf);
    if (why)
        *why = reason;
    if (xrc == XMPP_EMEM)
        rc = VCARD_ENOMEM;
    return reason ? rc : 0;
}

char *vcard_to_text(xmpp_stanza_t *vcard)
{
    char *buf = NULL, *copy;
    size_t len = 0;

    if (xmpp_stanza_to_text(vcard, &buf, &len) != XMPP_EOK)
        return NULL;
    copy = malloc(len + 1);
    if (copy) {
        memcpy(copy, buf, len);
        copy[len] = '\0';
    }
    xmpp_free(xmpp_stanza_get_context(vcard), buf);
    return copy;
}

/* Skips whitespace, a UTF-8 byte order mark and an XML declaration, which
 * xmpp_stanza_new_from_string rejects. */
static const char *skip_prolog(const char *xml)
{
    if (strncmp(xml, "\xEF\xBB\xBF", 3) == 0)
        xml += 3;
    while (vcard_is_space(*xml))
        xml++;
    if (strncmp(xml, "<?xml", 5) == 0) {
        const char *end = strstr(xml, "?>");
        if (!end)
            return NULL;
        xml = end + 2;
        while (vcard_is_space(*xml))
            xml++;
    }
    return xml;
}

xmpp_stanza_t *vcard_from_text(xmpp_ctx_t *ctx, const char *xml)
{
    xmpp_stanza_t *v;

    xml = xml ? skip_prolog(xml) : NULL;
    if (!xml || !*xml)
        return NULL;
    v = xmpp_stanza_new_from_string(ctx, xml);
    if (v && !vcard_is_vcard(v)) {
        xmpp_stanza_release(v);
        return NULL;
    }
    return v;
}
