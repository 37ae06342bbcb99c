/* The photo of a vcard-temp card: the image checked by its own header,
 * decoded from and encoded into PHOTO/BINVAL, and written as vCard text. */
#include "card/vcard_photo.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "card/vcard.h"
#include "card/vcard_int.h"
#include "common/util.h"
#include "xep/stanza.h"

static const unsigned char png_sig[8] = {0x89, 'P',  'N',  'G',
                                         '\r', '\n', 0x1A, '\n'};

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* PNG: the signature, then IHDR must be the first chunk (PNG spec 5.6)
 * with length 13, width and height at offsets 16 and 20. */
static const char *png_check(const unsigned char *d, size_t len,
                             struct vcard_photo_info *info)
{
    if (len < 8 + 8 + 13 || be32(d + 8) != 13 || memcmp(d + 12, "IHDR", 4))
        return "the PNG has no image header (IHDR)";
    info->mime = "image/png";
    info->label = "PNG";
    info->width = be32(d + 16);
    info->height = be32(d + 20);
    return NULL;
}

/* Whether a JPEG marker is a start-of-frame: C0..CF but DHT (C4), JPG (C8)
 * and DAC (CC), which share the range. */
static int jpeg_is_sof(unsigned m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

/* JPEG: SOI, then segments (marker, 16-bit length) up to a start-of-frame,
 * whose payload is precision, height, width. Reaching the scan (SOS) or
 * the end first means there is no frame header. */
static const char *jpeg_check(const unsigned char *d, size_t len,
                              struct vcard_photo_info *info)
{
    size_t i = 2;

    while (i + 4 <= len) {
        unsigned m = d[i + 1], seglen;
        if (d[i] != 0xFF)
            break;
        if (m == 0xFF) { /* fill byte before a marker */
            i++;
            continue;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { /* no length */
            i += 2;
            continue;
        }
        if (m == 0xDA || m == 0xD9)
            break;
        seglen = be16(d + i + 2);
        if (seglen < 2 || i + 2 + seglen > len)
            break;
        if (jpeg_is_sof(m)) {
            if (seglen < 7)
                break;
            info->mime = "image/jpeg";
            info->label = "JPEG";
            info->height = be16(d + i + 5);
            info->width = be16(d + i + 7);
            return NULL;
        }
        i += 2 + seglen;
    }
    return "the JPEG has no frame header (SOF) with its size";
}

int vcard_photo_check(const unsigned char *data, size_t len, size_t max_bytes,
                      struct vcard_photo_info *info, const char **why)
{
    struct vcard_photo_info tmp = {0};
    const char *reason;

    if (len >= sizeof(png_sig) && memcmp(data, png_sig, sizeof(png_sig)) == 0)
        reason = png_check(data, len, &tmp);
    else if (len >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF)
        reason = jpeg_check(data, len, &tmp);
    else
        reason = "not a JPEG or PNG image";
    if (!reason && (tmp.width == 0 || tmp.height == 0))
        reason = "the image has no width or height";
    if (!reason && len > max_bytes)
        reason = "the image is larger than the photo limit";
    if (why)
        *why = reason;
    if (reason)
        return CX_EINVAL;
    tmp.size = len;
    if (info)
        *info = tmp;
    return 0;
}

/* The base64 text of BINVAL without whitespace (malloc'd, into *out; NULL
 * when there is none). Returns 0 or CX_ENOMEM. */
static int binval_text(xmpp_stanza_t *vcard, char **out)
{
    xmpp_stanza_t *photo = vcard_child(vcard, "PHOTO");
    xmpp_stanza_t *bin = photo ? vcard_child(photo, "BINVAL") : NULL;
    char *text = bin ? xmpp_stanza_get_text(bin) : NULL;
    char *d, *s;

    *out = NULL;
    if (!bin)
        return 0;
    if (!text)
        return CX_ENOMEM;
    for (s = d = text; *s; s++)
        if (!vcard_is_space(*s))
            *d++ = *s;
    *d = '\0';
    *out = strdup(text);
    xmpp_free(xmpp_stanza_get_context(vcard), text);
    return *out ? 0 : CX_ENOMEM;
}

int vcard_photo_get(xmpp_stanza_t *vcard, unsigned char **data, size_t *len,
                    struct vcard_photo_info *info, const char **why)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(vcard);
    unsigned char *bin = NULL;
    size_t binlen = 0;
    char *b64;
    int rc = binval_text(vcard, &b64);

    *data = NULL;
    *len = 0;
    if (why)
        *why = NULL;
    if (rc != 0)
        return rc;
    if (!b64 || !*b64) {
        free(b64);
        return CX_ENOTFOUND;
    }
    xmpp_base64_decode_bin(ctx, b64, strlen(b64), &bin, &binlen);
    free(b64);
    if (!bin) {
        if (why)
            *why = "the photo is not valid base64";
        return CX_EINVAL;
    }
    rc = vcard_photo_check(bin, binlen, SIZE_MAX, info, why);
    if (rc == 0) {
        *data = malloc(binlen ? binlen : 1);
        if (*data) {
            memcpy(*data, bin, binlen);
            *len = binlen;
        } else {
            rc = CX_ENOMEM;
        }
    }
    xmpp_free(ctx, bin);
    return rc;
}

/* Adds <PHOTO><TYPE/><BINVAL/></PHOTO> for data under vcard. */
static int add_photo(xmpp_ctx_t *ctx, xmpp_stanza_t *vcard,
                     const unsigned char *data, size_t len,
                     const struct vcard_photo_info *info)
{
    xmpp_stanza_t *photo = stanza_add_child(ctx, vcard, "PHOTO", NULL);
    char *b64 = photo ? xmpp_base64_encode(ctx, data, len) : NULL;
    int rc = b64 ? 0 : CX_ENOMEM;

    if (rc == 0)
        rc = stanza_add_text_child(ctx, photo, "TYPE", info->mime);
    if (rc == 0)
        rc = stanza_add_text_child(ctx, photo, "BINVAL", b64);
    if (b64)
        xmpp_free(ctx, b64);
    return rc;
}

xmpp_stanza_t *vcard_photo_set(xmpp_ctx_t *ctx, xmpp_stanza_t *vcard,
                               const unsigned char *data, size_t len,
                               const struct vcard_photo_info *info)
{
    xmpp_stanza_t *out, *c, *copy;
    int rc = 0;

    if (!vcard_is_vcard(vcard))
        return NULL;
    out = vcard_shallow_copy(ctx, vcard);
    if (!out)
        return NULL;
    for (c = xmpp_stanza_get_children(vcard); c && rc == 0;
         c = xmpp_stanza_get_next(c)) {
        if (vcard_is_elem(c, "PHOTO"))
            continue;
        copy = xmpp_stanza_copy(c);
        if (!copy || xmpp_stanza_add_child_ex(out, copy, 0) != XMPP_EOK) {
            if (copy)
                xmpp_stanza_release(copy);
            rc = CX_ENOMEM;
        }
    }
    if (rc == 0 && data)
        rc = add_photo(ctx, out, data, len, info);
    if (rc != 0) {
        xmpp_stanza_release(out);
        return NULL;
    }
    return out;
}

int vcard_photo_vcf_line(xmpp_stanza_t *vcard, int version, char **line)
{
    xmpp_ctx_t *ctx = xmpp_stanza_get_context(vcard);
    struct vcard_photo_info info;
    unsigned char *data;
    size_t len;
    char *b64;
    int rc = vcard_photo_get(vcard, &data, &len, &info, NULL);

    *line = NULL;
    if (rc == CX_EINVAL)
        return CX_ENOTFOUND;
    if (rc != 0)
        return rc;
    b64 = xmpp_base64_encode(ctx, data, len);
    free(data);
    if (!b64)
        return CX_ENOMEM;
    if (version >= 4)
        *line = str_printf("PHOTO:data:%s;base64,%s", info.mime, b64);
    else
        *line = str_printf("PHOTO;ENCODING=b;TYPE=%s:%s", info.label, b64);
    xmpp_free(ctx, b64);
    return *line ? 0 : CX_ENOMEM;
}
