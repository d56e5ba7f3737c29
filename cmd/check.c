// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "model/fleet_check.h"
#include "orch/orch.h"

struct checked {
	const char *arg;
	bool loaded;
	struct wg_config conf;
	struct config_location loc;
	struct diag_list d;
};

static const char *name_of(const struct checked *c)
{
	return c->loaded ? c->d.source : c->arg;
}

/* Parse warnings become findings so that JSON holds them; a file that did not load is one error. */
static int add_parse_findings(const struct checked *files, size_t n, struct fleet_result *r)
{
	int ret = 0;

	for (size_t k = 0; k < n && !ret; ++k) {
		struct fleet_finding f = { .severity = DIAG_ERROR,
					   .code = FLEET_PARSE,
					   .nloc = 1,
					   .loc = { { .file = name_of(&files[k]) } } };

		if (!files[k].loaded) {
			ret = fleet_add(
				r, &f,
				"the file did not load; its errors were printed on standard error");
			continue;
		}
		f.severity = DIAG_WARNING;
		for (size_t i = 0; i < files[k].d.count && !ret; ++i) {
			if (files[k].d.items[i].severity != DIAG_WARNING)
				continue;
			f.loc[0].line = files[k].d.items[i].line;
			ret = fleet_add(r, &f, "%s", files[k].d.items[i].message);
		}
	}
	return ret;
}

/*
 * What this host's DNS backend cannot do with a file's DNS servers (what `up` would refuse);
 * the backend is detected once, and only when some file sets servers.
 */
static int add_dns_findings(const struct checked *files, size_t n, struct fleet_result *r)
{
	enum orch_dns backend = ORCH_DNS_NONE;
	bool detected = false;
	struct diag_list d;
	int ret = 0;

	for (size_t k = 0; k < n && !ret; ++k) {
		if (!files[k].loaded || !files[k].conf.dns.n)
			continue;
		if (!detected)
			backend = orch_dns_detect();
		detected = true;
		diag_init(&d, NULL);
		orch_dns_lint(&files[k].conf, backend, &d);
		for (size_t i = 0; i < d.count && !ret; ++i) {
			struct fleet_finding f = { .severity = DIAG_WARNING,
						   .code = FLEET_DNS_BACKEND,
						   .nloc = 1,
						   .loc = { { .file = name_of(&files[k]),
							      .line = d.items[i].line } } };

			ret = fleet_add(r, &f, "%s", d.items[i].message);
		}
		diag_free(&d);
	}
	return ret;
}

static void print_finding(const struct fleet_finding *f)
{
	const char *warn = f->severity == DIAG_WARNING && strncmp(f->message, "Warning: ", 9)
				   ? "Warning: "
				   : "";

	if (f->loc[0].line)
		fprintf(stderr, "%s:%u: %s%s\n", f->loc[0].file, f->loc[0].line, warn, f->message);
	else
		fprintf(stderr, "%s: %s%s\n", f->loc[0].file, warn, f->message);
}

static bool names_a_file(const struct checked *files, size_t n, const struct fleet_finding *f)
{
	for (size_t k = 0; k < n; ++k) {
		if (files[k].loaded && f->loc[0].file == name_of(&files[k]))
			return true;
	}
	return false;
}

static const char *plural(unsigned int n)
{
	return n == 1 ? "" : "s";
}

/* Each file's own findings, then its `FILE: ok' line as before; then what is between files. */
static void print_text(const struct checked *files, size_t n, bool whole, size_t loaded,
		       const struct fleet_result *r)
{
	for (size_t k = 0; k < n; ++k) {
		unsigned int warnings = 0;

		if (!files[k].loaded)
			continue;
		for (size_t i = 0; i < r->count; ++i) {
			const struct fleet_finding *f = &r->items[i];

			if (f->fleet || f->loc[0].file != name_of(&files[k]))
				continue;
			/* cmd_load_config() has printed the parse diagnostics already. */
			if (strcmp(f->code, FLEET_PARSE))
				print_finding(f);
			warnings += f->severity == DIAG_WARNING;
		}
		printf("%s: ok", name_of(&files[k]));
		if (warnings)
			printf(" (%u warning%s)", warnings, plural(warnings));
		putchar('\n');
	}
	/* Between files, and inside shared peer lists (located in the list, not in a file above).
	 */
	for (size_t i = 0; i < r->count; ++i) {
		if (r->items[i].fleet || !names_a_file(files, n, &r->items[i]))
			print_finding(&r->items[i]);
	}
	if (n < 2)
		return;
	if (!whole)
		fprintf(stderr,
			"%s: the fleet was not checked as a whole: %zu of %zu files did not load\n",
			prog_name, n - loaded, n);
	printf("fleet: %zu files, %u error%s, %u warning%s\n", n, r->errors, plural(r->errors),
	       r->warnings, plural(r->warnings));
}

