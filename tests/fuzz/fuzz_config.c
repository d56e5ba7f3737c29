// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the config parser in every grammar, then everything that reads its result,
 * key files included (read through a reader whose files the names choose: see fake_read).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "model/config.h"
#include "model/emit.h"
#include "model/fleet_check.h"
#include "model/keyfile.h"
#include "model/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A key file's name picks what it is: "good" a key (0644 with "w" too), "bad" not a key,
 * "fifo" a FIFO, "big" too long; anything else does not exist.
 */
static int fake_read(const char *path, void *buf, size_t cap, size_t *len, struct stat *st)
{
	static const char key[] = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n";
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	*len = 0;
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | (strchr(base, 'w') ? 0644 : 0600);
	if (strstr(base, "fifo")) {
		st->st_mode = S_IFIFO | 0600;
		return 0;
	}
	if (strstr(base, "big"))
		return -EFBIG;
	if (!strstr(base, "good") && !strstr(base, "bad"))
		return -ENOENT;
	*len = strstr(base, "good") ? sizeof(key) - 1 : 3;
	memcpy(buf, strstr(base, "good") ? key : "bad", *len < cap ? *len : cap);
	return 0;
}

/* Reads the key files as check does, then as up does, and everything strip and save do. */
static void key_files(struct wg_config *conf, struct diag_list *d)
{
	struct key_file_env env = { .config_path = "/fuzz/wg0.conf",
				    .credentials_dir = "/creds",
				    .read = fake_read,
				    .need = KEY_FILES_LINT };
	struct wg_device *running;
	struct strbuf sb;

	config_read_key_files(conf, &env, d);
	env.need = KEY_FILES_ALL;
	config_read_key_files(conf, &env, d);
	strbuf_init(&sb);
	config_strip_text(conf, &sb);
	running = model_device_copy(conf->device);
	if (running) {
		config_key_files_match(conf, running, d);
		emit_saved(&sb, running, conf);
	}
	model_device_free(running);
	strbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int g = CONFIG_GRAMMAR_WG; g <= CONFIG_GRAMMAR_PEERS; ++g) {
		struct wg_config conf;
		struct diag_list d;
		struct fleet_host host = { .conf = &conf, .source = "fuzz" };
		struct fleet_result fr;
		struct strbuf sb;
		FILE *f;

		f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
		if (!f)
			return 0;
		diag_init(&d, "fuzz");
		fleet_result_init(&fr);
		if (!config_read_stream(&conf, f, (enum config_grammar)g, &d)) {
			strbuf_init(&sb);
			emit_showconf(&sb, conf.device);
			config_lint(&conf, &d);
			fleet_check(&host, 1, true, &fr);
			key_files(&conf, &d);
			strbuf_free(&sb);
		}
		fclose(f);
		config_free(&conf);
		diag_free(&d);
		fleet_result_free(&fr);
	}
	return 0;
}
