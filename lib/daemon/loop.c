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

#include "crypto/crypto.h"
#include "daemon/loop.h"
#include "util/log.h"

enum {
	/* Reads from one fd per wakeup before the others get their turn. */
	TUN_BUDGET = 32,
	UDP_BUDGET = 4,
	/*
	 * Handshake sockets: read eagerly, since on arrival a message costs only its MAC1 check and
	 * a copy into the device's queue, and junk sent without our public key ends there: up to
	 * 128 datagrams a wakeup. But a socket stops once HANDSHAKE_QUEUED of them were queued,
	 * each at least a cookie reply, so that a flood of valid ones leaves the data its share
	 * (docs/bench.md#handshake-reads). What stays unread is dropped by the kernel, not the
	 * data.
	 */
	HANDSHAKE_BUDGET = 8,
	HANDSHAKE_QUEUED = 32,
	/*
	 * Queued handshakes that may reach the Diffie-Hellman work per wakeup, so that one wakeup
	 * stays short; cookie replies and rate-limited ones cost no budget. The loop comes straight
	 * back while some are left.
	 */
	HANDSHAKE_WORK = 8,
	/*
	 * Messages per recvmmsg; with GRO each holds up to 64 datagrams. Four, not sixteen: the
	 * plaintext reaches the TUN 256 KB at a time instead of 1 MB, which is both faster and
	 * fairer to pings (docs/bench.md#rx-batch). Handshakes are small and many.
	 */
	RX_BATCH = 4,
	HANDSHAKE_BATCH = 16,
	RX_BUFS = HANDSHAKE_BATCH,
	TUNQ_MAX = RX_BUFS * 64,
	BUF_SIZE = DP_HEADROOM + DP_MAX_DATAGRAM + DP_TAILROOM,
	/* Eight 64 KB TUN reads cut into segments, before a flush is forced. */
	TXQ_BYTES = 8 * (DP_MAX_DATAGRAM + 4096),
	TXQ_MSGS = 8 * 64,
	MAX_EVENTS = 32,
};

#define loop_of(h, field) ((struct loop *)((char *)(h)-offsetof(struct loop, field)))

static void stop(struct loop *l, int status)
{
	l->stop = true;
	l->status = status;
}

static void flush_udp(struct loop *l)
{
	size_t failed;

	/* The datagrams whose seal was left to this batch would wait (PENDING) for the next. */
	if (l->dev)
		dp_device_seal_pending(l->dev);
	failed = udp_flush(&l->udp, &l->txq);
	if (failed)
		log_verbose("UDP send: %zu datagrams dropped", failed);
}

static uint8_t *io_udp_buffer(void *arg, size_t cap, enum dp_tx_state **state)
{
	struct loop *l = arg;
	uint8_t *b = udp_txq_buffer(&l->txq, cap, state);

	if (!b) {
		flush_udp(l);
		b = udp_txq_buffer(&l->txq, cap, state);
	}
	return b;
}

static int io_udp_send(void *arg, const struct dp_endpoint *ep, const void *buf, size_t len)
{
	struct loop *l = arg;
	int ret = udp_txq_push(&l->txq, ep, buf, len);

	if (ret == -ENOBUFS) {
		flush_udp(l);
		ret = udp_txq_push(&l->txq, ep, buf, len);
	}
	return ret;
}

static void write_group(struct loop *l, const struct gro_group *g)
{
	struct iovec iov[TUN_MAX_IOV];
	struct gro_pkt *p = &l->tunq[g->head];
	struct dp_offload o;
	int n = 1, ret;

	if (g->count == 1) {
		iov[0] = (struct iovec){ p->buf, p->len };
		ret = tun_writev(l->tun, NULL, iov, 1);
	} else {
		gro_finish(l->tunq, g, &o);
		iov[0] = (struct iovec){ p->buf, p->len };
		for (uint32_t i = p->next; i != GRO_END; i = l->tunq[i].next) {
			struct gro_pkt *q = &l->tunq[i];

			iov[n++] = (struct iovec){ q->buf + q->len - q->payload, q->payload };
		}
		ret = tun_writev(l->tun, &o, iov, n);
	}
	if (ret && ret != -EAGAIN)
		log_verbose("TUN write: %s", strerror(-ret));
}

