// SPDX-License-Identifier: MIT
/*
 * systemd-resolved through sd-bus. One connection to the system bus serves a whole run; every
 * call is synchronous (sd-bus's default timeout) and a failure keeps resolved's error message,
 * which says more than the errno ("Invalid search domain a..b", "Link 7 not known").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "orch/resolved.h"

#define RESOLVE1 "org.freedesktop.resolve1"
#define MANAGER  RESOLVE1 ".Manager"
#define LINK     RESOLVE1 ".Link"
#define PATH     "/org/freedesktop/resolve1"

struct resolved {
	sd_bus *bus;
	char error[256];
};

static int failed(struct resolved *r, const char *what, const sd_bus_error *err, int ret)
{
	snprintf(r->error, sizeof(r->error), "%s: %s", what,
		 err && err->message ? err->message : strerror(-ret));
	return ret;
}

int resolved_open(struct resolved **out)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	struct resolved *r;
	int owned = 0;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	/*
	 * Running, not merely installed: NameHasOwner is false for a name the bus could only
	 * activate, and asking it starts nothing.
	 */
	if (sd_bus_open_system(&r->bus) >= 0 &&
	    sd_bus_call_method(r->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "NameHasOwner", &err, &reply, "s",
			       RESOLVE1) >= 0 &&
	    sd_bus_message_read(reply, "b", &owned) < 0)
		owned = 0;
	sd_bus_message_unref(reply);
	sd_bus_error_free(&err);
	if (!owned) {
		resolved_close(r);
		return 0;
	}
	*out = r;
	return 1;
}

void resolved_close(struct resolved *r)
{
	if (!r)
		return;
	sd_bus_flush_close_unref(r->bus);
	free(r);
}

const char *resolved_error(const struct resolved *r)
{
	return r->error;
}

static int new_call(struct resolved *r, const char *method, int ifindex, sd_bus_message **m)
{
	int ret = sd_bus_message_new_method_call(r->bus, m, RESOLVE1, PATH, MANAGER, method);

	if (ret >= 0)
		ret = sd_bus_message_append(*m, "i", (int32_t)ifindex);
	return ret;
}

static int call(struct resolved *r, const char *method, sd_bus_message *m, int ret)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;

	if (ret >= 0)
		ret = sd_bus_call(r->bus, m, 0, &err, NULL);
	if (ret < 0)
		failed(r, method, &err, ret);
	sd_bus_error_free(&err);
	sd_bus_message_unref(m);
	return ret < 0 ? ret : 0;
}

int resolved_set_dns(struct resolved *r, int ifindex, const struct strlist *servers)
{
	sd_bus_message *m = NULL;
	struct in6_addr addr;
	int ret, family;

	ret = new_call(r, "SetLinkDNS", ifindex, &m);
	if (ret >= 0)
		ret = sd_bus_message_open_container(m, 'a', "(iay)");
	for (size_t i = 0; ret >= 0 && i < servers->n; ++i) {
		family = strchr(servers->v[i], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(family, servers->v[i], &addr) != 1)
			ret = -EINVAL;
		if (ret >= 0)
			ret = sd_bus_message_open_container(m, 'r', "iay");
		if (ret >= 0)
			ret = sd_bus_message_append(m, "i", (int32_t)family);
		if (ret >= 0)
			ret = sd_bus_message_append_array(m, 'y', &addr,
							  family == AF_INET ? 4 : 16);
		if (ret >= 0)
			ret = sd_bus_message_close_container(m);
	}
	if (ret >= 0)
		ret = sd_bus_message_close_container(m);
	return call(r, "SetLinkDNS", m, ret);
}

int resolved_set_domains(struct resolved *r, int ifindex, const struct strlist *domains)
{
	sd_bus_message *m = NULL;
	int ret;

	ret = new_call(r, "SetLinkDomains", ifindex, &m);
	if (ret >= 0)
		ret = sd_bus_message_open_container(m, 'a', "(sb)");
	for (size_t i = 0; ret >= 0 && i < domains->n; ++i) {
		const char *d = domains->v[i];
		int routing = d[0] == '~';

		ret = sd_bus_message_append(m, "(sb)", d + routing, routing);
	}
	if (ret >= 0)
		ret = sd_bus_message_close_container(m);
	return call(r, "SetLinkDomains", m, ret);
}

int resolved_set_default_route(struct resolved *r, int ifindex, bool on)
{
	sd_bus_message *m = NULL;
	int ret = new_call(r, "SetLinkDefaultRoute", ifindex, &m);

	if (ret >= 0)
		ret = sd_bus_message_append(m, "b", (int)on);
	return call(r, "SetLinkDefaultRoute", m, ret);
}

static int set_mode(struct resolved *r, const char *method, int ifindex, const char *mode)
{
	sd_bus_message *m = NULL;
	int ret = new_call(r, method, ifindex, &m);

	if (ret >= 0)
		ret = sd_bus_message_append(m, "s", mode);
	return call(r, method, m, ret);
}

