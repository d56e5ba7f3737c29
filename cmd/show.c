// SPDX-License-Identifier: MIT
/* `show`: which interfaces and which form; the forms themselves are in show_format.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "cmd/show.h"
#include "orch/orch.h"
#include "model/config.h"
#include "model/locate.h"

void show_names_load(struct show_names *names, const char *ifname)
{
	struct config_location loc = { 0 };
	struct wg_config conf = { 0 };
	struct diag_list d;
	char *tried = NULL;

	names->conf = NULL;
	if (config_locate(ifname, &loc, &tried) < 0) {
		free(tried);
		return;
	}
	diag_init(&d, loc.path);
	if (config_read_file(&conf, loc.path, CONFIG_GRAMMAR_QUICK, &d) == 0) {
		names->conf = conf.device;
		conf.device = NULL;
	}
	config_free(&conf);
	diag_free(&d);
	config_location_free(&loc);
	free(tried);
}

void show_names_free(struct show_names *names)
{
	model_device_free(names->conf);
	names->conf = NULL;
}

const char *show_names_find(const struct show_names *names, const uint8_t public_key[WG_KEY_LEN])
{
	const struct wg_peer *p;

	if (!names || !names->conf)
		return NULL;
	p = model_find_peer(names->conf, public_key);
	return p ? p->name : NULL;
}

static int show_usage(void)
{
	cmd_usage(cmd_find("show", CMD_WGCTL), true);
	return 1;
}

static int flush(struct strbuf *out)
{
	int ret = out->oom ? -ENOMEM : 0;

	if (ret == 0 && out->len && fwrite(out->buf, 1, out->len, stdout) != out->len)
		ret = -EIO;
	strbuf_reset(out);
	return ret;
}

enum show_form { SHOW_PRETTY, SHOW_FIELD, SHOW_JSON };

/* Names appear only through wgctl itself, so that `wg show` stays byte-identical to wg's. */
static int show_one(struct strbuf *out, struct wg_device *dev, enum show_form form,
		    const char *field, bool with_interface)
{
	struct show_names names = { 0 };
	bool want_names = form != SHOW_FIELD && !strcmp(prog_name, "wgctl");

	if (want_names)
		show_names_load(&names, dev->name);
	if (form == SHOW_PRETTY)
		show_pretty(out, dev, want_names ? &names : NULL);
	else if (form == SHOW_JSON)
		show_json(out, dev, &names);
	else if (!show_field(out, dev, field, with_interface))
		return -EINVAL;
	show_names_free(&names);
	return 0;
}

static int show_all(struct strbuf *out, enum show_form form, const char *field)
{
	struct strlist names = { 0 };
	struct wg_device *dev;
	int ret = backend_list(&names), status;

	if (ret < 0) {
		fprintf(stderr, "Unable to list interfaces: %s\n", strerror(-ret));
		return 1;
	}
	status = names.n ? 1 : 0;
	if (form == SHOW_JSON)
		strbuf_puts(out, "[");
	for (size_t i = 0; i < names.n; ++i) {
		ret = backend_get(names.v[i], &dev);
		if (ret < 0) {
			fprintf(stderr, "Unable to access interface %s: %s\n", names.v[i],
				strerror(-ret));
			continue;
		}
		ret = show_one(out, dev, form, field, true);
		model_device_free(dev);
		if (ret < 0) {
			fprintf(stderr, "Invalid parameter: `%s'\n", field);
			status = show_usage();
			break;
		}
		if (form == SHOW_PRETTY && i + 1 < names.n)
			strbuf_puts(out, "\n");
		if (form == SHOW_JSON && i + 1 < names.n)
			strbuf_puts(out, ",");
		status = 0;
		if (flush(out) < 0)
			break;
	}
	if (form == SHOW_JSON)
		strbuf_puts(out, "]\n");
	strlist_free(&names);
	return status;
}

static int show_interfaces(struct strbuf *out)
{
	struct strlist names = { 0 };
	int ret = backend_list(&names);

	if (ret < 0) {
		fprintf(stderr, "Unable to list interfaces: %s\n", strerror(-ret));
		return 1;
	}
	for (size_t i = 0; i < names.n; ++i)
		strbuf_printf(out, "%s%c", names.v[i], i + 1 < names.n ? ' ' : '\n');
	strlist_free(&names);
	return 0;
}

static int show_single(struct strbuf *out, const char *ifname, enum show_form form,
		       const char *field)
{
	struct wg_device *dev;
	int ret = backend_get(ifname, &dev);

	if (ret < 0) {
		fprintf(stderr, "Unable to access interface: %s\n", strerror(-ret));
		return 1;
	}
	ret = show_one(out, dev, form, field, false);
	model_device_free(dev);
	if (ret < 0) {
		fprintf(stderr, "Invalid parameter: `%s'\n", field);
		return show_usage();
	}
	if (form == SHOW_JSON)
		strbuf_puts(out, "\n");
	return 0;
}

int cmd_show(int argc, const char *argv[])
{
	enum show_form form = SHOW_PRETTY;
	const char *field = NULL;
	struct strbuf out;
	int status;

	/* --json is wgctl's own and may stand anywhere after the subcommand. */
	if (argc > 1 && !strcmp(argv[argc - 1], "--json") && !strcmp(prog_name, "wgctl")) {
		form = SHOW_JSON;
		--argc;
	}
	if (argc > 3 || (form == SHOW_JSON && argc > 2))
		return show_usage();
	if (argc == 3) {
		form = SHOW_FIELD;
		field = argv[2];
	}
	strbuf_init(&out);
	if (argc == 1 || !strcmp(argv[1], "all"))
		status = show_all(&out, form, field);
	else if (!strcmp(argv[1], "interfaces"))
		status = argc > 2 ? show_usage() : show_interfaces(&out);
	else if (orch_netns_enter_recorded(argv[1]) < 0)
		status = 1;
	else
		status = show_single(&out, argv[1], form, field);
	if (flush(&out) < 0 || fflush(stdout)) {
		fprintf(stderr, "%s: show: %s\n", prog_name, strerror(errno ? errno : EIO));
		status = 1;
	}
	strbuf_free(&out);
	return status;
}
