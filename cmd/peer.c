// SPDX-License-Identifier: MIT
/*
 * `peer add` and `peer remove`: the model (model/peeredit.h) decides the address and the text;
 * this file holds the lock, reads and writes the files, and applies the one peer to the running
 * interface. Order, so that a failure leaves nothing half-done: everything is checked and built
 * first; then the interface gets the peer, the server's file its section (on failure the peer
 * is taken off the interface again), and last the client's file (on failure both are undone).
 */
#include <errno.h>
#include <fcntl.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/peer.h"
#include "crypto/crypto.h"
#include "model/emit.h"
#include "model/encoding.h"
#include "model/peeredit.h"
#include "qr/qr.h"
#include "util/file.h"
#include "util/mem.h"
#include "util/secmem.h"

enum { QR_SCALE = 8, MAX_CONF = 1 << 24 };

struct add_opts {
	const char *ifarg, *name, *endpoint, *dns, *allowed_ips, *out, *qr_png;
	struct strlist addresses;
	bool full_tunnel, psk, qr;
	uint16_t keepalive;
};

int peer_lock(const char *config_path)
{
	char *path;
	int fd;

	if (asprintf(&path, "%s.lock", config_path) < 0)
		return -ENOMEM;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		fd = -errno;
		fprintf(stderr, "%s: `%s': %s\n", prog_name, path, strerror(errno));
	} else if (flock(fd, LOCK_EX) < 0) {
		int e = errno;

		close(fd);
		fd = -e;
		fprintf(stderr, "%s: `%s': %s\n", prog_name, path, strerror(e));
	}
	free(path);
	return fd;
}

/* The interface's configuration when it runs; NULL (and 0) when it does not. */
int peer_running(const char *ifname, struct wg_device **running)
{
	int ret;

	*running = NULL;
	if (!backend_for(ifname))
		return 0;
	ret = backend_get(ifname, running);
	if (ret < 0)
		fprintf(stderr, "%s: %s: Unable to access interface: %s\n", prog_name, ifname,
			strerror(-ret));
	return ret;
}

static bool name_taken(const struct wg_config *conf, const char *name)
{
	const struct wg_peer *p;

	for_each_wgpeer (conf->device, p) {
		if (p->name && !strcmp(p->name, name))
			return true;
	}
	return false;
}

static int given_addresses(const struct add_opts *o, const struct wg_config *conf,
			   const struct wg_device *running, struct wg_peer *out)
{
	for (size_t i = 0; i < o->addresses.n; ++i) {
		const char *a = o->addresses.v[i];
		struct wg_allowedip *aip = model_allowedip_new(out);

		if (!aip)
			return -ENOMEM;
		if (!model_parse_prefix(&aip->family, &aip->ip6, &aip->cidr, a) ||
		    aip->cidr != (aip->family == AF_INET ? 32 : 128)) {
			fprintf(stderr, "%s: --address `%s': not an IPv4 or IPv6 host address\n",
				prog_name, a);
			return -EINVAL;
		}
		if (peeredit_address_taken(conf, running, aip->family, &aip->ip6)) {
			fprintf(stderr,
				"%s: --address `%s': already taken (by the server, a peer, or as "
				"the network or broadcast address)\n",
				prog_name, a);
			return -EEXIST;
		}
	}
	return 0;
}

static int client_routes(const struct add_opts *o, const struct wg_config *conf,
			 struct wg_peer *routes)
{
	struct diag_list d;
	bool ok;

	if (!o->full_tunnel && !o->allowed_ips) {
		if (!conf->addresses.first_allowedip) {
			fprintf(stderr,
				"%s: no `Address =' to route to the server: pass --allowed-ips or "
				"--full-tunnel\n",
				prog_name);
			return -EINVAL;
		}
		return peeredit_subnets(conf, routes);
	}
	diag_init(&d, "--allowed-ips");
	ok = model_parse_allowedips(routes, o->full_tunnel ? "0.0.0.0/0, ::/0" : o->allowed_ips, &d,
				    0);
	for (size_t i = 0; i < d.count; ++i)
		fprintf(stderr, "%s: --allowed-ips: %s\n", prog_name, d.items[i].message);
	diag_free(&d);
	return ok ? 0 : -EINVAL;
}

