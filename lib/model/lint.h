/* SPDX-License-Identifier: MIT */
#ifndef WGCTL_MODEL_LINT_H
#define WGCTL_MODEL_LINT_H

#include "model/config.h"

/* Warnings about a config that parses but will not do what its author likely meant. */
void config_lint(const struct wg_config *conf, struct diag_list *d);

#endif
