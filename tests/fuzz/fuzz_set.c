// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the `set` argument grammar (cmd/set.c's parse_args). The input is the argv
 * after `set IFNAME`, one word per NUL-separated field. Key files are served from memory
 * (`key`, `empty`, `short`, `trailing`, `badb64`; any other path does not exist), hostnames
 * resolve only when they start with "ok", and nothing reaches a backend. Whatever parses must
 * format as a UAPI set request that parses back and formats to the same text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/resolve.h"
#include "backend/uapi_proto.h"
#include "cmd/cmd.h"
#include "model/diag.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *sink;

static FILE *fuzz_fopen(const char *path, const char *mode)
{
	static const struct {
		const char *path, *text;
	} files[] = {
		{"key", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"},
		{"empty", ""},
		{"short", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3f"},
		{"trailing", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk= x"},
		{"badb64", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm!="},
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); ++i) {
		if (!strcmp(path, files[i].path)) {
			size_t n = strlen(files[i].text);

			/* fmemopen of 0 bytes fails; an empty file is an empty buffer opened "r".
			 */
			return fmemopen((void *)files[i].text, n ? n : 1, mode);
		}
	}
	errno = ENOENT;
	return NULL;
}

/* Stubs for what parse_args reaches outside the parser. */
int resolve_endpoint(union wg_endpoint *ep, const char *text, struct diag_list *d,
		     unsigned int line)
{
	if (strncmp(text, "ok", 2)) {
		diag_error(d, line, "Name or service not known: `%s'", text);
		return -EINVAL;
	}
	memset(ep, 0, sizeof(*ep));
	ep->addr4.sin_family = AF_INET;
	ep->addr4.sin_port = htons(51820);
	ep->addr4.sin_addr.s_addr = htonl(0x7f000001);
	return 0;
}

int backend_set(const char *ifname, const struct wg_device *delta)
{
	(void)ifname;
	(void)delta;
	return 0;
}

const struct cmd *cmd_find(const char *name, unsigned int personality)
{
	(void)name;
	(void)personality;
	return NULL;
}

void cmd_usage(const struct cmd *c, bool to_stderr)
{
	(void)c;
	(void)to_stderr;
}

#define fopen fuzz_fopen
#undef stderr
#define stderr	  sink
#define perror(s) fprintf(sink, "%s: %s\n", (s), strerror(errno))
#include "cmd/set.c"
#undef fopen
#undef stderr
#define stderr stderr
#undef perror

static void roundtrip(const struct wg_device *dev)
{
	struct wg_device *b = NULL;
	struct strbuf t1, t2, why;
	const struct wg_peer *p;

	for_each_wgpeer (dev, p) {
		if (!(p->flags & WGPEER_HAS_PUBLIC_KEY))
			abort();
	}
	strbuf_init(&t1);
	strbuf_init(&t2);
	strbuf_init(&why);
	uapi_format_set(&t1, dev);
	if (!t1.oom) {
		if (uapi_parse_set(&b, t1.buf + 6, t1.len - 6, &why)) {
			fprintf(stderr, "set delta does not format as a valid request: %s\n%s",
				why.buf, t1.buf);
			abort();
		}
		uapi_format_set(&t2, b);
		if (!t2.oom && (t1.len != t2.len || memcmp(t1.buf, t2.buf, t1.len))) {
			fprintf(stderr, "set round trip differs:\n%s---\n%s", t1.buf, t2.buf);
			abort();
		}
	}
	model_device_free(b);
	strbuf_free(&t1);
	strbuf_free(&t2);
	strbuf_free(&why);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const char **argv;
	struct wg_device *dev;
	struct diag_list d;
	int argc = 0;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (size_t i = 0; i < size; ++i)
		argc += !text[i];
	argc += 1;
	argv = calloc((size_t)argc + 1, sizeof(*argv));
	dev = model_device_new();
	if (argv && dev) {
		const char *w = text;

		for (int i = 0; i < argc; ++i) {
			argv[i] = w;
			w += strlen(w) + 1;
		}
		/* A trailing NUL ends the last word rather than adding an empty one. */
		if (size && !data[size - 1])
			--argc;
		diag_init(&d, NULL);
		if (argc > 0 && parse_args(dev, argc, argv, &d))
			roundtrip(dev);
		diag_free(&d);
	}
	model_device_free(dev);
	free(argv);
	free(text);
	return 0;
}
