// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: both UAPI parsers; whatever parses must format and re-parse to the same text.
 * Differentially, the codec's get -> set round trip: a device read from a get reply, written as
 * the set request that recreates it (what `wg showconf | wg setconf` does over UAPI) and read
 * back, is the same configuration (same showconf).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/emit.h"
#include "model/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_abort(const struct strbuf *a, const struct strbuf *b, const char *what)
{
	if (a->oom || b->oom)
		return;
	if (a->len != b->len || memcmp(a->buf, b->buf, a->len)) {
		fprintf(stderr, "%s round trip differs:\n%s---\n%s", what, a->buf, b->buf);
		abort();
	}
}

static void check_set(const char *text, size_t len)
{
	struct wg_device *a = NULL, *b = NULL;
	struct strbuf t1, t2, why;

	strbuf_init(&t1);
	strbuf_init(&t2);
	strbuf_init(&why);
	if (uapi_parse_set(&a, text, len, &why))
		goto out;
	uapi_format_set(&t1, a);
	/* The request starts with the operation line; the parser takes the body after it. */
	if (uapi_parse_set(&b, t1.buf + 6, t1.len - 6, &why)) {
		fprintf(stderr, "formatted set does not parse: %s\n%s", why.buf, t1.buf);
		abort();
	}
	uapi_format_set(&t2, b);
	same_or_abort(&t1, &t2, "set");
out:
	model_device_free(a);
	model_device_free(b);
	strbuf_free(&t1);
	strbuf_free(&t2);
	strbuf_free(&why);
}

static void check_get(const char *text, size_t len)
{
	struct wg_device *a = NULL, *b = NULL;
	struct strbuf t1, t2;

	strbuf_init(&t1);
	strbuf_init(&t2);
	if (uapi_parse_get(&a, text, len))
		goto out;
	uapi_format_get(&t1, a);
	if (uapi_parse_get(&b, t1.buf, t1.len)) {
		fprintf(stderr, "formatted get does not parse:\n%s", t1.buf);
		abort();
	}
	uapi_format_get(&t2, b);
	same_or_abort(&t1, &t2, "get");
out:
	model_device_free(a);
	model_device_free(b);
	strbuf_free(&t1);
	strbuf_free(&t2);
}

static void check_get_set(const char *text, size_t len)
{
	struct wg_device *a = NULL, *b = NULL;
	struct strbuf req, c1, c2, why;

	strbuf_init(&req);
	strbuf_init(&c1);
	strbuf_init(&c2);
	strbuf_init(&why);
	if (uapi_parse_get(&a, text, len))
		goto out;
	uapi_format_set(&req, a);
	if (req.oom)
		goto out;
	if (uapi_parse_set(&b, req.buf + 6, req.len - 6, &why)) {
		fprintf(stderr, "a get device does not make a valid set: %s\n%s", why.buf, req.buf);
		abort();
	}
	emit_showconf(&c1, a);
	emit_showconf(&c2, b);
	same_or_abort(&c1, &c2, "get -> set");
out:
	model_device_free(a);
	model_device_free(b);
	strbuf_free(&req);
	strbuf_free(&c1);
	strbuf_free(&c2);
	strbuf_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_set((const char *)data, size);
	check_get((const char *)data, size);
	check_get_set((const char *)data, size);
	return 0;
}
