// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
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

#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
/* Linux 6.2 (USO); Debian 12's headers are 6.1's. */
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

/* IPv4 and IPv6 TCP segments with ECN, and their checksums; UDP segments where supported. */
#define OFFLOAD_TCP (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

int tun_open(struct tun *tun, const char *name, bool offload)
{
	struct ifreq ifr = { .ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR };
	int ret;

	tun->offload = false;
	tun->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (tun->fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(tun->fd, TUNSETIFF, &ifr) < 0)
		goto err;
	/* Without it the kernel segments and checksums before handing packets over. */
	if (offload && ioctl(tun->fd, TUNSETOFFLOAD, OFFLOAD_TCP) == 0)
		tun->offload = true;
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

int tun_read(struct tun *tun, uint8_t *buf, size_t cap, size_t *len, struct dp_offload *off)
{
	struct virtio_net_hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { buf, cap } };
	ssize_t r = readv(tun->fd, iov, 2);

	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	if ((size_t)r < sizeof(h)) {
		*len = 0;
		return 1;
	}
	*len = (size_t)r - sizeof(h);
	memset(off, 0, sizeof(*off));
	off->needs_csum = h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	off->csum_start = h.csum_start;
	off->csum_offset = h.csum_offset;
	off->gso_size = h.gso_size;
	off->hdr_len = h.hdr_len;
	switch (h.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		off->gso = DP_GSO_TCP;
		break;
	case VIRTIO_NET_HDR_GSO_UDP_L4:
		off->gso = DP_GSO_UDP;
		break;
	default:
		/* Not asked for: reported as an empty read, which the caller skips. */
		*len = 0;
	}
	return 1;
}

int tun_writev(struct tun *tun, const struct dp_offload *off, const struct iovec *iov, int n)
{
	struct virtio_net_hdr h = { .flags = VIRTIO_NET_HDR_F_DATA_VALID };
	struct iovec v[1 + TUN_MAX_IOV];
	size_t len = 0;
	ssize_t r;

	if (n > TUN_MAX_IOV)
		return -EINVAL;
	if (off && off->gso == DP_GSO_TCP) {
		const uint8_t *ip = iov[0].iov_base;

		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.gso_type = ip[0] >> 4 == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
		h.gso_size = off->gso_size;
		h.csum_start = off->csum_start;
		h.csum_offset = off->csum_offset;
		h.hdr_len = off->hdr_len;
	}
	v[0] = (struct iovec){ &h, sizeof(h) };
	for (int i = 0; i < n; ++i) {
		v[1 + i] = iov[i];
		len += iov[i].iov_len;
	}
	r = writev(tun->fd, v, n + 1);
	if (r < 0)
		return -errno;
	return (size_t)r == len + sizeof(h) ? 0 : -EIO;
}
