/* SPDX-License-Identifier: MIT */
/* Shared by the steps of up, down, save, reload and sync. */
#ifndef WGCTL_ORCH_ORCH_IMPL_H
#define WGCTL_ORCH_ORCH_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "model/config.h"
#include "orch/hooks.h"
#include "orch/orch.h"
#include "orch/rtnl.h"
#include "orch/undo.h"

struct resolved;

/* One run. */
struct orch {
	const struct wg_config *conf;
	/* The run's own copy of conf->device: what it sends, endpoints resolved. */
	struct wg_device *dev;
	const char *ifname;
	const char *path;
	const struct orch_opts *opts;
	struct orch_report *report;
	struct orch_rtnl *rtnl;
	struct undo_log undo;
	/* The step running (orch_steps), for a message that names it itself. */
	const char *step;
	struct hook_env hooks;
	bool ipv6_off;
	/* The fwmark/table of the default routes, once chosen (0: none). */
	uint32_t table;
	/* The interface as reload and sync found it, and as up left it configured (running_owned:
	 * read back, else the run's own device standing in under dry_run); freed by orch_end. */
	struct wg_device *old, *running;
	bool running_owned;
	/* sync: the request had something to send. */
	bool changed;
	/* The DNS backend, chosen once per run by its first use (dns.c); its bus connection. */
	enum orch_dns dns;
	bool dns_known;
	struct resolved *resolved;
	/* The network namespace the link lives in (netns.c), NULL: none; whether `up` made it. */
	const char *netns;
	char netns_buf[256];
	bool netns_created;
};

/* One step of a run: what failures call it, and what it does. */
struct orch_step {
	const char *name;
	int (*run)(struct orch *o);
};

/* Runs the steps in order; the first to fail is reported under its name and its -errno returned. */
int orch_steps(struct orch *o, const struct orch_step *steps, size_t n);
/* The step that reads the interface into o->old (reload, sync). */
int orch_read_old(struct orch *o);

/*
 * As orch_begin, for up: the namespace is only named (up enters it once the link is there);
 * the others enter it before they open rtnetlink.
 */
int orch_begin_up(struct orch *o, const struct wg_config *conf, const char *ifname,
		  const char *path, const struct orch_opts *opts, struct orch_report *report);
/* Opens rtnetlink and copies the device: 0 or -errno (said in the report). */
int orch_begin(struct orch *o, const struct wg_config *conf, const char *ifname, const char *path,
	       const struct orch_opts *opts, struct orch_report *report);
/* Frees what orch_begin made, the hooks' directory included. Passes ret through. */
int orch_end(struct orch *o, int ret);