static void flush_tun(struct loop *l)
{
	size_t ng;

	if (!l->tunq_n)
		return;
	if (l->offload) {
		ng = gro_plan(l->tunq, l->tunq_n, l->groups);
	} else {
		for (ng = 0; ng < l->tunq_n; ++ng)
			l->groups[ng] = (struct gro_group){ .head = (uint32_t)ng, .count = 1 };
	}
	for (size_t i = 0; i < ng; ++i)
		write_group(l, &l->groups[i]);
	l->tunq_n = 0;
}

static int io_tun_write(void *arg, const void *buf, size_t len)
{
	struct loop *l = arg;

	if (l->tunq_n == TUNQ_MAX)
		flush_tun(l);
	l->tunq[l->tunq_n++] = (struct gro_pkt){ .buf = (uint8_t *)buf, .len = len };
	return 0;
}

static int watch(struct loop *l, int fd, struct ev_handler *h)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = h };

	return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int io_udp_bind(void *arg, uint16_t port, uint32_t fwmark, uint16_t *bound)
{
	struct loop *l = arg;
	int old[UDP_WATCHES], ret;

	for (int i = 0; i < UDP_WATCHES; ++i)
		old[i] = *l->udp_watch[i].fd;
	ret = udp_bind(&l->udp, port, fwmark, bound);
	if (ret)
		return ret;
	/* Closing the old sockets took them out of the epoll set. */
	for (int i = 0; i < UDP_WATCHES; ++i) {
		int fd = *l->udp_watch[i].fd;

		if (fd >= 0 && fd != old[i] && (ret = watch(l, fd, &l->udp_watch[i].h)))
			goto err;
	}
	log_verbose("UDP listening on port %u", *bound);
	return 0;
err:
	log_error("Unable to watch the UDP sockets: %s", strerror(-ret));
	udp_close(&l->udp);
	return ret;
}

static void io_parallel(void *arg, void (*fn)(void *ctx, size_t i), void *ctx, size_t n)
{
	struct loop *l = arg;

	workers_run(&l->workers, fn, ctx, n);
}

/*
 * Openings stay on the loop's thread below RX_PARALLEL_THREADS: on so few CPUs, busy with the
 * tunnel and its TCP endpoints, helpers for them gain no rate and cost CPU, since the kernel
 * then copies every plaintext from the other core's cache into the TUN
 * (docs/bench.md#helpers). Sealing keeps its helpers (only when WGCTL_THREADS asks for them on
 * so few CPUs: workers_default_threads).
 */
enum { RX_PARALLEL_THREADS = 4 };

static void io_parallel_rx(void *arg, void (*fn)(void *ctx, size_t i), void *ctx, size_t n)
{
	struct loop *l = arg;

	if (l->workers.count + 1 >= RX_PARALLEL_THREADS) {
		workers_run(&l->workers, fn, ctx, n);
		return;
	}
	for (size_t i = 0; i < n; ++i)
		fn(ctx, i);
}

const struct dp_io_ops loop_io_ops = {
	.parallel = io_parallel,
	.parallel_rx = io_parallel_rx,
	.udp_buffer = io_udp_buffer,
	.udp_send = io_udp_send,
	.tun_write = io_tun_write,
	.udp_bind = io_udp_bind,
};

static void on_tun(struct ev_handler *h, uint32_t events)
{
	struct loop *l = loop_of(h, h_tun);
	uint8_t *pkt = l->bufs[RX_BUFS] + DP_HEADROOM;
	struct dp_offload off;
	size_t len;
	int n;

	(void)events;
	for (int done = 0; done < TUN_BUDGET; ++done) {
		n = tun_read(l->tun, pkt, DP_MAX_DATAGRAM, &len, &off);
		if (n == -EBADFD) {
			log_verbose("Interface %s removed", l->tun->name);
			stop(l, 0);
			break;
		}
		if (n < 0) {
			log_error("Unable to read from TUN device %s: %s", l->tun->name,
				  strerror(-n));
			stop(l, 1);
			break;
		}
		if (!n)
			break;
		/* Encrypted into the send queue: the buffer is free again when this returns. */
		if (len)
			dp_device_tun_packet(l->dev, pkt, len, &off, &l->t);
	}
	flush_udp(l);
}

