// SPDX-License-Identifier: MIT
/* libFuzzer harness: the config parser in both grammars, then everything that reads its result. */
#include <stdint.h>
#include <stdio.h>

#include "model/config.h"
#include "model/emit.h"
#include "model/lint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int g = CONFIG_GRAMMAR_WG; g <= CONFIG_GRAMMAR_QUICK; ++g) {
		struct wg_config conf;
		struct diag_list d;
		struct strbuf sb;
		FILE *f;

		f = size ? fmemopen((void *)data, size, "r") : fopen("/dev/null", "r");
		if (!f)
			return 0;
		diag_init(&d, "fuzz");
		if (!config_read_stream(&conf, f, (enum config_grammar)g, &d)) {
			strbuf_init(&sb);
			emit_showconf(&sb, conf.device);
			config_lint(&conf, &d);
			strbuf_free(&sb);
		}
		fclose(f);
		config_free(&conf);
		diag_free(&d);
	}
	return 0;
}
