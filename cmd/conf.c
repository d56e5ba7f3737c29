// SPDX-License-Identifier: MIT
/* setconf, addconf, syncconf and showconf: a config file in, a device out, through a backend. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/resolve.h"
#include "cmd/cmd.h"
#include "model/emit.h"
#include "model/config.h"
#include "model/syncconf.h"
#include "orch/orch.h"
#include "util/strbuf.h"

enum conf_mode { CONF_SET, CONF_ADD, CONF_SYNC };

static int usage_error(const char *name)
{
	cmd_usage(cmd_find(name, CMD_WGCTL), true);
	return 1;
}

/* Reads the file with wg's grammar; prints every diagnostic. 0 or 1. */
static int read_conf(const char *path, struct wg_config *conf)
{
	struct diag_list d;
	int ret;

	memset(conf, 0, sizeof(*conf));
	diag_init(&d, path);
	ret = config_read_file(conf, path, CONFIG_GRAMMAR_WG, &d);
	if (ret == 0)
		ret = resolve_device_endpoints(conf->device, &d);
	diag_print(&d, stderr);
	if (ret == -EINVAL)
		fprintf(stderr, "Configuration parsing error\n");
	else if (ret)
		fprintf(stderr, "%s: `%s': %s\n", prog_name, path, strerror(-ret));
	diag_free(&d);
	if (ret) {
		/* A file that failed still holds what was parsed of it (config_read_file). */
		config_free(conf);
		return 1;
	}
	return 0;
}

static int apply_conf(int argc, const char *argv[], enum conf_mode mode)
{
	struct wg_device *running = NULL;
	struct wg_config conf;
	int ret;

	if (argc != 3)
		return usage_error(argv[0]);
	if (read_conf(argv[2], &conf))
		return 1;
	if (mode == CONF_SYNC) {
		ret = backend_get(argv[1], &running);
		if (ret < 0) {
			fprintf(stderr, "Unable to access interface: %s\n", strerror(-ret));
			config_free(&conf);
			return 1;
		}
	}
	if (mode != CONF_ADD)
		config_mark_setconf(conf.device);
	ret = mode == CONF_SYNC ? model_syncconf(conf.device, running) : 0;
	if (ret == 0)
		ret = backend_set(argv[1], conf.device);
	if (ret < 0)
		fprintf(stderr, "Unable to modify interface: %s\n", strerror(-ret));
	model_device_free(running);
	config_free(&conf);
	return ret < 0 ? 1 : 0;
}

int cmd_setconf(int argc, const char *argv[])
{
	return apply_conf(argc, argv, CONF_SET);
}

int cmd_addconf(int argc, const char *argv[])
{
	return apply_conf(argc, argv, CONF_ADD);
}

int cmd_syncconf(int argc, const char *argv[])
{
	return apply_conf(argc, argv, CONF_SYNC);
}

int cmd_showconf(int argc, const char *argv[])
{
	struct wg_device *dev = NULL;
	struct strbuf out;
	int ret;

	if (argc != 2)
		return usage_error(argv[0]);
	/* A kernel link that `up` moved into a namespace answers only there. */
	ret = orch_netns_enter_recorded(argv[1]);
	if (!ret)
		ret = backend_get(argv[1], &dev);
	if (ret < 0) {
		fprintf(stderr, "Unable to access interface: %s\n", strerror(-ret));
		return 1;
	}
	strbuf_init(&out);
	emit_showconf(&out, dev);
	ret = out.oom ? -ENOMEM : 0;
	if (ret == 0 && (fwrite(out.buf, 1, out.len, stdout) != out.len || fflush(stdout)))
		ret = -errno;
	if (ret < 0)
		fprintf(stderr, "%s: showconf: %s\n", prog_name, strerror(-ret));
	strbuf_free(&out);
	model_device_free(dev);
	return ret < 0 ? 1 : 0;
}
