// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/crypto.h"
#include "fleet/cache.h"
#include "fleet/fetch.h"
#include "fleet/peerlists.h"
#include "fleet/signature.h"
#include "model/peerlist.h"
#include "util/file.h"

struct ctx {
	const struct wg_config *conf;
	const char *conf_path, *ifname;
	enum peerlist_mode mode;
	struct diag_list *diag;
};

/* The bytes of one list and, when keys are configured, of its signature file. */
struct copy {
	char *body, *sig;
	size_t len, sig_len;
};

static void copy_free(struct copy *c)
{
	free(c->body);
	free(c->sig);
	memset(c, 0, sizeof(*c));
}

static bool signed_lists(const struct ctx *c)
{
	return c->conf->peer_list_keys.n > 0;
}

/* Verifies (when keys are configured) and parses a copy; problems go to `d`, named by `label`. */
static int validate(const struct ctx *c, const char *label, const struct copy *copy, struct wg_config *list,
		    struct diag_list *d)
{
	struct diag_list parse;
	int ret;

	memset(list, 0, sizeof(*list));
	if (signed_lists(c) && !copy->sig) {
		diag_error(d, 0, "%s: no signature, and PeerListKey requires one", label);
		return -EPERM;
	}
	if (signed_lists(c) && !signature_check(copy->sig, copy->sig_len, c->conf->peer_list_keys.v,
						 c->conf->peer_list_keys.n, copy->body, copy->len)) {
		diag_error(d, 0, "%s: the signature does not verify with any PeerListKey", label);
		return -EPERM;
	}
	diag_init(&parse, label);
	ret = peerlist_parse(list, copy->body, copy->len, &parse);
	diag_absorb(d, &parse);
	diag_free(&parse);
	if (ret)
		config_free(list);
	return ret;
}

static int read_local(const struct ctx *c, const char *source, struct copy *copy)
{
	char path[4096], dir[4096], sig[4104];
	int ret;

	snprintf(dir, sizeof(dir), "%s", c->conf_path);
	if (source[0] == '/')
		snprintf(path, sizeof(path), "%s", source);
	else if (snprintf(path, sizeof(path), "%s/%s", dirname(dir), source) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if ((ret = file_read_all(path, fetch_max_size(), &copy->body, &copy->len)) < 0) {
		diag_error(c->diag, 0, "%s: cannot read `%s': %s", source, path, strerror(-ret));
		return ret;
	}
	if (!signed_lists(c))
		return 0;
	signature_location(sig, sizeof(sig), path);
	ret = file_read_all(sig, SIGNATURE_MAX_SIZE, &copy->sig, &copy->sig_len);
	if (ret < 0 && ret != -ENOENT) {
		diag_error(c->diag, 0, "%s: cannot read `%s': %s", source, sig, strerror(-ret));
		return ret;
	}
	return 0;
}

static int fetch_signature(const struct ctx *c, const char *url, struct copy *copy, struct diag_list *d)
{
	struct fetch_request req = { .ca_file = c->conf->peer_list_ca, .max_bytes = SIGNATURE_MAX_SIZE };
	struct fetch_response resp;
	char sig_url[4104], error[512];
	int ret;

	if (signature_location(sig_url, sizeof(sig_url), url) < 0)
		return -ENAMETOOLONG;
	req.url = sig_url;
	ret = fetch_url(&req, &resp, error, sizeof(error));
	/* A missing signature is reported by validate(), in the words every source shares. */
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		diag_error(d, 0, "%s: cannot fetch its signature: %s", url, error);
		return ret;
	}
	copy->sig_len = resp.body.len;
	copy->sig = strbuf_detach(&resp.body);
	fetch_response_free(&resp);
	return copy->sig ? 0 : -ENOMEM;
}

static void remember(const struct ctx *c, const char *cache, const char *url, const struct copy *copy,
		     const struct fetch_response *resp)
{
	struct cache_entry e = {
		.url = (char *)url,
		.etag = resp->etag,
		.last_modified = resp->last_modified,
		.body = copy->body,
		.len = copy->len,
	};
	uint8_t sig[ED25519_SIGNATURE_SIZE];
	char sig_text[SIGNATURE_TEXT_SIZE];
	int ret;

	if (copy->sig && signature_parse(sig, copy->sig, copy->sig_len)) {
		signature_format(sig_text, sig);
		e.signature = sig_text;
	}
	ret = cache_store(cache, &e);
	if (ret < 0)
		diag_warn(c->diag, 0, "%s: cannot keep a copy in `%s': %s", url, cache, strerror(-ret));
}

/* The cached copy, if there is one that still verifies and parses. */
static bool load_cached(const struct ctx *c, const char *cache, const char *url, struct cache_entry *e,
			struct wg_config *list)
{
	struct copy copy = { 0 };
	struct diag_list ignored;
	bool ok;

	if (cache_load(cache, url, e) < 0)
		return false;
	copy.body = e->body;
	copy.len = e->len;
	copy.sig = e->signature;
	copy.sig_len = e->signature ? strlen(e->signature) : 0;
	diag_init(&ignored, NULL);
	ok = validate(c, url, &copy, list, &ignored) == 0;
	diag_free(&ignored);
	return ok;
}

/* A fresh copy: fetched (200), its signature fetched, verified, parsed, then cached. */
static int fetch_fresh(const struct ctx *c, const char *url, const char *cache, struct fetch_request *req,
		       struct wg_config *list, bool *not_modified, struct diag_list *d)
{
	struct fetch_response resp;
	struct copy fresh = { 0 };
	char error[512];
	int ret;

