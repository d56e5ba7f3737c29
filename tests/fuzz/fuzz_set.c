// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the `set` argument grammar (model/set_args.c). The input is the argv after
 * `set IFNAME`, one word per NUL-separated field. The word after private-key or preshared-key
 * names a key file: `key', `empty', `short', `trailing' and `badb64' are files made in a private
 * directory at start, any other name one that does not exist. Hostnames resolve only when they
 * start with "ok", and nothing reaches a backend. Whatever parses must format as a UAPI set
 * request that parses back and formats to the same text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/uapi.h"
#include "model/set_args.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *name, *text;
} files[] = {
	{ "key", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n" },
	{ "empty", "" },
	{ "short", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3f" },
	{ "trailing", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk= x" },
	{ "badb64", "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm!=" },
};
enum { NFILES = sizeof(files) / sizeof(files[0]) };
static char dir[] = "/tmp/wgctl-fuzz-set.XXXXXX";
static char paths[NFILES + 1][sizeof(dir) + 16];

static void remove_files(void)
{
	for (size_t i = 0; i < NFILES; ++i)
		unlink(paths[i]);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	for (size_t i = 0; i < NFILES; ++i) {
		FILE *f;

		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, files[i].name);
		f = fopen(paths[i], "w");
		if (!f || fputs(files[i].text, f) < 0 || fclose(f))
			abort();
	}
	snprintf(paths[NFILES], sizeof(paths[NFILES]), "%s/absent", dir);
	atexit(remove_files);
	return 0;
}

/* The key file a word names: one of ours, or one that does not exist. */
static const char *keyfile(const char *word)
{
	for (size_t i = 0; i < NFILES; ++i) {
		if (!strcmp(word, files[i].name))
			return paths[i];
	}
	return paths[NFILES];
}

static int resolve(union wg_endpoint *ep, const char *text, struct diag_list *d, unsigned int line)
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
			if (i && (!strcmp(argv[i - 1], "private-key") ||
				  !strcmp(argv[i - 1], "preshared-key")))
				argv[i] = keyfile(argv[i]);
		}
		/* A trailing NUL ends the last word rather than adding an empty one. */
		if (size && !data[size - 1])
			--argc;
		diag_init(&d, NULL);
		if (argc > 0 && model_parse_set_args(dev, argc, argv, resolve, &d))
			roundtrip(dev);
		diag_free(&d);
	}
	model_device_free(dev);
	free(argv);
	free(text);
	return 0;
}
