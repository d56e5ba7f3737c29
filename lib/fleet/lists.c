// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "crypto/crypto.h"
#include "fleet/cache.h"
#include "fleet/fetch.h"
#include "fleet/liststate.h"
#include "fleet/lists.h"
#include "fleet/signature.h"
#include "model/peerlist.h"
#include "util/file.h"
#include "util/utctime.h"

struct ctx {
	const struct wg_config *conf;
	const char *conf_path, *ifname;
	enum fleet_list_mode mode;
	int64_t now;
	struct diag_list *diag;
};

/* The bytes of one list and, when keys are configured, of its signature file. */
struct copy {
	char *body, *sig;
	size_t len, sig_len;
};

/*
 * A copy as checked. status is 0 (usable), -EKEYEXPIRED (parsed, but expired: its peers are to
 * be retired), or another -errno (not usable).
 */
struct checked {
	int status;
	struct wg_config list;
	struct peerlist_header header;
};

/* What obtain() decided for one list. */
struct obtained {
	struct checked *use; /* the copy whose peers are used or retired; NULL when refused */
	struct checked fresh, cached;
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

/* The freshness rules (expiry, serial) hold only where a list's peers are applied. */
static bool applying(const struct ctx *c)
{
	return c->mode == FLEET_LIST_FETCH;
}

/* Copies every item of `from` into `to` as warnings: one list never fails the others. */
static void absorb_warnings(struct diag_list *to, const struct diag_list *from)
{
	struct diag_list tmp;

	diag_init(&tmp, NULL);
	diag_absorb(&tmp, from);
	for (size_t i = 0; i < tmp.count; ++i)
		diag_add(to, DIAG_WARNING, 0, "%s", tmp.items[i].message);
	diag_free(&tmp);
}

static int check_header(const struct ctx *c, const struct wg_peer_list_ref *ref,
			const struct peerlist_header *h, uint64_t floor, struct diag_list *d)
{
	const char *want = peer_list_expected_name(ref);

	if (!h->present && signed_lists(c)) {
		diag_warn(d, 0,
			  "%s: no " PEERLIST_HEADER_TAG
			  " header (name, serial, expiry), which a signed list needs: "
			  "sign it with `wgctl sign'",
			  ref->source);
		return -EPERM;
	}
	if (!h->present)
		return 0;
	if (strcmp(h->name, want)) {
		diag_warn(d, 0, "%s: the list is named `%s', but %s:%u expects `%s'", ref->source,
			  h->name, c->conf_path, ref->lineno, want);
		return -EPERM;
	}
	if (applying(c) && h->serial < floor) {
		diag_warn(d, 0,
			  "%s: serial %" PRIu64 " is lower than serial %" PRIu64
			  ", which this host accepted "
			  "before: refused as a rollback",
			  ref->source, h->serial, floor);
		return -ESTALE;
	}
	return 0;
}

/* Verifies (when keys are configured), reads the header, applies its rules, parses the peers. */
static void check_copy(const struct ctx *c, const struct wg_peer_list_ref *ref,
		       const struct copy *copy, uint64_t floor, struct checked *out,
		       struct diag_list *d)
{
	struct diag_list parse;

	memset(out, 0, sizeof(*out));
	if (signed_lists(c) && !copy->sig) {
		diag_warn(d, 0, "%s: no signature, and PeerListKey requires one", ref->source);
		out->status = -EPERM;
		return;
	}
	if (signed_lists(c) && !signature_check(copy->sig, copy->sig_len, c->conf->peer_list_keys.v,
						c->conf->peer_list_keys.n, copy->body, copy->len)) {
		diag_warn(d, 0, "%s: the signature does not verify with any PeerListKey",
			  ref->source);
		out->status = -EPERM;
		return;
	}
	diag_init(&parse, ref->source);
	out->status = peerlist_header_parse(&out->header, copy->body, copy->len, &parse);
	if (!out->status)
		out->status = peerlist_parse(&out->list, copy->body, copy->len, &parse);
	absorb_warnings(d, &parse);
	diag_free(&parse);
	if (!out->status)
		out->status = check_header(c, ref, &out->header, floor, d);
	if (!out->status && out->header.present && applying(c) && out->header.expires <= c->now)
		out->status = -EKEYEXPIRED;
	if (out->status && out->status != -EKEYEXPIRED)
		config_free(&out->list);
}

static void checked_free(struct checked *ch)
{
	config_free(&ch->list);
	memset(ch, 0, sizeof(*ch));
}

static int read_local(const struct ctx *c, const char *source, struct copy *copy,
		      struct diag_list *d)
{
	char path[4096], dir[4096], sig[4104];
	int ret;