int resolved_set_llmnr(struct resolved *r, int ifindex, const char *mode)
{
	return set_mode(r, "SetLinkLLMNR", ifindex, mode);
}

int resolved_set_mdns(struct resolved *r, int ifindex, const char *mode)
{
	return set_mode(r, "SetLinkMulticastDNS", ifindex, mode);
}

int resolved_revert(struct resolved *r, int ifindex)
{
	sd_bus_message *m = NULL;

	return call(r, "RevertLink", m, new_call(r, "RevertLink", ifindex, &m));
}

static int read_servers(sd_bus_message *reply, struct strlist *out)
{
	char text[INET6_ADDRSTRLEN];
	const void *addr;
	int32_t family;
	size_t len;
	int ret;

	if ((ret = sd_bus_message_enter_container(reply, 'a', "(iay)")) < 0)
		return ret;
	while ((ret = sd_bus_message_enter_container(reply, 'r', "iay")) > 0) {
		if ((ret = sd_bus_message_read(reply, "i", &family)) < 0 ||
		    (ret = sd_bus_message_read_array(reply, 'y', &addr, &len)) < 0 ||
		    (ret = sd_bus_message_exit_container(reply)) < 0)
			return ret;
		if (len != (family == AF_INET ? 4u : 16u) ||
		    !inet_ntop(family, addr, text, sizeof(text)))
			return -EBADMSG;
		if ((ret = strlist_push(out, text, strlen(text), 0)) < 0)
			return ret;
	}
	return ret < 0 ? ret : sd_bus_message_exit_container(reply);
}

static int read_domains(sd_bus_message *reply, struct strlist *out)
{
	const char *name;
	char text[300];
	int ret, routing;

	if ((ret = sd_bus_message_enter_container(reply, 'a', "(sb)")) < 0)
		return ret;
	while ((ret = sd_bus_message_read(reply, "(sb)", &name, &routing)) > 0) {
		snprintf(text, sizeof(text), "%s%s", routing ? "~" : "", name);
		if ((ret = strlist_push(out, text, strlen(text), 0)) < 0)
			return ret;
	}
	return ret < 0 ? ret : sd_bus_message_exit_container(reply);
}

static int read_mode(struct resolved *r, const char *path, const char *name, char *buf, size_t len,
		     sd_bus_error *err)
{
	char *s = NULL;
	int ret = sd_bus_get_property_string(r->bus, RESOLVE1, path, LINK, name, err, &s);

	if (ret >= 0)
		snprintf(buf, len, "%s", s);
	free(s);
	return ret;
}

int resolved_read(struct resolved *r, int ifindex, struct resolved_link *out)
{
	sd_bus_error err = SD_BUS_ERROR_NULL;
	sd_bus_message *reply = NULL;
	const char *path = NULL;
	char *link = NULL;
	int ret, on = 0;

	memset(out, 0, sizeof(*out));
	ret = sd_bus_call_method(r->bus, RESOLVE1, PATH, MANAGER, "GetLink", &err, &reply, "i",
				 (int32_t)ifindex);
	if (ret >= 0 && (ret = sd_bus_message_read(reply, "o", &path)) >= 0 &&
	    !(link = strdup(path)))
		ret = -ENOMEM;
	sd_bus_message_unref(reply);
	reply = NULL;
	if (ret >= 0)
		ret = sd_bus_get_property(r->bus, RESOLVE1, link, LINK, "DNS", &err, &reply,
					  "a(iay)");
	if (ret >= 0)
		ret = read_servers(reply, &out->servers);
	sd_bus_message_unref(reply);
	reply = NULL;
	if (ret >= 0)
		ret = sd_bus_get_property(r->bus, RESOLVE1, link, LINK, "Domains", &err, &reply,
					  "a(sb)");
	if (ret >= 0)
		ret = read_domains(reply, &out->domains);
	sd_bus_message_unref(reply);
	if (ret >= 0)
		ret = sd_bus_get_property_trivial(r->bus, RESOLVE1, link, LINK, "DefaultRoute",
						  &err, 'b', &on);
	out->default_route = on;
	if (ret >= 0)
		ret = read_mode(r, link, "LLMNR", out->llmnr, sizeof(out->llmnr), &err);
	if (ret >= 0)
		ret = read_mode(r, link, "MulticastDNS", out->mdns, sizeof(out->mdns), &err);
	if (ret < 0) {
		failed(r, "reading the link", &err, ret);
		resolved_link_free(out);
	}
	sd_bus_error_free(&err);
	free(link);
	return ret < 0 ? ret : 0;
}

void resolved_link_free(struct resolved_link *l)
{
	strlist_free(&l->servers);
	strlist_free(&l->domains);
	memset(l, 0, sizeof(*l));
}
