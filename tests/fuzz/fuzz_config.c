// SPDX-License-Identifier: MIT
/* libFuzzer harness: the config parser in every grammar, then everything that reads its result. */
#include <stdint.h>
#include <stdio.h>

#include "model/config.h"
#include "model/emit.h"
#include "model/fleet_check.h"
#include "model/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
			strbuf_free(&sb);
		}
		fclose(f);
		config_free(&conf);
		diag_free(&d);
		fleet_result_free(&fr);
	}
	return 0;
}
