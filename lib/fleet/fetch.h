/* SPDX-License-Identifier: MIT */
/*
 * One HTTP(S) GET through libcurl, done the way a fleet needs it: conditional on the
 * cached copy's validators, TLS verified (against a private CA when one is named), bounded in
 * time and size, redirects kept to http(s) and never from https down to http.
 */
#ifndef WGCTL_FLEET_FETCH_H
#define WGCTL_FLEET_FETCH_H

#include <stddef.h>

#include "util/strbuf.h"

struct fetch_request {
	const char *url;
	/* Validators of the copy we hold, or NULL: a match is answered 304. */
	const char *etag, *last_modified;
	const char *ca_file;
	size_t max_bytes;
	long timeout_seconds;
};

enum fetch_status {
	FETCH_FRESH,
	FETCH_NOT_MODIFIED,
};

struct fetch_response {
	enum fetch_status status;
	long http_code;
	struct strbuf body;
	char *etag, *last_modified;
};

/* 0, or -errno with one line naming the cause in `error`. */
int fetch_url(const struct fetch_request *req, struct fetch_response *resp, char *error,
	      size_t error_len);
void fetch_response_free(struct fetch_response *resp);

/* Defaults, overridable by WGCTL_FETCH_TIMEOUT (seconds) and WGCTL_FETCH_MAX_SIZE (bytes). */
long fetch_timeout(void);
size_t fetch_max_size(void);

#endif