static int endpoint_of(const struct add_opts *o, const char *text, const char *path, char **out)
{
	struct wg_peer probe = { 0 };
	struct diag_list d;
	bool ok;
	int ret;

	*out = NULL;
	if (o->endpoint) {
		*out = strdup(o->endpoint);
		if (!*out)
			return -ENOMEM;
	} else if ((ret = peeredit_interface_comment(text, "PublicEndpoint", out))) {
		return ret;
	}
	if (!*out) {
		fprintf(stderr,
			"%s: %s: no endpoint for the client: pass --endpoint HOST:PORT or add "
			"`# PublicEndpoint = HOST:PORT' to [Interface]\n",
			prog_name, path);
		return -EINVAL;
	}
	diag_init(&d, o->endpoint ? "--endpoint" : path);
	ok = model_parse_endpoint(&probe, *out, &d, 0);
	diag_print(&d, stderr);
	diag_free(&d);
	free(probe.endpoint_text);
	if (!ok) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	return 0;
}

/* The peer as the server's interface holds it: key, PSK, the client's addresses. */
static int apply_peer(const char *ifname, const uint8_t *pub, const uint8_t *psk,
		      const struct wg_peer *addrs, bool remove)
{
	struct wg_device delta = { 0 };
	struct wg_peer peer = { 0 };
	int ret;

	memcpy(peer.public_key, pub, WG_KEY_LEN);
	peer.flags = WGPEER_HAS_PUBLIC_KEY;
	if (remove) {
		peer.flags |= WGPEER_REMOVE_ME;
	} else {
		peer.flags |= WGPEER_REPLACE_ALLOWEDIPS;
		peer.first_allowedip = addrs->first_allowedip;
		peer.last_allowedip = addrs->last_allowedip;
		if (psk) {
			memcpy(peer.preshared_key, psk, WG_KEY_LEN);
			peer.flags |= WGPEER_HAS_PRESHARED_KEY;
		}
	}
	delta.first_peer = delta.last_peer = &peer;
	ret = backend_set(ifname, &delta);
	memzero_explicit(peer.preshared_key, WG_KEY_LEN);
	return ret;
}

int peer_write_config(const char *path, const char *text)
{
	struct stat st;
	mode_t mode = 0600;

	if (!stat(path, &st))
		mode = st.st_mode & 07777;
	return file_write_atomic(path, text, strlen(text), mode);
}

/* The client's config as text, a terminal QR code, or a PNG file. */
static int show_client(const struct add_opts *o, const char *conf_text)
{
	struct strbuf sb;
	struct qr q;
	int ret = 0;

	if (!o->qr) {
		if (!o->out)
			fputs(conf_text, stdout);
		return 0;
	}
	ret = qr_encode(&q, conf_text);
	if (ret) {
		fprintf(stderr, "%s: the client's config does not fit a QR code: %s\n", prog_name,
			strerror(-ret));
		return ret;
	}
	strbuf_init(&sb);
	if (o->qr_png) {
		ret = qr_png(&sb, &q, QR_SCALE);
		if (!ret)
			ret = file_write_atomic(o->qr_png, sb.buf, sb.len, 0600);
		if (ret)
			fprintf(stderr, "%s: `%s': %s\n", prog_name, o->qr_png, strerror(-ret));
	} else {
		qr_utf8(&sb, &q);
		ret = sb.oom ? -ENOMEM : 0;
		if (!ret)
			fwrite(sb.buf, 1, sb.len, stdout);
	}
	/* The code holds the private key as much as the text does. */
	if (sb.buf)
		memzero_explicit(sb.buf, sb.len);
	strbuf_free(&sb);
	qr_free(&q);
	return ret;
}

struct add_state {
	struct wg_config conf;
	struct config_location loc;
	struct diag_list d;
	struct wg_device *running;
	struct wg_peer addrs, routes;
	char *text, *new_text, *endpoint;
	struct strbuf section, client;
	uint8_t *keys; /* locked: client private, public, PSK, server public */
};

