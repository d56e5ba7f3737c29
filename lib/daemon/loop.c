// SPDX-License-Identifier: MIT
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "daemon/loop.h"
#include "util/log.h"

enum {
	/* Packets read from one fd per wakeup before the others get their turn. */
	BUDGET = 64,
	BATCH = 32,
	BUF_SIZE = DP_HEADROOM + DP_MAX_DATAGRAM + DP_TAILROOM,
	MAX_EVENTS = 32,
};

#define loop_of(h, field) ((struct loop *)((char *)(h)-offsetof(struct loop, field)))

static void stop(struct loop *l, int status)
{
	l->stop = true;
	l->status = status;
}

static int io_udp_send(void *arg, const struct dp_endpoint *ep, const void *buf, size_t len)
{
	struct loop *l = arg;
	struct udp_out o = {.ep = ep, .buf = buf, .len = len};
	int ret = udp_send(&l->udp, &o, 1);

	return ret < 0 ? ret : 0;
}

static int io_tun_write(void *arg, const void *buf, size_t len)
{
	struct loop *l = arg;

	return tun_write(l->tun, buf, len);
}

static int watch(struct loop *l, int fd, struct ev_handler *h)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = h};

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int io_udp_bind(void *arg, uint16_t port, uint32_t fwmark, uint16_t *bound)
{
	struct loop *l = arg;
	int old4 = l->udp.fd4, old6 = l->udp.fd6, ret;

	ret = udp_bind(&l->udp, port, fwmark, bound);
	if (ret)
		return ret;
	/* Closing the old sockets took them out of the epoll set. */
	if (l->udp.fd4 >= 0 && l->udp.fd4 != old4 && (ret = watch(l, l->udp.fd4, &l->h_udp4)))
		goto err;
	if (l->udp.fd6 >= 0 && l->udp.fd6 != old6 && (ret = watch(l, l->udp.fd6, &l->h_udp6)))
		goto err;
	log_verbose("UDP listening on port %u", *bound);
	return 0;
err:
	log_error("Unable to watch the UDP sockets: %s", strerror(-ret));
	udp_close(&l->udp);
	return ret;
}

const struct dp_io_ops loop_io_ops = {
	.udp_send = io_udp_send,
	.tun_write = io_tun_write,
	.udp_bind = io_udp_bind,
};

static void on_tun(struct ev_handler *h, uint32_t events)
{
	struct loop *l = loop_of(h, h_tun);
	uint8_t *pkts[BATCH];
	size_t lens[BATCH];
	int n;

	(void)events;
	for (int i = 0; i < BATCH; ++i)
		pkts[i] = l->bufs[i] + DP_HEADROOM;
	for (int done = 0; done < BUDGET; done += n) {
		n = tun_read(l->tun, pkts, DP_MAX_PACKET, lens, BATCH);
		if (n == -EBADFD) {
			log_verbose("Interface %s removed", l->tun->name);
			stop(l, 0);
			return;
		}
		if (n < 0) {
			log_error("Unable to read from TUN device %s: %s", l->tun->name,
				  strerror(-n));
			stop(l, 1);
			return;
		}
		if (!n)
			return;
		for (int i = 0; i < n; ++i) {
			if (lens[i])
				dp_device_tun_packet(l->dev, pkts[i], lens[i], &l->t);
		}
	}
}

static void on_udp(struct loop *l, int fd)
{
	struct udp_msg msgs[BATCH];
	int n;

	for (int i = 0; i < BATCH; ++i) {
		msgs[i].buf = l->bufs[i] + DP_HEADROOM;
		msgs[i].cap = DP_MAX_DATAGRAM;
	}
	for (int done = 0; done < BUDGET; done += n) {
		n = udp_recv(fd, msgs, BATCH);
		if (n < 0) {
			log_verbose("UDP receive: %s", strerror(-n));
			return;
		}
		if (!n)
			return;
		for (int i = 0; i < n; ++i)
			dp_device_udp_packet(l->dev, &msgs[i].ep, msgs[i].buf, msgs[i].len, &l->t);
	}
}

static void on_udp4(struct ev_handler *h, uint32_t events)
{
	struct loop *l = loop_of(h, h_udp4);

	(void)events;
	on_udp(l, l->udp.fd4);
}

static void on_udp6(struct ev_handler *h, uint32_t events)
{
	struct loop *l = loop_of(h, h_udp6);

	(void)events;
	on_udp(l, l->udp.fd6);
}

