// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness, differential: the config model's writer against its reader. A config that
 * parses (in the wg, wg-quick or peer-list grammar) is written as `wg showconf` writes it
 * (model/emit.c) and read back in the wg grammar: the device read back is the same device (same
 * UAPI get text: keys, port, fwmark, every peer with its endpoint, keepalive and allowed IPs in
 * order), and writing it again gives the same text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/config.h"
#include "model/emit.h"
#include "model/uapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const struct strbuf *a, const struct strbuf *b)
{
	fprintf(stderr, "%s\n%s---\n%s", what, a && a->buf ? a->buf : "",
		b && b->buf ? b->buf : "");
	abort();
}

static bool same(const struct strbuf *a, const struct strbuf *b)
{
	return a->oom || b->oom ||
	       (a->len == b->len && (!a->len || !memcmp(a->buf, b->buf, a->len)));
}

static void roundtrip(const struct wg_device *dev)
{
	struct strbuf text, again, get1, get2;
	struct wg_config back;
	struct diag_list d;
	FILE *f;

	strbuf_init(&text);
	strbuf_init(&again);
	strbuf_init(&get1);
	strbuf_init(&get2);
	emit_showconf(&text, dev);
	if (text.oom)
		goto out;
	f = fmemopen(text.buf, text.len ? text.len : 1, "r");
	if (!f)
		goto out;
	diag_init(&d, "showconf");
	if (config_read_stream(&back, f, CONFIG_GRAMMAR_WG, &d)) {
		diag_print(&d, stderr);
		fail("showconf does not parse back", &text, NULL);
	}
	fclose(f);
	emit_showconf(&again, back.device);
	if (!same(&text, &again))
		fail("showconf of the device read back differs", &text, &again);
	uapi_format_get(&get1, dev);
	uapi_format_get(&get2, back.device);
	if (!same(&get1, &get2))
		fail("the device read back differs", &get1, &get2);
	config_free(&back);
	diag_free(&d);
out:
	strbuf_free(&text);
	strbuf_free(&again);
	strbuf_free(&get1);
	strbuf_free(&get2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int g = CONFIG_GRAMMAR_WG; g <= CONFIG_GRAMMAR_PEERS; ++g) {
		struct wg_config conf;
		struct diag_list d;
		FILE *f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");

		if (!f)
			return 0;
		diag_init(&d, "fuzz");
		if (!config_read_stream(&conf, f, (enum config_grammar)g, &d))
			roundtrip(conf.device);
		fclose(f);
		config_free(&conf);
		diag_free(&d);
	}
	return 0;
}
