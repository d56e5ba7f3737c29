/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_CMD_SHOW_H
#define WGCTL_CMD_SHOW_H

#include <stdbool.h>

#include "model/model.h"
#include "util/strbuf.h"

/* Friendly peer names from `# Name = ...` in the interface's config file, when there is one. */
struct show_names {
	struct wg_device *conf;
};

void show_names_load(struct show_names *names, const char *ifname);
void show_names_free(struct show_names *names);
const char *show_names_find(const struct show_names *names, const uint8_t public_key[WG_KEY_LEN]);

bool show_color_enabled(void);
/* wg's pretty form (sorts the peers); a `name:` line only when names is not NULL and knows one. */
void show_pretty(struct strbuf *out, struct wg_device *dev, const struct show_names *names);
/* One script field; false for an unknown one. */
bool show_field(struct strbuf *out, const struct wg_device *dev, const char *param,
		bool with_interface);
void show_json(struct strbuf *out, const struct wg_device *dev, const struct show_names *names);

#endif
