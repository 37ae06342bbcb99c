/* The own card as a QR code: a vCard 3.0 phone cameras import, shrunk to
 * fit, drawn on a terminal or written as a PNG (libqrencode, libpng). */
#ifndef CARDX_CLIENT_QRCARD_H
#define CARDX_CLIENT_QRCARD_H

#include <stdio.h>

#include "common/errors.h"
#include "lib/cardx.h"

struct vcard_fields; /* card/vcard.h */

/* The largest QR version (size) cardx makes: 97x97 modules, which a phone
 * camera reads off a screen and a terminal still shows in 105 columns.
 * Error correction is level M (15%), so a smudged print still reads. */
#define QRCARD_MAX_VERSION 20
/* The light margin the QR specification asks for, in modules. */
#define QRCARD_QUIET_ZONE 4
/* Pixels per module in a PNG. */
#define QRCARD_PNG_SCALE 8

struct qrcard;

/* Encodes f as vCard 3.0 (N, FN, TEL;TYPE=CELL, EMAIL, ORG, TITLE,
 * ADR;TYPE=WORK, URL, NOTE) in a QR code of at most QRCARD_MAX_VERSION.
 * When the whole card does not fit, fields are left out one by one, the
 * least needed first (note, address, web, title, organisation, email),
 * until it does; qrcard_dropped says which. Returns 0 with *out (free it
 * with qrcard_free), CX_EINVAL when f has neither name nor phone or even
 * name and phone do not fit, or CX_ENOMEM. */
int qrcard_new(const struct vcard_fields *f, struct qrcard **out);
/* qrcard_new on a libcardx card's fields. */
int qrcard_new_card(const cardx_card *card, struct qrcard **out);
void qrcard_free(struct qrcard *q);

/* The vCard text the code holds (borrowed from q). */
const char *qrcard_text(const struct qrcard *q);

/* The field names (as vcard_field_names) left out to make the card fit,
 * NULL-terminated, empty when none (borrowed, static strings). */
const char *const *qrcard_dropped(const struct qrcard *q);

/* Draws the code on out with UTF-8 half blocks, two modules a character
 * row, inside the quiet zone. Light modules are printed as blocks, for a
 * terminal with light text on a dark background; invert for dark text on a
 * light one. Returns 0 or CX_EIO. */
int qrcard_print(const struct qrcard *q, FILE *out, int invert);

/* Writes the code as an 8-bit greyscale PNG at path, QRCARD_PNG_SCALE
 * pixels a module, with the quiet zone. Returns 0, CX_EIO (the file cannot
 * be written; errno tells why when a system call failed) or CX_ENOMEM. */
int qrcard_write_png(const struct qrcard *q, const char *path);

#endif
