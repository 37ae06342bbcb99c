/* The photo of a vcard-temp card (PHOTO with TYPE and base64 BINVAL):
 * checking an image, reading, replacing and exporting it. */
#ifndef CARDX_CARD_VCARD_PHOTO_H
#define CARDX_CARD_VCARD_PHOTO_H

#include <stddef.h>
#include <strophe.h>

#include "common/errors.h"

/* The largest photo cardx puts in a card, in bytes of image data. Base64
 * makes it 4/3 larger in the card, so with the text fields a card with a
 * photo stays under cardxd's default [limits] vcard_max of 64 KiB; a
 * server with a smaller limit refuses the card with not-acceptable. A
 * 256x256 JPEG face at ordinary quality is 10..25 KiB. */
#define VCARD_PHOTO_MAX_BYTES 32768

/* The name a profile (xep/cardx.md section 15) gives the photo beside the
 * text fields of vcard_field_names(), which it is not one of: it is an
 * element of its own, not a line of text. */
#define VCARD_PHOTO_FIELD "photo"

/* What an image is, as read from its own header. */
struct vcard_photo_info {
    const char *mime;  /* "image/jpeg" or "image/png" (static) */
    const char *label; /* "JPEG" or "PNG" (static), vCard 3.0's TYPE */
    unsigned width, height;
    size_t size; /* bytes of image data */
};

/* Checks that data is a JPEG (SOI, then segments up to a start-of-frame
 * giving the dimensions) or a PNG (signature, then an IHDR chunk first),
 * with non-zero dimensions, and at most max_bytes long. Returns 0 with
 * *info filled (info may be NULL), or CX_EINVAL with *why (may be NULL)
 * pointing at a static reason. */
int vcard_photo_check(const unsigned char *data, size_t len, size_t max_bytes,
                      struct vcard_photo_info *info, const char **why);

/* The photo of vcard, decoded from its BINVAL (whitespace in the base64
 * is allowed, as XEP-0054 cards often wrap it) and checked as
 * vcard_photo_check does, without a size limit. Returns 0 with *data (the
 * caller frees it with free()), *len and *info; CX_ENOTFOUND when the card
 * has no PHOTO with a BINVAL; CX_EINVAL when it is not base64 or not a
 * JPEG or PNG (*why says which); or CX_ENOMEM. */
int vcard_photo_get(xmpp_stanza_t *vcard, unsigned char **data, size_t *len,
                    struct vcard_photo_info *info, const char **why);

/* A new copy of vcard with its PHOTO elements replaced by one holding
 * data (TYPE: info->mime, BINVAL: base64), or removed when data is NULL;
 * every other child is kept. The caller checked data with
 * vcard_photo_check. The caller releases the result; NULL on allocation
 * failure or when vcard is not a vcard-temp vCard. */
xmpp_stanza_t *vcard_photo_set(xmpp_ctx_t *ctx, xmpp_stanza_t *vcard,
                               const unsigned char *data, size_t len,
                               const struct vcard_photo_info *info);

/* The photo of vcard as one unfolded, unescaped vCard text content line
 * (no line end): "PHOTO:data:image/jpeg;base64,..." for version 4
 * (RFC 6350 data URI) or "PHOTO;ENCODING=b;TYPE=JPEG:..." for version 3
 * (RFC 2426). Returns 0 with *line (caller frees), CX_ENOTFOUND when the
 * card has no usable photo, or CX_ENOMEM. */
int vcard_photo_vcf_line(xmpp_stanza_t *vcard, int version, char **line);

#endif