static void on_udp(struct loop *l, int fd, int budget, int batch)
{
	size_t queued = dp_device_handshakes_queued(l->dev);
	struct udp_msg msgs[RX_BUFS];
	int n;

	for (int i = 0; i < batch; ++i) {
		msgs[i].buf = l->bufs[i] + DP_HEADROOM;
		msgs[i].cap = DP_MAX_DATAGRAM;
	}
	for (int done = 0; done < budget; ++done) {
		n = udp_recv(fd, msgs, batch);
		if (n < 0) {
			log_verbose("UDP receive: %s", strerror(-n));
			break;
		}
		if (!n)
			break;
		for (int i = 0; i < n; ++i) {
			struct udp_msg *m = &msgs[i];
			size_t seg = m->segment ? m->segment : m->len;

			size_t off = 0;

			/* An empty datagram too is counted (and dropped) by the device. */
			do {
				dp_device_udp_packet(l->dev, &m->ep, m->buf + off,
						     m->len - off < seg ? m->len - off : seg,
						     &l->t);
				off += seg;
			} while (off < m->len);
		}
		dp_device_receive_pending(l->dev, &l->t);
		/* Plaintext lives in the receive buffers, which the next receive reuses. */
		flush_tun(l);
		if (n < batch || dp_device_handshakes_queued(l->dev) - queued >= HANDSHAKE_QUEUED)
			break;
	}
	flush_udp(l);
}

static void on_udp_ready(struct ev_handler *h, uint32_t events)
{
	struct udp_watch *w = (struct udp_watch *)((char *)h - offsetof(struct udp_watch, h));

	(void)events;
	on_udp(w->loop, *w->fd, w->budget, w->batch);
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
	/* Down and up again within one read: the sessions must still go, as the kernel's do. */
	if (st.went_down && st.up && l->link.up) {
		log_verbose("Interface %s is down", l->tun->name);
		dp_device_set_up(l->dev, false, &l->t);
		l->link.up = false;
	}
	if (st.up != l->link.up) {
		log_verbose("Interface %s is %s", l->tun->name, st.up ? "up" : "down");
		dp_device_set_up(l->dev, st.up, &l->t);
	}
	st.went_down = false;
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
	sync_link(l, st);
}

static void on_route(struct ev_handler *h, uint32_t events)
{
	(void)events;
	srcroute_drain(&loop_of(h, h_route)->sr);
}

