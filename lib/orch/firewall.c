// SPDX-License-Identifier: MIT
/*
 * wg-quick's firewall for a default route through the tunnel, byte for byte the same rules so
 * that either program removes the other's. With nft in PATH: table `ip|ip6 wg-quick-IF` with
 *   preraw     (prerouting, priority -300): drop packets for IF's addresses that arrive on
 *              another interface from a non-local source (anti-spoofing),
 *   premangle  (prerouting, -150): restore the connection's mark onto incoming UDP,
 *   postmangle (postrouting, -150): save the mark of outgoing tunnel UDP into the connection,
 * so replies to the encrypted UDP carry the fwmark and pass rp_filter with src_valid_mark.
 * Without nft: the same as iptables-restore -n input, every rule tagged with the comment
 * "wg-quick(8) rule for IF". Removal follows wg-quick's remove_firewall.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "orch/firewall.h"
#include "orch/spawn.h"
#include "util/strbuf.h"

#define MARKER "-m comment --comment \"wg-quick(8) rule for %s\""

static bool have(const char *tool)
{
	char path[PATH_MAX];

	return spawn_which(tool, path, sizeof(path));
}

static const char *restore_tool(int family)
{
	return family == AF_INET6 ? "ip6tables-restore" : "iptables-restore";
}

void firewall_describe(char *buf, size_t len, const char *ifname, int family)
{
	/* What runs, as wg-quick prints it; the script goes to the tool's standard input. */
	(void)ifname;
	(void)family;
	if (have("nft"))
		snprintf(buf, len, "nft -f /dev/stdin");
	else
		snprintf(buf, len, "%s -n", restore_tool(family));
}

/* The text of wg-quick's add_default, including its trailing spaces on the mangle rules. */
static void nft_script(struct strbuf *sb, const char *ifname, int family, uint32_t fwmark,
		       const struct orch_rtnl_prefix *addrs, int naddrs)
{
	const char *pf = family == AF_INET6 ? "ip6" : "ip";
	char addr[INET6_ADDRSTRLEN], t[64];

	snprintf(t, sizeof(t), "%s wg-quick-%s", pf, ifname);
	strbuf_printf(sb, "add table %s\n", t);
	strbuf_printf(sb, "add chain %s preraw { type filter hook prerouting priority -300; }\n",
		      t);
	strbuf_printf(sb, "add chain %s premangle { type filter hook prerouting priority -150; }\n",
		      t);
	strbuf_printf(
		sb, "add chain %s postmangle { type filter hook postrouting priority -150; }\n", t);
	for (int i = 0; i < naddrs; ++i) {
		if (addrs[i].family != family ||
		    !inet_ntop(family, &addrs[i].addr, addr, sizeof(addr)))
			continue;
		strbuf_printf(sb, "add rule %s preraw iifname != \"%s\" %s daddr %s", t, ifname, pf,
			      addr);
		strbuf_puts(sb, " fib saddr type != local drop\n");
	}
	strbuf_printf(sb, "add rule %s postmangle meta l4proto udp mark %u ct mark set mark \n", t,
		      fwmark);
	strbuf_printf(sb, "add rule %s premangle meta l4proto udp meta mark set ct mark \n", t);
}

static void ipt_script(struct strbuf *sb, const char *ifname, int family, uint32_t fwmark,
		       const struct orch_rtnl_prefix *addrs, int naddrs)
{
	char addr[INET6_ADDRSTRLEN], marker[128];

	snprintf(marker, sizeof(marker), MARKER, ifname);
	strbuf_puts(sb, "*raw\n");
	for (int i = 0; i < naddrs; ++i) {
		if (addrs[i].family != family ||
		    !inet_ntop(family, &addrs[i].addr, addr, sizeof(addr)))
			continue;
		strbuf_printf(sb, "-I PREROUTING ! -i %s -d %s", ifname, addr);
		strbuf_printf(sb, " -m addrtype ! --src-type LOCAL -j DROP %s\n", marker);
	}
	strbuf_puts(sb, "COMMIT\n*mangle\n");
	strbuf_printf(sb, "-I POSTROUTING -m mark --mark %u -p udp -j CONNMARK --save-mark %s\n",
		      fwmark, marker);
	strbuf_printf(sb, "-I PREROUTING -p udp -j CONNMARK --restore-mark %s\n", marker);
	strbuf_puts(sb, "COMMIT\n");
}

static void script(struct strbuf *sb, bool nft, const char *ifname, int family, uint32_t fwmark,
		   const struct orch_rtnl_prefix *addrs, int naddrs)
{
	if (nft)
		nft_script(sb, ifname, family, fwmark, addrs, naddrs);
	else
		ipt_script(sb, ifname, family, fwmark, addrs, naddrs);
}

char *firewall_script(const char *ifname, int family, uint32_t fwmark,
		      const struct orch_rtnl_prefix *addrs, int naddrs)
{
	struct strbuf sb;

	strbuf_init(&sb);
	script(&sb, have("nft"), ifname, family, fwmark, addrs, naddrs);
	return strbuf_detach(&sb);
}

