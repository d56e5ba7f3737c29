/* SPDX-License-Identifier: MIT */
/* Hostname endpoints to addresses, retried as wg(8) retries (WG_ENDPOINT_RESOLUTION_RETRIES). */
#ifndef WGCTL_BACKEND_RESOLVE_H
#define WGCTL_BACKEND_RESOLVE_H

#include "model/diag.h"
#include "model/model.h"

/* "host:port" or "[host]:port" into ep: the first address getaddrinfo gives. 0 or -EINVAL. */
int resolve_endpoint(union wg_endpoint *ep, const char *text, struct diag_list *d,
		     unsigned int line);
/* Resolve every peer's endpoint_text; one diagnostic per failure. 0 or -EINVAL. */
int resolve_device_endpoints(struct wg_device *dev, struct diag_list *d);

#endif