static void on_timer(struct ev_handler *h, uint32_t events)
{
	struct loop *l = loop_of(h, h_timer);
	uint64_t expirations;

	(void)events;
	/* Just clear it: the loop ticks the device after every wakeup. */
	if (read(l->timerfd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_error("timerfd: %s", strerror(errno));
	/* A one-shot timer: whatever tick() returns next must be armed again, even if unchanged. */
	l->armed = 0;
}

static void on_signal(struct ev_handler *h, uint32_t events)
{
	struct loop *l = loop_of(h, h_signal);
	struct signalfd_siginfo si;

	(void)events;
	while (read(l->sigfd, &si, sizeof(si)) == sizeof(si)) {
		log_verbose("Shutting down on signal %u", si.ssi_signo);
		stop(l, 0);
	}
}

static void on_inotify(struct ev_handler *h, uint32_t events)
{
	struct loop *l = loop_of(h, h_inotify);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	(void)events;
	while (read(l->inofd, buf, sizeof(buf)) > 0)
		;
	if (!uapi_server_path_is_ours(l->uapi)) {
		log_verbose("UAPI socket %s removed, shutting down", l->uapi->path);
		stop(l, 0);
	}
}

static void sync_link(struct loop *l, struct link_state st)
{
	if (st.deleted) {
		log_verbose("Interface %s removed", l->tun->name);
		stop(l, 0);
		return;
	}
	if (st.mtu && st.mtu != l->link.mtu) {
		log_verbose("MTU of %s is now %u", l->tun->name, st.mtu);
		dp_device_set_mtu(l->dev, st.mtu);
	}
	if (st.up != l->link.up) {
		log_verbose("Interface %s is %s", l->tun->name, st.up ? "up" : "down");
		dp_device_set_up(l->dev, st.up, &l->t);
	}
	l->link = st;
}

static void on_link(struct ev_handler *h, uint32_t events)
{
	struct loop *l = loop_of(h, h_link);
	struct link_state st = l->link;
	int ret;

	(void)events;
	ret = linkwatch_read(&l->lw, &st);
	if (ret)
		log_error("Link notifications: %s", strerror(-ret));
	if (l->lw.lost && !st.deleted) {
		l->lw.lost = false;
		if (tun_get_mtu(l->tun, &st.mtu) == -ENODEV)
			st.deleted = true;
		else
			tun_is_up(l->tun, &st.up);
	}
	sync_link(l, st);
}

static void tick(struct loop *l)
{
	uint64_t deadline = dp_device_tick(l->dev, &l->t);
	struct itimerspec its = {0};

	if (deadline == l->armed)
		return;
	its.it_value.tv_sec = (time_t)(deadline / 1000000000ULL);
	its.it_value.tv_nsec = (long)(deadline % 1000000000ULL);
	if (timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		log_error("timerfd: %s", strerror(errno));
		return;
	}
	l->armed = deadline;
}

static int init_signals(struct loop *l)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	l->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return l->sigfd < 0 ? -errno : watch(l, l->sigfd, &l->h_signal);
}

static int init_inotify(struct loop *l)
{
	l->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (l->inofd < 0)
		return -errno;
	/* Unlinking a bound socket only changes its link count: IN_ATTRIB, not IN_DELETE_SELF. */
	if (inotify_add_watch(l->inofd, l->uapi->path, IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF) <
		    0 ||
	    inotify_add_watch(l->inofd, l->uapi->dir,
			      IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF) < 0)
		return -errno;
	return watch(l, l->inofd, &l->h_inotify);
}

int loop_init(struct loop *l, struct tun *tun, struct uapi_server *uapi)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->epfd = l->timerfd = l->sigfd = l->inofd = -1;
	l->tun = tun;
	l->uapi = uapi;
	udp_init(&l->udp);
	l->h_tun.fn = on_tun;
	l->h_udp4.fn = on_udp4;
	l->h_udp6.fn = on_udp6;
	l->h_timer.fn = on_timer;
	l->h_signal.fn = on_signal;
	l->h_inotify.fn = on_inotify;
	l->h_link.fn = on_link;
	l->bufs = calloc(BATCH, sizeof(*l->bufs));
	if (!l->bufs)
		return -ENOMEM;
	for (int i = 0; i < BATCH; ++i) {
		l->bufs[i] = malloc(BUF_SIZE);
		if (!l->bufs[i])
			return -ENOMEM;
	}
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	l->timerfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timerfd < 0)
		return -errno;
	if ((ret = watch(l, l->timerfd, &l->h_timer)) || (ret = watch(l, tun->fd, &l->h_tun)) ||
	    (ret = init_signals(l)) || (ret = init_inotify(l)))
		return ret;
	ret = linkwatch_open(&l->lw, tun->ifindex);
	if (ret)
		return ret;
	return watch(l, linkwatch_fd(&l->lw), &l->h_link);
}

int loop_attach(struct loop *l, struct dp_device *dev)
{
	int ret;

	l->dev = dev;
	ev_time_now(&l->t);
	/* Read after subscribing, so no change can fall between the two. */
	if ((ret = tun_get_mtu(l->tun, &l->link.mtu)) || (ret = tun_is_up(l->tun, &l->link.up)))
		return ret;
	dp_device_set_mtu(dev, l->link.mtu);
	dp_device_set_up(dev, l->link.up, &l->t);
	return uapi_server_start(l->uapi, l->epfd, dev);
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[MAX_EVENTS];
	int n;

	ev_time_now(&l->t);
	tick(l);
	while (!l->stop) {
		n = epoll_wait(l->epfd, evs, MAX_EVENTS, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return 1;
		}
		ev_time_now(&l->t);
		for (int i = 0; i < n && !l->stop; ++i) {
			struct ev_handler *h = evs[i].data.ptr;

			h->fn(h, evs[i].events);
		}
		/*
		 * Every wakeup, not only at the armed deadline: a packet or a set may have started
		 * a timer that is due earlier.
		 */
		if (!l->stop)
			tick(l);
	}
	return l->status;
}

void loop_destroy(struct loop *l)
{
	udp_close(&l->udp);
	if (l->lw.nl)
		linkwatch_close(&l->lw);
	if (l->inofd >= 0)
		close(l->inofd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->bufs) {
		for (int i = 0; i < BATCH; ++i)
			free(l->bufs[i]);
		free(l->bufs);
	}
	l->bufs = NULL;
	l->epfd = l->timerfd = l->sigfd = l->inofd = -1;
}
