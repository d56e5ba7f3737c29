// SPDX-License-Identifier: MIT
/*
 * The bundled datapath's counters: `wgctl daemon` answers `stats=1` on its UAPI socket with
 * `name=number` lines. Other implementations (wireguard-go, the kernel) have no such request;
 * for them this is -EOPNOTSUPP and the caller goes without.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/uapi_client.h"

int backend_stats(const char *ifname, struct strbuf *out)
{
	static const char req[] = "stats=1\n\n";
	int fd, ret;

	if (backend_for(ifname) != &backend_uapi)
		return -EOPNOTSUPP;
	fd = uapi_open(ifname);
	if (fd < 0)
		return fd;
	ret = uapi_exchange(fd, req, sizeof(req) - 1, out);
	close(fd);
	if (ret)
		return ret;
	if (out->oom)
		return -ENOMEM;
	/* Anything but a clean answer (an unknown request's errno) means: no counters here. */
	if (out->len < 9 || strncmp(out->buf + out->len - 9, "errno=0\n\n", 9))
		return -EOPNOTSUPP;
	return 0;
}
