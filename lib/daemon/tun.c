// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/tun.h"
#include "datapath/device.h"

static int link_ioctl(const char *name, unsigned long req, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", name);
	if (ioctl(fd, req, ifr) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int tun_open(struct tun *tun, const char *name)
{
	struct ifreq ifr = {.ifr_flags = IFF_TUN | IFF_NO_PI};
	int ret;

	tun->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (tun->fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(tun->fd, TUNSETIFF, &ifr) < 0)
		goto err;
	snprintf(tun->name, sizeof(tun->name), "%s", ifr.ifr_name);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_mtu = DP_DEFAULT_MTU;
	ret = link_ioctl(tun->name, SIOCSIFMTU, &ifr);
	if (ret)
		goto err_ret;
	ret = link_ioctl(tun->name, SIOCGIFINDEX, &ifr);
	if (ret)
		goto err_ret;
	tun->ifindex = ifr.ifr_ifindex;
	return 0;
err:
	ret = -errno;
err_ret:
	close(tun->fd);
	tun->fd = -1;
	return ret;
}

void tun_close(struct tun *tun)
{
	if (tun->fd >= 0)
		close(tun->fd);
	tun->fd = -1;
}

int tun_get_mtu(const struct tun *tun, unsigned int *mtu)
{
	struct ifreq ifr = {0};
	int ret = link_ioctl(tun->name, SIOCGIFMTU, &ifr);

	if (!ret)
		*mtu = (unsigned int)ifr.ifr_mtu;
	return ret;
}

int tun_is_up(const struct tun *tun, bool *up)
{
	struct ifreq ifr = {0};
	int ret = link_ioctl(tun->name, SIOCGIFFLAGS, &ifr);

	if (!ret)
		*up = ifr.ifr_flags & IFF_UP;
	return ret;
}

int tun_read(struct tun *tun, uint8_t *const bufs[], size_t cap, size_t lens[], int n)
{
	ssize_t r;

	if (n < 1)
		return 0;
	r = read(tun->fd, bufs[0], cap);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	lens[0] = (size_t)r;
	return 1;
}

int tun_write(struct tun *tun, const void *pkt, size_t len)
{
	ssize_t r = write(tun->fd, pkt, len);

	if (r < 0)
		return -errno;
	return (size_t)r == len ? 0 : -EIO;
}