/* Runs a mutating tool: its stderr is the user's; a non-zero exit is -EIO. */
static int feed(const char *const argv[], const struct strbuf *input)
{
	int ret = spawn_run(argv, NULL, input->buf ? input->buf : "", input->len, NULL, 0);

	return ret > 0 ? -EIO : ret;
}

int firewall_add(const char *ifname, int family, uint32_t fwmark,
		 const struct orch_rtnl_prefix *addrs, int naddrs)
{
	bool nft = have("nft");
	const char *nft_argv[] = { "nft", "-f", "-", NULL };
	const char *ipt_argv[] = { restore_tool(family), "-n", NULL };
	struct strbuf sb;
	int ret;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	strbuf_init(&sb);
	script(&sb, nft, ifname, family, fwmark, addrs, naddrs);
	ret = sb.oom ? -ENOMEM : feed(nft ? nft_argv : ipt_argv, &sb);
	strbuf_free(&sb);
	return ret;
}

/* The next line of text (without its newline) into line and len; false at the end. */
static bool next_line(const char **pos, const char **line, size_t *len)
{
	const char *p = *pos, *nl;

	if (!p || !*p)
		return false;
	nl = strchrnul(p, '\n');
	*line = p;
	*len = (size_t)(nl - p);
	*pos = *nl ? nl + 1 : nl;
	return true;
}

/*
 * `nft list tables` lines that end in " wg-quick-IF", as wg-quick matches them (any family:
 * wg-quick itself only makes ip and ip6 ones). Each match becomes "delete table FAMILY NAME".
 */
static int nft_tables(const char *ifname, struct strbuf *cmds)
{
	const char *argv[] = { "nft", "list", "tables", NULL };
	const char *pos, *line;
	struct strbuf out;
	char suffix[64];
	size_t len, slen;
	int ret;

	slen = (size_t)snprintf(suffix, sizeof(suffix), " wg-quick-%s", ifname);
	strbuf_init(&out);
	ret = spawn_run(argv, NULL, NULL, 0, &out, SPAWN_QUIET);
	for (pos = out.buf; ret == 0 && next_line(&pos, &line, &len);) {
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			--len;
		while (len && (*line == ' ' || *line == '\t'))
			++line, --len;
		if (len > slen && !memcmp(line + len - slen, suffix, slen))
			strbuf_printf(cmds, "delete %.*s\n", (int)len, line);
	}
	strbuf_free(&out);
	return ret > 0 ? -EIO : ret;
}

/*
 * The *-save lines that are rules of IF, as a *-restore -n input deleting them: table headers
 * and COMMIT lines are kept, "-A ...marker..." become "-D ...". Returns how many rules.
 */
static int ipt_rules(const char *save, const char *ifname, struct strbuf *restore)
{
	const char *argv[] = { save, NULL };
	const char *pos, *line;
	struct strbuf out;
	char marker[128];
	size_t len;
	int ret, found = 0;

	snprintf(marker, sizeof(marker), MARKER, ifname);
	strbuf_init(&out);
	ret = spawn_run(argv, NULL, NULL, 0, &out, SPAWN_QUIET);
	for (pos = out.buf; ret == 0 && next_line(&pos, &line, &len);) {
		if (len >= 3 && !strncmp(line, "-A ", 3) &&
		    memmem(line, len, marker, strlen(marker))) {
			strbuf_printf(restore, "-D%.*s\n", (int)len - 2, line + 2);
			++found;
		} else if ((len && line[0] == '*') || (len == 6 && !strncmp(line, "COMMIT", 6))) {
			strbuf_printf(restore, "%.*s\n", (int)len, line);
		}
	}
	strbuf_free(&out);
	return ret > 0 ? -EIO : ret < 0 ? ret : found;
}

void firewall_remove(const char *ifname)
{
	static const char *const tools[][2] = { { "iptables-save", "iptables-restore" },
						{ "ip6tables-save", "ip6tables-restore" } };
	struct strbuf sb;

	strbuf_init(&sb);
	if (have("nft") && nft_tables(ifname, &sb) == 0 && sb.len && !sb.oom) {
		const char *argv[] = { "nft", "-f", "-", NULL };

		fputs("[#] nft -f /dev/stdin\n", stderr);
		feed(argv, &sb);
	}
	/* wg-quick looks for iptables rules whenever iptables exists, even next to nft. */
	for (size_t i = 0; have("iptables") && i < 2; ++i) {
		const char *argv[] = { tools[i][1], "-n", NULL };

		strbuf_reset(&sb);
		if (ipt_rules(tools[i][0], ifname, &sb) > 0 && !sb.oom) {
			fprintf(stderr, "[#] %s -n\n", tools[i][1]);
			feed(argv, &sb);
		}
	}
	strbuf_free(&sb);
}

int firewall_present(const char *ifname)
{
	struct strbuf sb;
	int found = 0;

	strbuf_init(&sb);
	if (have("nft") && nft_tables(ifname, &sb) == 0 && sb.len)
		found = 1;
	if (!found && have("iptables"))
		found = ipt_rules("iptables-save", ifname, &sb) > 0 ||
			ipt_rules("ip6tables-save", ifname, &sb) > 0;
	strbuf_free(&sb);
	return found;
}
