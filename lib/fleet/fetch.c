// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fleet/fetch.h"

enum {
	DEFAULT_TIMEOUT_SECONDS = 30,
	CONNECT_TIMEOUT_SECONDS = 10,
	DEFAULT_MAX_SIZE = 16 << 20,
	MAX_REDIRECTS = 5,
};

struct transfer {
	struct fetch_response *resp;
	size_t max_bytes;
	bool too_big;
};

static long env_number(const char *name, long fallback)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (!v || !*v)
		return fallback;
	n = strtol(v, &end, 10);
	return *end || n <= 0 ? fallback : n;
}

long fetch_timeout(void)
{
	return env_number("WGCTL_FETCH_TIMEOUT", DEFAULT_TIMEOUT_SECONDS);
}

size_t fetch_max_size(void)
{
	return (size_t)env_number("WGCTL_FETCH_MAX_SIZE", DEFAULT_MAX_SIZE);
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;

	/* The cap counts decoded bytes, so a compressed bomb stops here too. */
	if (t->resp->body.len + n > t->max_bytes) {
		t->too_big = true;
		return 0;
	}
	strbuf_append(&t->resp->body, data, n);
	return t->resp->body.oom ? 0 : size * n;
}

static char *header_value(const char *line, size_t len, const char *name)
{
	size_t nlen = strlen(name);

	if (len <= nlen || strncasecmp(line, name, nlen) || line[nlen] != ':')
		return NULL;
	line += nlen + 1;
	len -= nlen + 1;
	while (len && isspace((unsigned char)*line))
		++line, --len;
	while (len && isspace((unsigned char)line[len - 1]))
		--len;
	return strndup(line, len);
}

static void replace(char **slot, char *value)
{
	if (!value)
		return;
	free(*slot);
	*slot = value;
}

static size_t on_header(char *line, size_t size, size_t n, void *ctx)
{
	struct transfer *t = ctx;

	/* Each response of a redirect chain starts with its status line: keep the last one's. */
	if (n >= 5 && !strncmp(line, "HTTP/", 5)) {
		free(t->resp->etag);
		free(t->resp->last_modified);
		t->resp->etag = t->resp->last_modified = NULL;
	}
	replace(&t->resp->etag, header_value(line, n, "ETag"));
	replace(&t->resp->last_modified, header_value(line, n, "Last-Modified"));
	return size * n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_global;

static void global_init(void)
{
	curl_global = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static struct curl_slist *conditions(const struct fetch_request *req, bool *oom)
{
	struct curl_slist *list = NULL, *next;
	char line[1024];

	*oom = false;
	if (req->etag &&
	    snprintf(line, sizeof(line), "If-None-Match: %s", req->etag) < (int)sizeof(line)) {
		if (!(next = curl_slist_append(list, line)))
			goto fail;
		list = next;
	}
	if (req->last_modified && snprintf(line, sizeof(line), "If-Modified-Since: %s",
					   req->last_modified) < (int)sizeof(line)) {
		if (!(next = curl_slist_append(list, line)))
			goto fail;
		list = next;
	}
	return list;
fail:
	curl_slist_free_all(list);
	*oom = true;
	return NULL;
}

static int setup(CURL *curl, const struct fetch_request *req, struct transfer *t,
		 struct curl_slist *headers, char *curl_error)
{
	bool https = !strncasecmp(req->url, "https://", 8);
	long timeout = req->timeout_seconds ? req->timeout_seconds : fetch_timeout();
	CURLcode c = CURLE_OK;

/* Stops at the first option libcurl refuses. */
#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (c == CURLE_OK)                                                                 \
			c = curl_easy_setopt(curl, opt, val);                                      \
	} while (0)
	SET(CURLOPT_URL, req->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
	SET(CURLOPT_FOLLOWLOCATION, 1L);
	SET(CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_CONNECTTIMEOUT,
	    timeout < CONNECT_TIMEOUT_SECONDS ? timeout : (long)CONNECT_TIMEOUT_SECONDS);
	SET(CURLOPT_TIMEOUT, timeout);
	SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)req->max_bytes);
	SET(CURLOPT_ACCEPT_ENCODING, "");
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	SET(CURLOPT_USERAGENT, "wgctl/" WGCTL_VERSION);
	SET(CURLOPT_ERRORBUFFER, curl_error);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, t);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, t);
	if (headers)
		SET(CURLOPT_HTTPHEADER, headers);
	if (req->ca_file)
		SET(CURLOPT_CAINFO, req->ca_file);
#undef SET
	return c == CURLE_OK ? 0 : -EINVAL;
}

static int classify(CURLcode c)
{
	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_FILESIZE_EXCEEDED:
		return -EFBIG;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return -EPERM;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

int fetch_url(const struct fetch_request *req, struct fetch_response *resp, char *error,
	      size_t error_len)
{
	char curl_error[CURL_ERROR_SIZE] = "";
	struct transfer t = { .resp = resp,
			      .max_bytes = req->max_bytes ? req->max_bytes : fetch_max_size() };
	struct curl_slist *headers;
	CURL *curl = NULL;
	bool oom;
	CURLcode c;
	int ret;

	memset(resp, 0, sizeof(*resp));
	strbuf_init(&resp->body);
	pthread_once(&curl_once, global_init);
	headers = conditions(req, &oom);
	if (curl_global != CURLE_OK || oom || !(curl = curl_easy_init())) {
		snprintf(error, error_len, "cannot set up libcurl");
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = setup(curl, req, &t, headers, curl_error)) < 0) {
		snprintf(error, error_len, "libcurl refused an option (is it older than 7.85?)");
		goto out;
	}
	c = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &resp->http_code);
	if (t.too_big || c == CURLE_FILESIZE_EXCEEDED) {
		snprintf(error, error_len, "larger than the limit of %zu bytes", t.max_bytes);
		ret = -EFBIG;
	} else if (c != CURLE_OK) {
		snprintf(error, error_len, "%s",
			 curl_error[0] ? curl_error : curl_easy_strerror(c));
		ret = classify(c);
	} else if (resp->http_code == 304 && (req->etag || req->last_modified)) {
		resp->status = FETCH_NOT_MODIFIED;
	} else if (resp->http_code && (resp->http_code < 200 || resp->http_code > 299)) {
		snprintf(error, error_len, "the server answered HTTP %ld", resp->http_code);
		ret = resp->http_code == 404 ? -ENOENT : -EIO;
	} else if (resp->body.oom) {
		ret = -ENOMEM;
		snprintf(error, error_len, "%s", strerror(ENOMEM));
	}
out:
	if (ret < 0)
		fetch_response_free(resp);
	curl_slist_free_all(headers);
	if (curl)
		curl_easy_cleanup(curl);
	return ret;
}

void fetch_response_free(struct fetch_response *resp)
{
	strbuf_free(&resp->body);
	free(resp->etag);
	free(resp->last_modified);
	resp->etag = resp->last_modified = NULL;
}