	snprintf(dir, sizeof(dir), "%s", c->conf_path);
	if (source[0] == '/')
		snprintf(path, sizeof(path), "%s", source);
	else if (snprintf(path, sizeof(path), "%s/%s", dirname(dir), source) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	if ((ret = file_read_all(path, fetch_max_size(), &copy->body, &copy->len)) < 0) {
		diag_warn(d, 0, "%s: cannot read `%s': %s", source, path, strerror(-ret));
		return ret;
	}
	if (!signed_lists(c))
		return 0;
	signature_location(sig, sizeof(sig), path);
	ret = file_read_all(sig, SIGNATURE_MAX_SIZE, &copy->sig, &copy->sig_len);
	if (ret < 0 && ret != -ENOENT) {
		diag_warn(d, 0, "%s: cannot read `%s': %s", source, sig, strerror(-ret));
		return ret;
	}
	return 0;
}

static int fetch_signature(const struct ctx *c, const char *url, struct copy *copy,
			   struct diag_list *d)
{
	struct fetch_request req = { .ca_file = c->conf->peer_list_ca,
				     .max_bytes = SIGNATURE_MAX_SIZE };
	struct fetch_response resp;
	char sig_url[4104], error[512];
	int ret;

	if (signature_location(sig_url, sizeof(sig_url), url) < 0)
		return -ENAMETOOLONG;
	req.url = sig_url;
	ret = fetch_url(&req, &resp, error, sizeof(error));
	/* A missing signature is reported by check_copy(), in the words every source shares. */
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		diag_warn(d, 0, "%s: cannot fetch its signature: %s", url, error);
		return ret;
	}
	copy->sig_len = resp.body.len;
	copy->sig = strbuf_detach(&resp.body);
	fetch_response_free(&resp);
	return copy->sig ? 0 : -ENOMEM;
}

/* Keeps a good copy as the list's last good one (with its HTTP validators, when fetched). */
static void remember(const struct ctx *c, const char *cache, const char *source,
		     const struct copy *copy, const struct fetch_response *resp)
{
	struct cache_entry e = {
		.url = (char *)source,
		.etag = resp ? resp->etag : NULL,
		.last_modified = resp ? resp->last_modified : NULL,
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
		diag_warn(c->diag, 0, "%s: cannot keep a copy in `%s': %s", source, cache,
			  strerror(-ret));
}

/* The last good copy, checked; problems with it are not news (it was checked when it was kept). */
static void check_cached(const struct ctx *c, const struct wg_peer_list_ref *ref, const char *cache,
			 uint64_t floor, struct cache_entry *e, struct checked *out)
{
	struct copy copy = { 0 };
	struct diag_list quiet;

	memset(out, 0, sizeof(*out));
	if (cache_load(cache, ref->source, e) < 0) {
		out->status = -ENOENT;
		return;
	}
	copy.body = e->body;
	copy.len = e->len;
	copy.sig = e->signature;
	copy.sig_len = e->signature ? strlen(e->signature) : 0;
	diag_init(&quiet, NULL);
	check_copy(c, ref, &copy, floor, out, &quiet);
	/* A rollback is news: the cache holds what this host accepted, so someone wrote it. */
	if (out->status == -ESTALE)
		diag_absorb(c->diag, &quiet);
	diag_free(&quiet);
}

/* A fresh copy (200) with its signature, checked, kept when good. */
static void take_fresh(const struct ctx *c, const struct wg_peer_list_ref *ref, const char *cache,
		       uint64_t floor, struct fetch_response *resp, struct checked *out,
		       struct diag_list *d)
{
	struct copy fresh = { 0 };

	memset(out, 0, sizeof(*out));
	fresh.len = resp->body.len;
	fresh.body = strbuf_detach(&resp->body);
	out->status = fresh.body ? 0 : -ENOMEM;
	if (!out->status && signed_lists(c))
		out->status = fetch_signature(c, ref->source, &fresh, d);
	if (!out->status)
		check_copy(c, ref, &fresh, floor, out, d);
	if (!out->status)
		remember(c, cache, ref->source, &fresh, resp);
	copy_free(&fresh);
}

static void expired_message(const struct ctx *c, const char *source, const struct checked *ch,
			    const char *which)
{
	char when[UTC_TEXT_SIZE];

	utc_format(when, ch->header.expires);
	diag_warn(c->diag, 0, "%s: %s expired at %s (serial %" PRIu64 "); its peers are not used",
		  source, which, when, ch->header.serial);
}

/* The newest copy from the server: 200 (checked), 304 (the cached one), or nothing. */
static void fetch_newest(const struct ctx *c, const struct wg_peer_list_ref *ref, const char *cache,
			 uint64_t floor, const struct cache_entry *e, struct obtained *o,
			 struct fleet_list_result *r)
{
	struct fetch_request req = { .url = ref->source, .ca_file = c->conf->peer_list_ca };
	struct fetch_response resp;
	struct diag_list attempt;
	char error[512];
	int ret;

	/* Validators only for a copy we could use again: an expired one that is "not modified"
	 * expired. */
	if (o->cached.status == 0 || o->cached.status == -EKEYEXPIRED) {
		req.etag = e->etag;
		req.last_modified = e->last_modified;
	}
	diag_init(&attempt, NULL);
	ret = fetch_url(&req, &resp, error, sizeof(error));
	o->fresh.status = ret;
	if (ret < 0) {
		diag_warn(&attempt, 0, "%s: cannot fetch: %s", ref->source, error);
	} else if (resp.status == FETCH_NOT_MODIFIED && !req.etag && !req.last_modified) {
		diag_warn(&attempt, 0, "%s: the server answered 304 to an unconditional request",
			  ref->source);
		o->fresh.status = -EPROTO;
	} else if (resp.status == FETCH_NOT_MODIFIED) {
		r->origin = FLEET_LIST_NOT_MODIFIED;
		o->use = &o->cached;
		if (o->cached.status == -EKEYEXPIRED)
			expired_message(c, ref->source, &o->cached, "not modified, and");
	} else {
		take_fresh(c, ref, cache, floor, &resp, &o->fresh, &attempt);
		r->origin = FLEET_LIST_FRESH;
		if (o->fresh.status == 0 || o->fresh.status == -EKEYEXPIRED)
			o->use = &o->fresh;
		if (o->fresh.status == -EKEYEXPIRED)
			expired_message(c, ref->source, &o->fresh, "the copy served");
	}
	if (ret >= 0)
		fetch_response_free(&resp);
	diag_absorb(c->diag, &attempt);
	diag_free(&attempt);
}

/* The file as it is now, checked, kept when good. */
static void read_newest(const struct ctx *c, const struct wg_peer_list_ref *ref, const char *cache,
			uint64_t floor, struct obtained *o, struct fleet_list_result *r)
{
	const char *path = strncasecmp(ref->source, "file://", 7) ? ref->source : ref->source + 7;
	struct copy copy = { 0 };

	r->origin = FLEET_LIST_LOCAL;
	o->fresh.status = read_local(c, path, &copy, c->diag);
	if (o->fresh.status == 0)
		check_copy(c, ref, &copy, floor, &o->fresh, c->diag);
	if (o->fresh.status == 0 && applying(c))
		remember(c, cache, ref->source, &copy, NULL);
	if (o->fresh.status == 0 || o->fresh.status == -EKEYEXPIRED)
		o->use = &o->fresh;
	if (o->fresh.status == -EKEYEXPIRED)
		expired_message(c, ref->source, &o->fresh, "the list");
	copy_free(&copy);
}

static bool is_url(const char *source)
{
	return strstr(source, "://") && strncasecmp(source, "file://", 7);
}

/*
 * The copy to use: the newest one when it is good, else the last good one while that is still
 * valid; an expired copy is kept only to say so. Save, down and check take the cached copy of a
 * URL as it is: they only need to know which peers are the list's.
 */
static void obtain(const struct ctx *c, const struct wg_peer_list_ref *ref, uint64_t floor,
		   struct obtained *o, struct fleet_list_result *r)
{
	struct cache_entry e;
	char cache[4096];
	int ret;

	if ((ret = cache_path(cache, sizeof(cache), c->ifname, ref->source)) < 0) {
		diag_warn(c->diag, 0, "%s: %s", ref->source, strerror(-ret));
		return;
	}
	check_cached(c, ref, cache, floor, &e, &o->cached);
	r->origin = FLEET_LIST_CACHED;
	if (!is_url(ref->source))
		read_newest(c, ref, cache, floor, o, r);
	else if (applying(c))
		fetch_newest(c, ref, cache, floor, &e, o, r);
	else if (o->cached.status == 0)
		o->use = &o->cached;
	else
		diag_warn(c->diag, 0, "%s: no usable cached copy in `%s'", ref->source, cache);
	if (!(o->use && !o->use->status)) {
		if (o->cached.status == 0) {
			r->origin = FLEET_LIST_CACHED;
			r->fell_back = true;
			o->use = &o->cached;
			diag_warn(c->diag, 0, "%s: using the last good copy, `%s'", ref->source,
				  cache);
		} else if (o->cached.status == -EKEYEXPIRED && o->use != &o->cached) {
			expired_message(c, ref->source, &o->cached, "the last good copy");
			o->use = &o->cached;
		}
	}
	cache_entry_free(&e);
}

/* The highest serial accepted before; a state that cannot be read refuses the list. */
static int load_floor(const struct ctx *c, const struct wg_peer_list_ref *ref, char *path,
		      size_t len, uint64_t *floor)
{
	int ret = liststate_path(path, len, c->ifname, ref->source);

	if (!ret)
		ret = liststate_load(path, ref->source, floor);
	if (ret < 0)
		diag_warn(c->diag, 0, "%s: cannot read its serial from `%s': %s", ref->source, path,
			  strerror(-ret));
	return ret;
}

static void record_serial(const struct ctx *c, const struct wg_peer_list_ref *ref, const char *path,
			  const struct peerlist_header *h, uint64_t floor)
{
	int ret;

	if (!applying(c) || !h->present || h->serial <= floor)
		return;
	if ((ret = liststate_store(path, ref->source, h->name, h->serial)) < 0)
		diag_warn(c->diag, 0, "%s: cannot record serial %" PRIu64 " in `%s': %s",
			  ref->source, h->serial, path, strerror(-ret));
}

/* Obtains, checks and admits one list, recording what happened in `r`. 0 or -ENOMEM. */
static int expand_one(struct ctx *c, struct wg_config *conf, const struct wg_peer_list_ref *ref,
		      const struct peerlist_policy *policy, struct fleet_list_result *r)
{
	struct obtained o = { 0 };
	char state[4096];
	uint64_t floor = 0;
	long moved;
	int ret = 0;

	r->source = ref->source;
	r->outcome = FLEET_LIST_REFUSED;
	if (load_floor(c, ref, state, sizeof(state), &floor) == 0)
		obtain(c, ref, floor, &o, r);
	if (o.use && o.use->status == 0) {
		r->outcome = FLEET_LIST_USED;
		r->header = o.use->header;
		record_serial(c, ref, state, &o.use->header, floor);
		moved = peerlist_admit(conf->device, o.use->list.device, ref->source, policy,
				       c->diag, &r->refused_peers);
		if (moved < 0)
			ret = (int)moved;
		else
			r->peers = (size_t)moved;
	} else if (o.use) {
		r->outcome = FLEET_LIST_EXPIRED;
		r->header = o.use->header;
	} else {
		diag_warn(c->diag, 0, "%s: no copy can be used; its peers are not used",
			  ref->source);
	}
	checked_free(&o.fresh);
	checked_free(&o.cached);
	return ret;
}

int fleet_lists_expand(struct wg_config *conf, const char *conf_path, const char *ifname,
		       enum fleet_list_mode mode, const uint8_t *own, struct fleet_lists *out)
{
	struct ctx c = { .conf = conf,
			 .conf_path = conf_path,
			 .ifname = ifname,
			 .mode = mode,
			 .diag = &out->diag };
	struct peerlist_policy policy = { .own = own,
					  .scope = &conf->peer_list_scope,
					  .conf_source = conf_path };
	uint8_t own_key[WG_KEY_LEN];
	int ret = 0;

	memset(out, 0, sizeof(*out));
	diag_init(&out->diag, NULL);
	if (!conf->n_peer_lists)
		return 0;
	c.now = (int64_t)time(NULL);
	out->lists = calloc(conf->n_peer_lists, sizeof(*out->lists));
	if (!out->lists)
		return -ENOMEM;
	out->n = conf->n_peer_lists;
	if (!own && (conf->device->flags & WGDEVICE_HAS_PRIVATE_KEY)) {
		ret = curve25519_generate_public(own_key, conf->device->private_key);
		if (ret == 0)
			policy.own = own_key;
	}
	for (size_t i = 0; i < out->n && !ret; ++i) {
		struct fleet_list_result *r = &out->lists[i];

		policy.list_lineno = conf->peer_lists[i].lineno;
		ret = expand_one(&c, conf, &conf->peer_lists[i], &policy, r);
		if (r->outcome != FLEET_LIST_USED || r->fell_back)
			++out->not_current;
	}
	memzero_explicit(own_key, sizeof(own_key));
	return ret;
}

void fleet_lists_free(struct fleet_lists *pl)
{
	free(pl->lists);
	diag_free(&pl->diag);
	memset(pl, 0, sizeof(*pl));
}

const char *fleet_list_origin_name(enum fleet_list_origin origin)
{
	static const char *const names[] = {
		[FLEET_LIST_LOCAL] = "local file",
		[FLEET_LIST_FRESH] = "fetched",
		[FLEET_LIST_NOT_MODIFIED] = "not modified",
		[FLEET_LIST_CACHED] = "cached copy",
	};

	return names[origin];
}