static int add_build(struct add_opts *o, struct add_state *s)
{
	uint8_t *priv = s->keys, *pub = s->keys + 32, *psk = s->keys + 64, *spub = s->keys + 96;
	struct peeredit_peer p = { .name = o->name,
				   .private_key = priv,
				   .public_key = pub,
				   .preshared_key = o->psk ? psk : NULL,
				   .server_public_key = spub,
				   .addresses = &s->addrs,
				   .routes = &s->routes,
				   .dns = o->dns,
				   .keepalive = o->keepalive };
	size_t len;
	int ret;

	if ((ret = file_read_all(s->loc.path, MAX_CONF, &s->text, &len))) {
		fprintf(stderr, "%s: `%s': %s\n", prog_name, s->loc.path, strerror(-ret));
		return ret;
	}
	if (name_taken(&s->conf, o->name)) {
		fprintf(stderr, "%s: %s: a peer is already named `%s'\n", prog_name, s->loc.path,
			o->name);
		return -EEXIST;
	}
	if (!(s->conf.device->flags & WGDEVICE_HAS_PRIVATE_KEY)) {
		fprintf(stderr, "%s: %s: no PrivateKey: the client needs the server's public key\n",
			prog_name, s->loc.path);
		return -EINVAL;
	}
	if ((ret = peer_running(s->loc.ifname, &s->running)) < 0)
		return ret;
	if (o->addresses.n) {
		ret = given_addresses(o, &s->conf, s->running, &s->addrs);
	} else {
		ret = peeredit_allocate(&s->conf, s->running, &s->addrs, &s->d);
		diag_print(&s->d, stderr);
	}
	if (!ret)
		ret = client_routes(o, &s->conf, &s->routes);
	if (!ret)
		ret = endpoint_of(o, s->text, s->loc.path, &s->endpoint);
	if (ret)
		return ret;
	p.endpoint = s->endpoint;
	if ((ret = crypto_random(priv, 32)) || (o->psk && (ret = crypto_random(psk, 32))))
		return ret;
	curve25519_clamp_secret(priv);
	if ((ret = curve25519_generate_public(pub, priv)) ||
	    (ret = curve25519_generate_public(spub, s->conf.device->private_key)))
		return ret;
	peeredit_server_section(&s->section, &p);
	peeredit_client_config(&s->client, &p);
	if (s->section.oom || s->client.oom)
		return -ENOMEM;
	return peeredit_append(s->text, s->section.buf, &s->new_text);
}

static int add_commit(const struct add_opts *o, struct add_state *s)
{
	const uint8_t *pub = s->keys + 32, *psk = o->psk ? s->keys + 64 : NULL;
	char key[WG_KEY_LEN_BASE64], addrs[256] = "", one[64];
	const struct wg_allowedip *aip;
	int ret;

	if (s->running && (ret = apply_peer(s->loc.ifname, pub, psk, &s->addrs, false))) {
		fprintf(stderr, "%s: %s: Unable to add the peer: %s; nothing was changed\n",
			prog_name, s->loc.ifname, strerror(-ret));
		return ret;
	}
	if ((ret = peer_write_config(s->loc.path, s->new_text))) {
		fprintf(stderr, "%s: `%s': %s; nothing was changed\n", prog_name, s->loc.path,
			strerror(-ret));
		goto undo_peer;
	}
	if (o->out && (ret = file_write_atomic(o->out, s->client.buf, s->client.len, 0600))) {
		fprintf(stderr, "%s: `%s': %s; nothing was changed\n", prog_name, o->out,
			strerror(-ret));
		if (peer_write_config(s->loc.path, s->text))
			fprintf(stderr, "%s: `%s': could not be restored\n", prog_name,
				s->loc.path);
		goto undo_peer;
	}
	for_each_wgallowedip (&s->addrs, aip) {
		emit_prefix(one, sizeof(one), aip->family, &aip->ip6, aip->cidr);
		if (strlen(addrs) + strlen(one) + 3 < sizeof(addrs))
			strcat(strcat(addrs, addrs[0] ? ", " : ""), one);
	}
	key_to_base64(key, pub);
	fprintf(stderr, "%s: added peer %s (%s) with %s%s\n", s->loc.ifname, o->name, key, addrs,
		s->running ? "" : "; the interface is not up, so only the file has it");
	if (o->out)
		fprintf(stderr, "%s: the client's config is in %s\n", s->loc.ifname, o->out);
	return show_client(o, s->client.buf);
undo_peer:
	if (s->running && apply_peer(s->loc.ifname, pub, NULL, NULL, true))
		fprintf(stderr, "%s: %s: the new peer could not be taken off the interface\n",
			prog_name, s->loc.ifname);
	return ret;
}

static int peer_add(struct add_opts *o)
{
	struct add_state s = { 0 };
	char *tried;
	int lock, ret;

	s.keys = secmem_calloc(1, 128);
	if (!s.keys)
		return 1;
	strbuf_init(&s.section);
	strbuf_init(&s.client);
	ret = config_locate(o->ifarg, &s.loc, &tried);
	if (ret) {
		/* cmd_load_config says why, in wg-quick's words. */
		free(tried);
		if (!cmd_load_config(o->ifarg, &s.conf, &s.loc, &s.d, KEY_FILES_ALL))
			cmd_unload_config(&s.conf, &s.loc, &s.d);
		secmem_free(s.keys);
		return 1;
	}
	lock = peer_lock(s.loc.path);
	config_location_free(&s.loc);
	if (lock < 0) {
		secmem_free(s.keys);
		return 1;
	}
	/* Read under the lock: a concurrent `peer add` has written its peer by now. */
	ret = cmd_load_config(o->ifarg, &s.conf, &s.loc, &s.d, KEY_FILES_ALL) ? -EINVAL : 0;
	if (!ret) {
		diag_free(&s.d);
		diag_init(&s.d, s.loc.path);
		ret = add_build(o, &s);
		if (!ret)
			ret = add_commit(o, &s);
		cmd_unload_config(&s.conf, &s.loc, &s.d);
	}
	close(lock);
	model_device_free(s.running);
	model_peer_free_allowedips(&s.addrs);
	model_peer_free_allowedips(&s.routes);
	free(s.text);
	free(s.new_text);
	free(s.endpoint);
	strbuf_free(&s.section);
	if (s.client.buf)
		memzero_explicit(s.client.buf, s.client.len);
	strbuf_free(&s.client);
	secmem_free(s.keys);
	return ret ? 1 : 0;
}

