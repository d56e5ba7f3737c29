// SPDX-License-Identifier: MIT
#include <errno.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model/uapi.h"
#include "daemon/uapi_server.h"
#include "util/file.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/strbuf.h"

enum {
	MAX_LINE = 4096,
	/*
	 * As large as the replies the client accepts: a set of 10,000 peers with 1,000,000
	 * allowed IPs is about 32 MiB (docs/scale.md).
	 */
	MAX_REQUEST = 256 << 20,
	READ_CHUNK = 64 << 10,
	MAX_CONNS = 256,
	/* A get or set this large is followed by malloc_trim(). */
	TRIM_AFTER = 1 << 20,
};

enum op { OP_NONE, OP_GET, OP_SET, OP_STATS };

struct uapi_conn {
	struct ev_handler h;
	struct uapi_server *srv;
	int fd;
	uint32_t events;
	struct strbuf in, out;
	size_t out_off;
	size_t line, scan; /* start of the current line, where the search for '\n' resumes */
	size_t body;       /* start of a set body */
	enum op op;
	bool eof, closing;
	struct uapi_conn *prev, *next;
};

#define conn_of(ptr)   ((struct uapi_conn *)((char *)(ptr)-offsetof(struct uapi_conn, h)))
#define server_of(ptr) ((struct uapi_server *)((char *)(ptr)-offsetof(struct uapi_server, h)))

