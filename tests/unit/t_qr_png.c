// SPDX-License-Identifier: MIT
/*
 * The QR drawings: the PNG is read back (signature, chunk CRCs, IHDR, inflated rows) and every
 * pixel compared with the module it stands for; the UTF-8 drawing likewise, cell by cell.
 * (t0480 decodes both kinds of output with zbarimg, the real counterpart.)
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "qr/qr.h"
#include "tests/unit/tap.h"

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return ntohl(v);
}

static void test_png(const struct qr *q, unsigned int scale)
{
	struct strbuf sb;
	const uint8_t *p;
	size_t side = (q->width + 8) * scale, row = 1 + (side + 7) / 8, at = 8, bad = 0;
	uLongf raw_len = row * side;
	uint8_t *raw = malloc(raw_len);
	bool crcs = true, idat = false;

	strbuf_init(&sb);
	must(qr_png(&sb, q, scale));
	p = (const uint8_t *)sb.buf;
	ok(sb.len > 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8), "scale %u: PNG signature", scale);
	while (at + 12 <= sb.len) {
		uint32_t len = get32(p + at);

		if (crc32(0, p + at + 4, len + 4) != get32(p + at + 8 + len))
			crcs = false;
		if (!memcmp(p + at + 4, "IHDR", 4))
			ok(get32(p + at + 8) == side && get32(p + at + 12) == side &&
				   p[at + 16] == 1 && p[at + 17] == 0,
			   "scale %u: IHDR %zux%zu, 1-bit grey", scale, side, side);
		if (!memcmp(p + at + 4, "IDAT", 4))
			idat = uncompress(raw, &raw_len, p + at + 8, len) == Z_OK &&
			       raw_len == row * side;
		at += 12 + len;
	}
	ok(crcs && at == sb.len, "scale %u: chunks and CRCs", scale);
	ok(idat, "scale %u: IDAT inflates to the rows", scale);
	for (size_t y = 0; idat && y < side; ++y) {
		for (size_t x = 0; x < side; ++x) {
			bool white = raw[y * row + 1 + x / 8] & (0x80 >> (x % 8));
			long mx = (long)(x / scale) - 4, my = (long)(y / scale) - 4;
			bool dark = mx >= 0 && my >= 0 && qr_dark(q, (unsigned)mx, (unsigned)my);

			bad += white == dark || raw[y * row] != 0;
		}
	}
	ok(idat && !bad, "scale %u: every pixel is its module (%zu wrong)", scale, bad);
	free(raw);
	strbuf_free(&sb);
}

static void test_utf8(const struct qr *q)
{
	struct strbuf sb;
	size_t lines = 0, bad = 0;
	const char *s;

	strbuf_init(&sb);
	qr_utf8(&sb, q);
	strbuf_putc(&sb, '\0');
	s = sb.buf;
	for (int y = -2; *s; y += 2, ++lines) {
		for (int x = -2; *s && *s != '\n'; ++x) {
			bool up = qr_dark(q, (unsigned)x, (unsigned)y),
			     down = qr_dark(q, (unsigned)x, (unsigned)y + 1);
			const char *want = up && down ? " "
					   : up       ? "\u2584"
					   : down     ? "\u2580"
						      : "\u2588";

			if (y + 1 >= (int)q->width + 2)
				want = up ? " " : "\u2580";
			bad += strncmp(s, want, strlen(want)) != 0;
			s += *s == ' ' ? 1 : 3;
		}
		s += *s == '\n';
	}
	ok(lines == (q->width + 4 + 1) / 2 && !bad, "UTF-8: %zu lines, %zu wrong cells", lines,
	   bad);
	strbuf_free(&sb);
}

int main(void)
{
	struct qr q;
	char big[4000];

	must(qr_encode(&q, "[Interface]\nPrivateKey = x\n"));
	ok(q.width >= 21 && (q.width - 17) % 4 == 0, "a QR side: %u modules", q.width);
	ok(qr_dark(&q, 0, 0) && qr_dark(&q, 6, 6) && !qr_dark(&q, 7, 7) && !qr_dark(&q, q.width, 0),
	   "finder pattern in the corner");
	test_png(&q, 1);
	test_png(&q, 7);
	test_utf8(&q);
	qr_free(&q);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(qr_encode(&q, big) < 0 && !q.dark, "too long for any version: an error");
	return done_testing();
}