static int add_usage(void)
{
	fprintf(stderr,
		"Usage: %s peer add <interface | config file> <name> [--address <ip>]... "
		"[--full-tunnel | --allowed-ips <list>] [--endpoint <host:port>] "
		"[--dns <list>] [--keepalive <seconds>] [--psk] [--out <file>] "
		"[--qr [<file.png>]]\n",
		prog_name);
	return 1;
}

/* The value of option argv[*i] (which takes one), or NULL after the usage. */
static const char *value_of(int argc, const char *argv[], int *i)
{
	if (*i + 1 >= argc) {
		fprintf(stderr, "%s: %s needs a value\n", prog_name, argv[*i]);
		return NULL;
	}
	return argv[++*i];
}

static bool is_png(const char *s)
{
	size_t n = strlen(s);

	return n > 4 && !strcasecmp(s + n - 4, ".png");
}

/* Options and the two operands in any order, as the usage shows them after the operands. */
static int parse_add(int argc, const char *argv[], struct add_opts *o)
{
	const char *pos[2] = { 0 }, *v = NULL;
	struct diag_list d;
	int npos = 0;
	bool ok;

	for (int i = 1; i < argc; ++i) {
		const char *a = argv[i];

		if (a[0] != '-' || !a[1]) {
			if (npos == 2)
				return -EINVAL;
			pos[npos++] = a;
		} else if (!strcmp(a, "--full-tunnel")) {
			o->full_tunnel = true;
		} else if (!strcmp(a, "--psk")) {
			o->psk = true;
		} else if (!strcmp(a, "--qr")) {
			o->qr = true;
			/* --qr takes a file only when a .png name follows: `--qr phone.png'. */
			if (i + 1 < argc && is_png(argv[i + 1]))
				o->qr_png = argv[++i];
		} else if (!strcmp(a, "--address") || !strcmp(a, "--allowed-ips") ||
			   !strcmp(a, "--endpoint") || !strcmp(a, "--dns") ||
			   !strcmp(a, "--keepalive") || !strcmp(a, "--out")) {
			if (!(v = value_of(argc, argv, &i)))
				return -EINVAL;
			if (!strcmp(a, "--address")) {
				if (strlist_push(&o->addresses, v, strlen(v), 0))
					return -ENOMEM;
			} else if (!strcmp(a, "--allowed-ips")) {
				o->allowed_ips = v;
			} else if (!strcmp(a, "--endpoint")) {
				o->endpoint = v;
			} else if (!strcmp(a, "--dns")) {
				o->dns = v;
			} else if (!strcmp(a, "--out")) {
				o->out = v;
			} else {
				diag_init(&d, "--keepalive");
				ok = model_parse_keepalive(&o->keepalive, v, &d, 0);
				diag_print(&d, stderr);
				diag_free(&d);
				if (!ok)
					return -EINVAL;
			}
		} else {
			fprintf(stderr, "%s: unknown option `%s'\n", prog_name, a);
			return -EINVAL;
		}
	}
	if (npos != 2 || (o->full_tunnel && o->allowed_ips))
		return -EINVAL;
	o->ifarg = pos[0];
	o->name = pos[1];
	return 0;
}

static int cmd_peer_add(int argc, const char *argv[])
{
	struct add_opts o = { 0 };
	int ret;

	if (parse_add(argc, argv, &o)) {
		strlist_free(&o.addresses);
		return add_usage();
	}
	if (!peeredit_valid_name(o.name)) {
		fprintf(stderr, "%s: `%s': a peer name is 1 to 64 of A-Z a-z 0-9 _ . @ + -\n",
			prog_name, o.name);
		strlist_free(&o.addresses);
		return 1;
	}
	ret = peer_add(&o);
	strlist_free(&o.addresses);
	return ret;
}

int cmd_peer(int argc, const char *argv[])
{
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return cmd_peer_add(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "remove"))
		return cmd_peer_remove(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return cmd_peer_list(argc - 1, argv + 1);
	cmd_usage(cmd_find(argv[0], CMD_WGCTL), true);
	return 1;
}