	*not_modified = false;
	ret = fetch_url(req, &resp, error, sizeof(error));
	if (ret < 0) {
		diag_error(d, 0, "%s: cannot fetch: %s", url, error);
		return ret;
	}
	if (resp.status == FETCH_NOT_MODIFIED) {
		*not_modified = true;
		fetch_response_free(&resp);
		return 0;
	}
	fresh.len = resp.body.len;
	fresh.body = strbuf_detach(&resp.body);
	ret = fresh.body ? 0 : -ENOMEM;
	if (ret == 0 && signed_lists(c))
		ret = fetch_signature(c, url, &fresh, d);
	if (ret == 0)
		ret = validate(c, url, &fresh, list, d);
	if (ret == 0)
		remember(c, cache, url, &fresh, &resp);
	fetch_response_free(&resp);
	copy_free(&fresh);
	return ret;
}

static int obtain_url(const struct ctx *c, const char *url, struct wg_config *list, struct peerlist_result *r)
{
	struct fetch_request req = { .url = url, .ca_file = c->conf->peer_list_ca };
	struct wg_config cached_list;
	struct diag_list attempt;
	struct cache_entry e;
	bool have_cache, not_modified = false, fallback;
	char cache[4096];
	int ret;

	if ((ret = cache_path(cache, sizeof(cache), c->ifname, url)) < 0)
		return ret;
	have_cache = load_cached(c, cache, url, &e, &cached_list);
	if (have_cache) {
		req.etag = e.etag;
		req.last_modified = e.last_modified;
	}
	diag_init(&attempt, NULL);
	if (c->mode == PEERLIST_CACHE_ONLY)
		ret = have_cache ? 0 : -ENOENT;
	else
		ret = fetch_fresh(c, url, cache, &req, list, &not_modified, &attempt);
	fallback = ret < 0 && have_cache && c->mode == PEERLIST_FETCH_OR_CACHE;
	/* With a good copy to fall back on, a failed fetch is still shown, as a warning. */
	for (size_t i = 0; i < attempt.count; ++i)
		diag_add(c->diag, fallback ? DIAG_WARNING : attempt.items[i].severity, 0, "%s", attempt.items[i].message);
	diag_free(&attempt);
	if (c->mode == PEERLIST_CACHE_ONLY && !have_cache)
		diag_error(c->diag, 0, "%s: no cached copy in `%s'", url, cache);
	if (fallback)
		diag_warn(c->diag, 0, "%s: using the last good copy, `%s'", url, cache);
	if (fallback || (ret == 0 && (not_modified || c->mode == PEERLIST_CACHE_ONLY))) {
		r->origin = not_modified ? PEERLIST_NOT_MODIFIED : PEERLIST_CACHED;
		*list = cached_list;
		have_cache = false;
		ret = 0;
	} else if (ret == 0) {
		r->origin = PEERLIST_FRESH;
	}
	if (have_cache)
		config_free(&cached_list);
	cache_entry_free(&e);
	return ret;
}

static int obtain(const struct ctx *c, const char *source, struct wg_config *list, struct peerlist_result *r)
{
	struct copy copy = { 0 };
	int ret;

	r->source = source;
	memset(list, 0, sizeof(*list));
	if (strstr(source, "://") && strncasecmp(source, "file://", 7))
		return obtain_url(c, source, list, r);
	r->origin = PEERLIST_LOCAL;
	ret = read_local(c, strncasecmp(source, "file://", 7) ? source : source + 7, &copy);
	if (ret == 0)
		ret = validate(c, source, &copy, list, c->diag);
	copy_free(&copy);
	return ret;
}

int peerlists_expand(struct wg_config *conf, const char *conf_path, const char *ifname, enum peerlist_mode mode,
		     const uint8_t *own, struct peerlists *out)
{
	struct ctx c = { .conf = conf, .conf_path = conf_path, .ifname = ifname, .mode = mode, .diag = &out->diag };
	uint8_t own_key[WG_KEY_LEN];
	struct wg_config *lists;
	size_t n = conf->peer_lists.n;
	int ret = 0, err;

	memset(out, 0, sizeof(*out));
	diag_init(&out->diag, NULL);
	if (!n)
		return 0;
	lists = calloc(n, sizeof(*lists));
	out->lists = calloc(n, sizeof(*out->lists));
	if (!lists || !out->lists) {
		free(lists);
		return -ENOMEM;
	}
	out->n = n;
	for (size_t i = 0; i < n; ++i) {
		if ((err = obtain(&c, conf->peer_lists.v[i], &lists[i], &out->lists[i])) < 0 && !ret)
			ret = err;
	}
	if (!own && (conf->device->flags & WGDEVICE_HAS_PRIVATE_KEY) &&
	    curve25519_generate_public(own_key, conf->device->private_key))
		own = own_key;
	for (size_t i = 0; i < n; ++i) {
		if (ret == 0)
			out->lists[i].peers = peerlist_merge(conf->device, lists[i].device, conf->peer_lists.v[i], own);
		config_free(&lists[i]);
	}
	free(lists);
	if (ret == 0)
		ret = peerlist_check_duplicates(conf->device, conf_path, &out->diag);
	return ret;
}

void peerlists_free(struct peerlists *pl)
{
	free(pl->lists);
	diag_free(&pl->diag);
	memset(pl, 0, sizeof(*pl));
}

const char *peerlist_origin_name(enum peerlist_origin origin)
{
	static const char *const names[] = {
		[PEERLIST_LOCAL] = "local file",
		[PEERLIST_FRESH] = "fetched",
		[PEERLIST_NOT_MODIFIED] = "not modified",
		[PEERLIST_CACHED] = "cached copy",
	};

	return names[origin];
}