/* Bytes of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, surrogates), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; ++i) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	}
	return n;
}

/* Paths are bytes: what is not UTF-8 becomes U+FFFD so that the document stays valid JSON. */
static void json_string(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putchar('"');
	while (*s) {
		size_t n = *s >= 0x80 ? utf8_len(s) : 1;

		if (!n) {
			fputs("\\ufffd", stdout);
			++s;
		} else if (*s == '"' || *s == '\\') {
			printf("\\%c", *s++);
		} else if (*s < 0x20 || *s == 0x7f) {
			printf("\\u%04x", *s++);
		} else {
			fwrite(s, 1, n, stdout);
			s += n;
		}
	}
	putchar('"');
}

static void print_json(const struct checked *files, size_t n, bool whole,
		       const struct fleet_result *r)
{
	fputs("{\"files\":[", stdout);
	for (size_t k = 0; k < n; ++k) {
		fputs(k ? "," : "", stdout);
		json_string(name_of(&files[k]));
	}
	printf("],\"fleet\":%s,\"findings\":[", whole ? "true" : "false");
	for (size_t i = 0; i < r->count; ++i) {
		const struct fleet_finding *f = &r->items[i];

		printf("%s{\"severity\":\"%s\",\"code\":", i ? "," : "",
		       f->severity == DIAG_ERROR ? "error" : "warning");
		json_string(f->code);
		fputs(",\"message\":", stdout);
		json_string(f->message);
		fputs(",\"locations\":[", stdout);
		for (size_t l = 0; l < f->nloc; ++l) {
			fputs(l ? ",{\"file\":" : "{\"file\":", stdout);
			json_string(f->loc[l].file);
			printf(",\"line\":%u}", f->loc[l].line);
		}
		fputs("]}", stdout);
	}
	printf("],\"errors\":%u,\"warnings\":%u}\n", r->errors, r->warnings);
}

/*
 * Two or more files are one fleet, a host each: besides each file's own checks, what only shows
 * between them is checked too (model/fleet_check.c). `--json' may stand anywhere among the
 * arguments.
 */
int cmd_check(int argc, const char *argv[])
{
	struct fleet_host *hosts = NULL;
	struct checked *files = NULL;
	size_t n = 0, loaded = 0;
	struct fleet_result r;
	bool json = false, whole;
	int ret, status = 1;

	for (int i = 1; i < argc; ++i) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else
			++n;
	}
	if (!n) {
		cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
		return 1;
	}
	fleet_result_init(&r);
	files = calloc(n, sizeof(*files));
	hosts = calloc(n, sizeof(*hosts));
	ret = files && hosts ? 0 : -ENOMEM;
	for (int i = 1, k = 0; i < argc && !ret; ++i) {
		if (!strcmp(argv[i], "--json"))
			continue;
		files[k].arg = argv[i];
		files[k].loaded = !cmd_load_config(argv[i], &files[k].conf, &files[k].loc,
						   &files[k].d, KEY_FILES_LINT);
		/* Peers of shared lists count as the host's: local files and cached copies, no
		 * fetch. */
		if (files[k].loaded)
			cmd_expand_peer_lists(&files[k].conf, &files[k].loc, FLEET_LIST_CACHE_ONLY,
					      NULL, LISTS_SOME, false);
		if (files[k].loaded)
			hosts[loaded++] = (struct fleet_host){ .conf = &files[k].conf,
							       .source = files[k].d.source };
		++k;
	}
	if (!ret)
		ret = add_parse_findings(files, n, &r);
	if (!ret)
		ret = add_dns_findings(files, n, &r);
	whole = n >= 2 && loaded == n;
	if (!ret)
		ret = fleet_check(hosts, loaded, whole, &r);
	if (ret) {
		fprintf(stderr, "%s: %s\n", prog_name, strerror(-ret));
		goto out;
	}
	if (json)
		print_json(files, n, whole, &r);
	else
		print_text(files, n, whole, loaded, &r);
	status = r.errors ? 1 : 0;
out:
	for (size_t k = 0; files && k < n; ++k) {
		if (files[k].loaded)
			cmd_unload_config(&files[k].conf, &files[k].loc, &files[k].d);
	}
	fleet_result_free(&r);
	free(hosts);
	free(files);
	return status;
}
