/* SPDX-License-Identifier: MIT */
/* /proc/sys values by their dotted name ("net.ipv4.conf.all.src_valid_mark"). 0 or -errno. */
#ifndef WGCTL_ORCH_SYSCTL_H
#define WGCTL_ORCH_SYSCTL_H

#include <stddef.h>

/* The value without its trailing newline. */
int sysctl_read(const char *name, char *value, size_t len);
int sysctl_write(const char *name, const char *value);

#endif