static int probe_existing(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ret = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
	close(fd);
	/* EAGAIN: a listener with a full backlog is alive too. */
	if (!ret || ret == -EAGAIN)
		return -EADDRINUSE;
	if (ret != -ECONNREFUSED)
		return ret;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int uapi_server_open(struct uapi_server *s, const char *ifname)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_umask;
	int ret, n;

	memset(s, 0, sizeof(*s));
	s->fd = s->epfd = -1;
	n = snprintf(s->dir, sizeof(s->dir), "%s", uapi_run_dir());
	if (n < 0 || (size_t)n >= sizeof(s->dir))
		return -ENAMETOOLONG;
	n = snprintf(s->path, sizeof(s->path), "%s/%s.sock", s->dir, ifname);
	if (n < 0 || (size_t)n >= sizeof(s->path))
		return -ENAMETOOLONG;
	s->name = s->path + strlen(s->dir) + 1;
	/* Like wireguard-go, the whole path is made: WGCTL_RUN_DIR may name a fresh directory. */
	if ((ret = file_mkdirs(s->dir, 0755, 0755)) < 0)
		return ret;
	ret = probe_existing(s->path);
	if (ret)
		return ret;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	memcpy(sun.sun_path, s->path, sizeof(s->path));
	old_umask = umask(0177);
	ret = bind(s->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
	umask(old_umask);
	if (ret)
		goto err;
	if (stat(s->path, &st) < 0 || listen(s->fd, SOMAXCONN) < 0) {
		ret = -errno;
		unlink(s->path);
		goto err;
	}
	s->st_dev = st.st_dev;
	s->st_ino = st.st_ino;
	return 0;
err:
	close(s->fd);
	s->fd = -1;
	return ret;
}

bool uapi_server_path_is_ours(const struct uapi_server *s)
{
	struct stat st;

	return !lstat(s->path, &st) && st.st_dev == s->st_dev && st.st_ino == s->st_ino;
}

static void conn_free(struct uapi_conn *c)
{
	struct uapi_server *s = c->srv;

	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	strbuf_free(&c->in);
	strbuf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	--s->nconns;
	free(c);
}

void uapi_server_close(struct uapi_server *s)
{
	while (s->conns)
		conn_free(s->conns);
	if (s->fd < 0)
		return;
	if (s->epfd >= 0)
		epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->fd = -1;
	if (uapi_server_path_is_ours(s))
		unlink(s->path);
}

/* Drops the finished operation from the input, wiping it: set bodies carry keys. */
static void consume(struct uapi_conn *c)
{
	size_t n = c->line, rest = c->in.len - n;

	memmove(c->in.buf, c->in.buf + n, rest);
	memzero_explicit(c->in.buf + rest, n);
	c->in.len = rest;
	c->line = c->scan = c->body = 0;
	c->op = OP_NONE;
}

static void reply_errno(struct uapi_conn *c, int err, bool close_after)
{
	strbuf_printf(&c->out, "errno=%d\n\n", err);
	c->closing |= close_after;
}

/*
 * A large set or get leaves its parsed model (a small allocation per allowed IP) as free heap
 * below the trie nodes allocated after it, where glibc does not give it back by itself: with a
 * million prefixes that is about 60 MiB of RSS for nothing (docs/scale.md).
 */
static void release_memory(size_t bytes)
{
#ifdef __GLIBC__
	if (bytes >= TRIM_AFTER)
		malloc_trim(0);
#else
	(void)bytes;
#endif
}

static void do_get(struct uapi_conn *c)
{
	struct wg_device *m = dp_device_export(c->srv->dev);

	if (!m) {
		reply_errno(c, -ENOMEM, false);
		return;
	}
	uapi_format_get(&c->out, m);
	model_device_free(m);
	release_memory(c->out.len);
}

static void do_stats(struct uapi_conn *c)
{
	dp_device_format_stats(c->srv->dev, &c->out);
	strbuf_puts(&c->out, "errno=0\n\n");
}

static void do_set(struct uapi_conn *c, const char *body, size_t len)
{
	struct wg_device *delta;
	struct strbuf why;
	struct dp_time t;
	int ret;

	strbuf_init(&why);
	ret = uapi_parse_set(&delta, body, len, &why);
	if (!ret) {
		ev_time_now(&t);
		ret = dp_device_apply(c->srv->dev, delta, &t, &why);
		model_device_free(delta);
	}
	release_memory(len);
	if (ret)
		log_error("UAPI set failed: %s: %s", why.buf ? why.buf : "", strerror(-ret));
	reply_errno(c, ret, ret == -EPROTO);
	strbuf_free(&why);
}

static enum op parse_op(const char *p, size_t n, int *err)
{
	if (n == 5 && !memcmp(p, "get=1", 5))
		return OP_GET;
	if (n == 5 && !memcmp(p, "set=1", 5))
		return OP_SET;
	if (n == 7 && !memcmp(p, "stats=1", 7))
		return OP_STATS;
	*err = memchr(p, '=', n) ? -EINVAL : -EPROTO;
	return OP_NONE;
}

/* Runs input until one operation produced a reply (true) or more input is needed (false). */
static bool process(struct uapi_conn *c)
{
	for (;;) {
		char *base = c->in.buf, *p, *nl;
		size_t n;
		int err = 0;

		nl = c->in.len > c->scan ? memchr(base + c->scan, '\n', c->in.len - c->scan) : NULL;
		if (!nl) {
			c->scan = c->in.len;
			if (c->in.len - c->line > MAX_LINE) {
				reply_errno(c, -EPROTO, true);
				return true;
			}
			if (c->op == OP_SET && c->in.len - c->body > MAX_REQUEST) {
				reply_errno(c, -EMSGSIZE, true);
				return true;
			}
			return false;
		}
		p = base + c->line;
		n = (size_t)(nl - p);
		c->line = c->scan = (size_t)(nl - base) + 1;
		if (n > MAX_LINE || memchr(p, '\0', n)) {
			reply_errno(c, -EPROTO, true);
			return true;
		}
		switch (c->op) {
		case OP_NONE:
			c->op = parse_op(p, n, &err);
			c->body = c->line;
			if (err) {
				log_error("UAPI: invalid operation line");
				reply_errno(c, err, true);
				return true;
			}
			continue;
		case OP_GET:
		case OP_STATS:
			if (n) {
				reply_errno(c, -EINVAL, true);
				return true;
			}
			if (c->op == OP_GET)
				do_get(c);
			else
				do_stats(c);
			break;
		case OP_SET:
			if (n)
				continue;
			do_set(c, base + c->body, (size_t)(p - (base + c->body)));
			break;
		}
		consume(c);
		return true;
	}
}

static int conn_read(struct uapi_conn *c)
{
	static char buf[READ_CHUNK];
	ssize_t r;

	while (c->in.len < MAX_REQUEST + MAX_LINE) {
		r = read(c->fd, buf, sizeof(buf));
		if (r == 0) {
			c->eof = true;
			return 0;
		}
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		strbuf_append(&c->in, buf, (size_t)r);
		memzero_explicit(buf, (size_t)r);
		if (c->in.oom)
			return -ENOMEM;
	}
	return 0;
}

static int conn_flush(struct uapi_conn *c)
{
	ssize_t w;

	if (c->out.oom)
		return -ENOMEM;
	while (c->out_off < c->out.len) {
		w = send(c->fd, c->out.buf + c->out_off, c->out.len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		c->out_off += (size_t)w;
	}
	if (c->out.len) {
		/* get replies carry the private key. */
		memzero_explicit(c->out.buf, c->out.len);
		c->out.len = c->out_off = 0;
	}
	return 0;
}

static void conn_event(struct ev_handler *h, uint32_t events)
{
	struct uapi_conn *c = conn_of(h);
	struct epoll_event ev = { .data.ptr = &c->h };
	bool pending;

	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !c->eof && !c->closing &&
	    conn_read(c) < 0)
		goto drop;
	for (;;) {
		if (conn_flush(c) < 0)
			goto drop;
		if (c->out.len || c->closing || !process(c))
			break;
	}
	pending = c->out.len;
	if (!pending && (c->closing || c->eof))
		goto drop;
	ev.events = pending ? EPOLLOUT : EPOLLIN;
	if (ev.events != c->events) {
		if (epoll_ctl(c->srv->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
			goto drop;
		c->events = ev.events;
	}
	return;
drop:
	conn_free(c);
}

static void accept_event(struct ev_handler *h, uint32_t events)
{
	struct uapi_server *s = server_of(h);
	struct epoll_event ev = { .events = EPOLLIN };
	struct uapi_conn *c;
	int fd;

	(void)events;
	while ((fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		c = s->nconns < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			log_error("UAPI: dropping a client: too many connections");
			close(fd);
			continue;
		}
		c->h.fn = conn_event;
		c->srv = s;
		c->fd = fd;
		c->events = EPOLLIN;
		strbuf_init(&c->in);
		strbuf_init(&c->out);
		ev.data.ptr = &c->h;
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			continue;
		}
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		++s->nconns;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
		log_error("UAPI: accept: %s", strerror(errno));
}

int uapi_server_start(struct uapi_server *s, int epfd, struct dp_device *dev)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->h };

	s->h.fn = accept_event;
	s->epfd = epfd;
	s->dev = dev;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0 ? -errno : 0;
}
