// SPDX-License-Identifier: MIT
/*
 * The inih shim carries every line unchanged: the bytes inih would interpret (';', '#', '[',
 * '=', ':', whitespace, a BOM, control bytes, NUL, its own escape byte), lines of any length
 * with escape pairs across its chunk boundary, and random files, with the right numbers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/ini_stream.h"
#include "prng.h"
#include "tap.h"
#include "util/strbuf.h"

/* What the callback saw: each line as "<lineno>:<len>:<bytes>\n". */
static void collect(void *ctx, const char *line, size_t len, unsigned int lineno)
{
	struct strbuf *sb = ctx;

	strbuf_printf(sb, "%u:%zu:", lineno, len);
	strbuf_append(sb, line, len);
	strbuf_putc(sb, line[len] == '\0' ? '\n' : '!');
}

/* What it should have seen: the input cut at each newline. */
static void expect(struct strbuf *sb, const char *in, size_t len)
{
	unsigned int lineno = 0;

	for (size_t at = 0; at < len;) {
		const char *nl = memchr(in + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (in + at)) : len - at;

		strbuf_printf(sb, "%u:%zu:", ++lineno, n);
		strbuf_append(sb, in + at, n);
		strbuf_putc(sb, '\n');
		at += n + (nl ? 1 : 0);
	}
}

static bool carried(const char *in, size_t len)
{
	struct strbuf got, want;
	FILE *f = len ? fmemopen((void *)in, len, "r") : fopen("/dev/null", "r");
	int ret;
	bool r;

	strbuf_init(&got);
	strbuf_init(&want);
	ret = ini_stream_parse(f, collect, &got);
	fclose(f);
	expect(&want, in, len);
	r = ret == 0 && got.len == want.len && (!got.len || !memcmp(got.buf, want.buf, got.len));
	if (!r)
		printf("# ret %d, %zu bytes seen, %zu expected\n", ret, got.len, want.len);
	strbuf_free(&got);
	strbuf_free(&want);
	return r;
}

#define T(in, name) ok(carried(in, sizeof(in) - 1), name)

static void test_table(void)
{
	/* 1 */ T("", "an empty file has no line");
	/* 2 */ T("\n", "one empty line");
	/* 3 */ T("a", "a last line without a newline");
	/* 4 */ T("a\n\n\nb\n", "empty lines keep their numbers");
	/* 5 */ T("[Peer]\n[Peer]\n[Peer]\n", "headers are lines like any other");
	/* 6 */ T("; x = y ; z\n# c\nk : v\nk=v=w\n=\n[a]b]\n", "inih's syntax is not interpreted");
	/* 7 */ T("  lead\ttab\t \ntrail  \r\n\v\f\r\n", "whitespace and CR are kept");
	/* 8 */ T("\xef\xbb\xbfkey = v\n\xef\xbb\xbf\n", "a BOM on line 1 reaches the caller");
	/* 9 */ T("a\0b\n\0\n\0", "NUL bytes are carried");
	/* 10 */ T("\x10\x10P\x10\n\x7f\x80\xff\x01\x1f\n",
		   "the escape byte itself, DEL, high and control bytes");
	/* 11 */ T("\t\t\t\xef\xbb\xbf\t\t= alp\n", "a BOM after blanks (a fuzzer's crash)");
}

static void test_long(void)
{
	static const size_t sizes[] = { 79,  80,  81,  159, 160, 161,  162,
					199, 200, 201, 320, 321, 4096, 100000 };
	static const char fill[] = { 'a', ';', ' ', '\x10', '\0' };
	char name[96];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); ++s) {
		for (size_t c = 0; c < sizeof(fill); ++c) {
			struct strbuf in;

			strbuf_init(&in);
			/* One plain byte first: escape pairs then straddle every chunk boundary. */
			strbuf_putc(&in, 'k');
			for (size_t i = 1; i < sizes[s]; ++i)
				strbuf_putc(&in, fill[c]);
			strbuf_puts(&in, "\nnext\n");
			snprintf(name, sizeof(name),
				 "a %zu-byte line of 0x%02x, and the line after it", sizes[s],
				 (unsigned char)fill[c]);
			ok(carried(in.buf, in.len), "%s", name);
			strbuf_free(&in);
		}
	}
}

static void test_random(void)
{
	static const char alphabet[] = "\n\n\n\n ;#[]=:\t\r\x10\x00\xef\xbb\xbf"
				       "aZ9";
	char buf[2048];
	bool all = true;

	for (int round = 0; round < 300; ++round) {
		size_t len = (size_t)(rnd() % sizeof(buf));

		for (size_t i = 0; i < len; ++i)
			buf[i] = rnd() % 4 ? alphabet[rnd() % (sizeof(alphabet) - 1)] : (char)rnd();
		if (!carried(buf, len)) {
			all = false;
			break;
		}
	}
	ok(all, "300 random files are carried line by line");
}

static ssize_t failing_read(void *cookie, char *buf, size_t size)
{
	int *calls = cookie;

	if ((*calls)++)
		return -1;
	return (ssize_t)snprintf(buf, size, "first\nsecond");
}

static void test_read_error(void)
{
	cookie_io_functions_t io = { .read = failing_read };
	struct strbuf got;
	int calls = 0, ret;
	FILE *f = fopencookie(&calls, "r", io);

	strbuf_init(&got);
	ret = ini_stream_parse(f, collect, &got);
	fclose(f);
	ok(ret == -EIO, "a read error is -EIO (got %d)", ret);
	ok(got.buf && !strncmp(got.buf, "1:5:first\n", 10),
	   "the line before the error was passed on");
	strbuf_free(&got);
}

int main(void)
{
	test_table();
	test_long();
	test_random();
	test_read_error();
	return done_testing();
}