static void tick(struct loop *l)
{
	uint64_t deadline = dp_device_tick(l->dev, &l->t);
	struct itimerspec its = { 0 };

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

int loop_init(struct loop *l, struct tun *tun, struct uapi_server *uapi, bool offload, int threads)
{
	int ret;

	memset(l, 0, sizeof(*l));
	l->epfd = l->timerfd = l->sigfd = l->inofd = -1;
	l->tun = tun;
	l->uapi = uapi;
	l->offload = offload;
	udp_init(&l->udp, offload);
	l->h_tun.fn = on_tun;
	for (int i = 0; i < UDP_WATCHES; ++i) {
		const int *fds[UDP_WATCHES] = { &l->udp.fd4, &l->udp.fd6, &l->udp.hs4,
						&l->udp.hs6 };

		l->udp_watch[i] = (struct udp_watch){
			.h.fn = on_udp_ready,
			.loop = l,
			.fd = fds[i],
			.budget = i < 2 ? UDP_BUDGET : HANDSHAKE_BUDGET,
			.batch = i < 2 ? RX_BATCH : HANDSHAKE_BATCH,
		};
	}
	l->h_timer.fn = on_timer;
	l->h_signal.fn = on_signal;
	l->h_inotify.fn = on_inotify;
	l->h_link.fn = on_link;
	l->h_route.fn = on_route;
	l->bufs = calloc(RX_BUFS + 1, sizeof(*l->bufs));
	l->tunq = calloc(TUNQ_MAX, sizeof(*l->tunq));
	l->groups = calloc(TUNQ_MAX, sizeof(*l->groups));
	if (!l->bufs || !l->tunq || !l->groups)
		return -ENOMEM;
	for (int i = 0; i < RX_BUFS + 1; ++i) {
		l->bufs[i] = malloc(BUF_SIZE);
		if (!l->bufs[i])
			return -ENOMEM;
	}
	ret = udp_txq_init(&l->txq, TXQ_BYTES, TXQ_MSGS);
	if (ret)
		return ret;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	l->timerfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->timerfd < 0)
		return -errno;
	if ((ret = watch(l, l->timerfd, &l->h_timer)) || (ret = watch(l, tun->fd, &l->h_tun)) ||
	    (ret = init_signals(l)) || (ret = init_inotify(l)))
		return ret;
	ret = linkwatch_open(&l->lw, tun->fd, tun->ifindex);
	if (ret || (ret = watch(l, linkwatch_fd(&l->lw), &l->h_link)))
		return ret;
	ret = srcroute_open(&l->sr);
	if (ret || (ret = watch(l, srcroute_fd(&l->sr), &l->h_route)))
		return ret;
	l->udp.sr = &l->sr;
	/* This thread's cipher contexts, now: the packet path then cannot fail for memory. */
	ret = crypto_thread_init();
	if (ret)
		return ret;
	/* After init_signals: helpers inherit the blocked set (and block the rest). */
	return workers_start(&l->workers, threads);
}

int loop_attach(struct loop *l, struct dp_device *dev)
{
	int ret;

	l->dev = dev;
	ev_time_now(&l->t);
	/* Read after subscribing, so no change can fall between the two. */
	ret = linkwatch_query(&l->lw, &l->link);
	if (ret)
		return ret;
	l->link.went_down = false;
	if (l->link.deleted)
		return -ENODEV;
	dp_device_set_mtu(dev, l->link.mtu);
	dp_device_set_up(dev, l->link.up, &l->t);
	return uapi_server_start(l->uapi, l->epfd, dev);
}

/* Returns how many handshakes are still queued. */
static size_t process_handshakes(struct loop *l)
{
	size_t left = dp_device_process_handshakes(l->dev, HANDSHAKE_WORK, &l->t);

	flush_tun(l);
	return left;
}

int loop_run(struct loop *l)
{
	struct epoll_event evs[MAX_EVENTS];
	size_t pending = 0;
	int n;

	ev_time_now(&l->t);
	tick(l);
	flush_udp(l);
	while (!l->stop) {
		/* Handshakes left in the device's queue: only look for new events, do not wait. */
		n = epoll_wait(l->epfd, evs, MAX_EVENTS, pending ? 0 : -1);
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
		/* Whichever socket they came in on, handshakes wait in one queue. */
		if (!l->stop)
			pending = process_handshakes(l);
		/*
		 * Every wakeup, not only at the armed deadline: a packet or a set may have started
		 * a timer that is due earlier.
		 */
		if (!l->stop)
			tick(l);
		/* Handshakes and keepalives from the UAPI and the timers. */
		flush_udp(l);
	}
	return l->status;
}

void loop_destroy(struct loop *l)
{
	workers_stop(&l->workers);
	udp_close(&l->udp);
	if (l->lw.nl)
		linkwatch_close(&l->lw);
	srcroute_close(&l->sr);
	if (l->inofd >= 0)
		close(l->inofd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->bufs) {
		for (int i = 0; i < RX_BUFS + 1; ++i)
			free(l->bufs[i]);
		free(l->bufs);
	}
	l->bufs = NULL;
	udp_txq_free(&l->txq);
	free(l->tunq);
	free(l->groups);
	l->tunq = NULL;
	l->groups = NULL;
	l->epfd = l->timerfd = l->sigfd = l->inofd = -1;
}