/* Prints "[#] <what>" to stderr, as wg-quick does for every command it runs. */
void orch_say(const struct orch *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * ${WGCTL_STATE_DIR:-RUNSTATEDIR/wgctl}/IFNAME.SUFFIX: what one `up' remembers for its `down'
 * (the relay's sysctls, the namespace it made). _open creates the directory first; NULL and
 * errno on failure.
 */
void orch_state_path(char *buf, size_t len, const char *ifname, const char *suffix);
FILE *orch_state_open(const char *ifname, const char *suffix, const char *mode);
/*
 * Reports "STEP: CAUSE" and returns err (a -errno), except for -ECANCELED: the step has already
 * reported what failed, in words errno has none for (a hook's exit status, say).
 */
int orch_fail(struct orch *o, const char *step, int err);
/*
 * Reports a sentence (about the config's line when line > 0) and returns err: -ECANCELED when
 * the caller will pass it to orch_fail for its step, which then adds nothing.
 */
int orch_failed(struct orch *o, int err, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The family of a prefix written in a config, IPv6 on a host without IPv6 announced and skipped. */
bool orch_family_enabled(struct orch *o, int family, const char *what);
void orch_prefix_text(char *buf, size_t len, const struct orch_rtnl_prefix *p);

/* link.c */
int orch_link_create(struct orch *o);
void orch_link_undo(struct orch *o, const void *arg);
/* mtu.c: the MTU `up` sets (explicit, or the endpoint rule minus 80). */
int orch_mtu(struct orch *o, const struct wg_device *running, unsigned int *mtu);
/* routes.c */
int orch_routes_up(struct orch *o, const struct wg_device *running);
/* Routes for the allowed IPs of running that `already` (may be NULL) does not have. */
int orch_routes_add(struct orch *o, const struct wg_device *running,
		    const struct wg_device *already);
void orch_routes_remove(struct orch *o, const struct wg_device *old, const struct wg_device *now);
/* reload and sync: routes changed by the difference between o->old and the interface now. */
int orch_routes_follow(struct orch *o);
void orch_rules_down(struct orch *o, uint32_t table);
int orch_table_number(const char *name, uint32_t *table);
/* The first routing table from 51820 on that neither family uses: up's fwmark. */
int orch_free_table(struct orch *o, uint32_t *table);
/* relay.c: Forwarding/ProxyARP opt-in, with the previous values kept for down. */
int orch_relay_up(struct orch *o);
void orch_relay_down(struct orch *o);
void orch_relay_forget(const char *ifname);
/* Hostname endpoints of the run's device resolved; failures reported with their lines. 0 or
 * -EINVAL. */
int orch_resolve_endpoints(struct orch *o);
/* A WireGuard interface of any backend (kernel or userspace) has this name. */
bool orch_is_wireguard(const char *ifname);
/* The config's hooks of one kind; a failing one is reported with its line (-ECANCELED). */
int orch_hooks(struct orch *o, enum wg_hook which);
/* save.c: the file `save` writes, from the running interface (down uses it too). */
int orch_save_run(struct orch *o);

/* dns.c: `DNS =` on the run's backend, chosen at its first use. */
/* Before up or reload change anything: DNS servers with no backend, or a ~domain on resolvconf,
 * reported on their lines. 0 or -EINVAL. */
int orch_dns_check(struct orch *o);
/* up's step: the config's DNS on the link, its undo pushed; a failure leaves nothing set. */
int orch_dns_up(struct orch *o);
/* down, called before the link is deleted and again after (link_gone): resolved's settings are
 * reverted while the link exists, resolvconf's record removed after it, as wg-quick does. */
void orch_dns_down(struct orch *o, bool present, bool link_gone);
/* reload: the link's DNS changed by difference. */
int orch_dns_reload(struct orch *o);
/* save: the `DNS =` values of the link, read back from the backend that holds them. */
int orch_dns_saved(struct orch *o, const struct wg_device *running, struct strlist *out);

/* What resolved is asked to hold for a link: the config's servers, its domains as written
 * ("~name" routing-only), "~." added for a full tunnel; the link the DNS default route for a full
 * tunnel or when no routing-only domain is written. */
struct orch_dns_plan {
	struct strlist servers, domains;
	bool default_route;
};
int orch_dns_plan(const struct wg_config *conf, const struct wg_device *dev,
		  struct orch_dns_plan *p);
void orch_dns_plan_free(struct orch_dns_plan *p);
/* A default route through the tunnel: a /0 of a peer routed by Table auto (or main). */
bool orch_dns_full_tunnel(const struct wg_config *conf, const struct wg_device *dev);

/* killswitch.c: up's first step, and down's (which keeps a persistent one). */
int orch_killswitch_up(struct orch *o);
void orch_killswitch_down(struct orch *o);

/* netns.c */
/* The namespace `up` recorded for ifname: its name, and whether up made it. 0 or -errno. */
int orch_netns_recorded(const char *ifname, char *name, size_t len, bool *created);
bool orch_netns_exists(const char *name);
/* up's steps: the namespace (when missing), the link moved there and the run after it. */
int orch_netns_create(struct orch *o);
int orch_netns_move(struct orch *o);
int orch_netns_record(struct orch *o);
int orch_netns_join(struct orch *o);
/* down: deletes the namespace if up made it, and the record. */
void orch_netns_down(struct orch *o);
/* DNS in /etc/netns/NAME/resolv.conf. */
int orch_netns_dns_up(struct orch *o);
int orch_netns_dns_write(struct orch *o);
void orch_netns_dns_remove(struct orch *o);
int orch_netns_dns_read(struct orch *o, struct strlist *out);

#endif
