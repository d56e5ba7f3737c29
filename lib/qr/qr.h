/* SPDX-License-Identifier: MIT */
/*
 * QR codes of a text (a client's config for a phone): Debian's libqrencode makes the modules,
 * and they are drawn here, without I/O, as UTF-8 half blocks for a terminal or as a PNG (a
 * 1-bit greyscale image written with zlib alone: all a QR code needs of the format).
 */
#ifndef WGCTL_QR_QR_H
#define WGCTL_QR_QR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strbuf.h"

struct qr {
	unsigned int width; /* modules per side */
	uint8_t *dark;      /* width * width, row-major, 1: dark */
};

/* Text as 8-bit data, error correction level L, the smallest version that holds it. -errno. */
int qr_encode(struct qr *q, const char *text);
void qr_free(struct qr *q);
static inline bool qr_dark(const struct qr *q, unsigned int x, unsigned int y)
{
	return x < q->width && y < q->width && q->dark[y * q->width + x];
}

/*
 * Two module rows per text line with a 2-module quiet zone. Light modules are the blocks, as
 * `qrencode -t UTF8` draws them: on the usual light-on-dark terminal the code reads dark on light.
 */
void qr_utf8(struct strbuf *sb, const struct qr *q);
/* A PNG of `scale` pixels per module and a 4-module quiet zone. 0, -ENOMEM or -EOVERFLOW. */
int qr_png(struct strbuf *sb, const struct qr *q, unsigned int scale);

#endif
