// SPDX-License-Identifier: MIT
/* syncconf's delta (features.md §1.5, upstream v1.0.20260223) and the model comparisons. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "model/config.h"
#include "model/encoding.h"
#include "model/syncconf.h"
#include "tap.h"

#define KA "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk="
#define KB "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
#define KC "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="

static struct wg_device *parse(const char *text)
{
	struct wg_config conf;
	struct wg_device *dev;
	struct diag_list d;
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	diag_init(&d, "t");
	if (config_read_stream(&conf, f, CONFIG_GRAMMAR_WG, &d))
		diag_print(&d, stdout);
	fclose(f);
	dev = conf.device;
	conf.device = NULL;
	config_free(&conf);
	diag_free(&d);
	return dev;
}

static struct wg_peer *peer_of(struct wg_device *dev, const char *b64)
{
	uint8_t key[WG_KEY_LEN];

	key_from_base64(key, b64);
	return model_find_peer(dev, key);
}

static void sync_delta(void)
{
	struct wg_device *runtime = parse(
		"[Interface]\nListenPort = 5\n[Peer]\nPublicKey = " KA "\nPresharedKey = " KC
		"\nPersistentKeepalive = 25\nAllowedIPs = 10.0.0.1/32\n[Peer]\nPublicKey = " KB
		"\n");
	struct wg_device *file = parse("[Interface]\n[Peer]\nPublicKey = " KA
				       "\nAllowedIPs = 10.0.0.2/32\n[Peer]\nPublicKey = " KC
				       "\nPersistentKeepalive = 7\n");
	struct wg_peer *a, *b, *c;

	ok(model_syncconf(file, runtime) == 0, "sync succeeds");
	ok(!(file->flags & WGDEVICE_REPLACE_PEERS),
	   "peers are not replaced wholesale (sessions survive)");
	ok((file->flags &
	    (WGDEVICE_HAS_PRIVATE_KEY | WGDEVICE_HAS_LISTEN_PORT | WGDEVICE_HAS_FWMARK)) ==
		   (WGDEVICE_HAS_PRIVATE_KEY | WGDEVICE_HAS_LISTEN_PORT | WGDEVICE_HAS_FWMARK),
	   "device keys are forced like setconf (absent ones reset)");
	a = peer_of(file, KA);
	b = peer_of(file, KB);
	c = peer_of(file, KC);
	ok(a && (a->flags & WGPEER_HAS_PRESHARED_KEY) && key_is_zero(a->preshared_key),
	   "runtime PSK absent from the file is explicitly cleared");
	ok(a && (a->flags & WGPEER_HAS_PERSISTENT_KEEPALIVE_INTERVAL) &&
		   !a->persistent_keepalive_interval,
	   "runtime keepalive absent from the file is explicitly set to 0");
	ok(a && !(a->flags & WGPEER_REMOVE_ME) && (a->flags & WGPEER_REPLACE_ALLOWEDIPS),
	   "a peer in both is updated in place with the file's allowed IPs");
	ok(b && (b->flags & WGPEER_REMOVE_ME), "a peer only on the interface is removed");
	ok(c && !(c->flags & (WGPEER_REMOVE_ME | WGPEER_HAS_PRESHARED_KEY)) &&
		   c->persistent_keepalive_interval == 7,
	   "a new peer is added as written");
	ok(model_peer_count(file) == 3, "delta holds exactly three peers");
	model_device_free(file);

	file = parse("[Interface]\nListenPort = 9\n");
	ok(model_syncconf(file, runtime) == 0 && (file->flags & WGDEVICE_REPLACE_PEERS),
	   "a file without peers behaves exactly like setconf");
	model_device_free(file);
	model_device_free(runtime);
}

static void comparisons(void)
{
	struct wg_device *x =
		parse("[Peer]\nPublicKey = " KA
		      "\nAllowedIPs = 10.0.0.0/8, fd00::/8, 192.168.1.1\nEndpoint = [fd00::1]:5\n");
	struct wg_device *y = parse("[Peer]\nPublicKey = " KA
				    "\nAllowedIPs = 192.168.1.1/32,fd00::/8\nAllowedIPs = "
				    "10.0.0.0/8\nEndpoint = [fd00::1]:5\n");
	struct wg_device *z =
		parse("[Peer]\nPublicKey = " KA
		      "\nAllowedIPs = 10.0.0.0/9, fd00::/8, 192.168.1.1\nEndpoint = [fd00::1]:6\n");

	ok(model_allowedips_equal(x->first_peer, y->first_peer),
	   "allowed IPs compare as sets, order aside");
	ok(!model_allowedips_equal(x->first_peer, z->first_peer),
	   "a different prefix length differs");
	ok(model_endpoint_equal(&x->first_peer->endpoint, &y->first_peer->endpoint),
	   "equal endpoints");
	ok(!model_endpoint_equal(&x->first_peer->endpoint, &z->first_peer->endpoint),
	   "ports differ");
	model_device_free(x);
	model_device_free(y);
	model_device_free(z);
}

int main(void)
{
	sync_delta();
	comparisons();
	return done_testing();
}
