/* SPDX-License-Identifier: MIT */
/* What the daemon's epoll loop dispatches to: every registered fd carries one of these. */
#ifndef WGCTL_DAEMON_EVENT_H
#define WGCTL_DAEMON_EVENT_H

#include <stdint.h>
#include <time.h>

#include "datapath/device.h"

struct ev_handler {
	void (*fn)(struct ev_handler *h, uint32_t events);
};

static inline void ev_time_now(struct dp_time *t)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	t->now = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	clock_gettime(CLOCK_REALTIME, &t->wall);
}

#endif
