// SPDX-License-Identifier: MIT
#include <arpa/inet.h>
#include <errno.h>
#include <qrencode.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "qr/qr.h"

enum { UTF8_QUIET = 2, PNG_QUIET = 4 };

int qr_encode(struct qr *q, const char *text)
{
	QRcode *c;
	size_t n;

	memset(q, 0, sizeof(*q));
	errno = 0;
	c = QRcode_encodeString(text, 0, QR_ECLEVEL_L, QR_MODE_8, 1);
	if (!c)
		return errno ? -errno : -EINVAL; /* ERANGE: too long for any version */
	n = (size_t)c->width * (size_t)c->width;
	q->dark = malloc(n);
	if (!q->dark) {
		QRcode_free(c);
		return -ENOMEM;
	}
	q->width = (unsigned int)c->width;
	/* Bit 0 of each libqrencode byte is the module's colour; the others are its bookkeeping. */
	for (size_t i = 0; i < n; ++i)
		q->dark[i] = c->data[i] & 1;
	QRcode_free(c);
	return 0;
}

void qr_free(struct qr *q)
{
	free(q->dark);
	memset(q, 0, sizeof(*q));
}

void qr_utf8(struct strbuf *sb, const struct qr *q)
{
	static const char *const cell[4] = { "\u2588", "\u2584", "\u2580", " " };
	int lo = -UTF8_QUIET, hi = (int)q->width + UTF8_QUIET;

	for (int y = lo; y < hi; y += 2) {
		for (int x = lo; x < hi; ++x) {
			/* index bits: 1 = upper module dark, 2 = lower module dark */
			unsigned int i = (unsigned)qr_dark(q, (unsigned)x, (unsigned)y) |
					 (unsigned)qr_dark(q, (unsigned)x, (unsigned)y + 1) << 1;

			if (y + 1 >= hi)
				i |= 2; /* below the quiet zone: nothing, drawn as the terminal's
					   own */
			strbuf_puts(sb, cell[i]);
		}
		strbuf_putc(sb, '\n');
	}
}

static void put32(struct strbuf *sb, uint32_t v)
{
	v = htonl(v);
	strbuf_append(sb, (const char *)&v, 4);
}

static void chunk(struct strbuf *sb, const char type[4], const uint8_t *data, size_t len)
{
	uLong crc = crc32(0, (const Bytef *)type, 4);

	put32(sb, (uint32_t)len);
	strbuf_append(sb, type, 4);
	if (len) {
		strbuf_append(sb, (const char *)data, len);
		crc = crc32(crc, data, (uInt)len);
	}
	put32(sb, (uint32_t)crc);
}

int qr_png(struct strbuf *sb, const struct qr *q, unsigned int scale)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	size_t side, row, raw_len;
	uLongf z_len;
	uint8_t ihdr[13], *raw, *z;
	int ret = 0;

	if (!scale || q->width > 1000 || scale > 64)
		return -EOVERFLOW;
	side = (q->width + 2 * PNG_QUIET) * scale;
	row = 1 + (side + 7) / 8;
	raw_len = row * side;
	raw = calloc(1, raw_len);
	z_len = compressBound((uLong)raw_len);
	z = malloc(z_len);
	if (!raw || !z) {
		ret = -ENOMEM;
		goto out;
	}
	/* Filter type 0 on every row; a set bit is white (greyscale, depth 1). */
	for (size_t y = 0; y < side; ++y) {
		uint8_t *r = raw + y * row + 1;

		for (size_t x = 0; x < side; ++x) {
			long mx = (long)(x / scale) - PNG_QUIET, my = (long)(y / scale) - PNG_QUIET;

			if (!(mx >= 0 && my >= 0 && qr_dark(q, (unsigned)mx, (unsigned)my)))
				r[x / 8] |= (uint8_t)(0x80 >> (x % 8));
		}
	}
	if (compress2(z, &z_len, raw, (uLong)raw_len, 9) != Z_OK) {
		ret = -ENOMEM;
		goto out;
	}
	strbuf_append(sb, (const char *)sig, sizeof(sig));
	for (int i = 0; i < 2; ++i) {
		uint32_t v = htonl((uint32_t)side);

		memcpy(ihdr + 4 * i, &v, 4);
	}
	ihdr[8] = 1;  /* bit depth */
	ihdr[9] = 0;  /* greyscale */
	ihdr[10] = 0; /* deflate */
	ihdr[11] = 0; /* adaptive filtering (all rows: none) */
	ihdr[12] = 0; /* not interlaced */
	chunk(sb, "IHDR", ihdr, sizeof(ihdr));
	chunk(sb, "IDAT", z, z_len);
	chunk(sb, "IEND", NULL, 0);
	if (sb->oom)
		ret = -ENOMEM;
out:
	free(raw);
	free(z);
	return ret;
}
