// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: the daemon's UAPI server (daemon/uapi_server.c) as a client reaches it,
 * over its real socket, with a real device behind it: request framing across reads, several
 * operations on one connection, get/set/stats, errors that close the connection.
 *
 * The first 8 bytes pick where the stream is cut: chunk i is (byte[i % 8] % 97) + 1 bytes, and
 * each chunk reaches the server as a read of its own. The rest is the byte stream a client
 * sends, then it shuts its side. The same stream sent in one write to a fresh device must get
 * the same replies, byte for byte: framing must not depend on how the reads fall.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "crypto/crypto.h"
#include "daemon/uapi_server.h"
#include "datapath/device.h"
#include "util/log.h"
#include "util/strbuf.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/wgctl-fuzz-uapi.XXXXXX";
static struct uapi_server srv;
static int epfd = -1;

static int io_send(void *arg, const struct dp_endpoint *ep, const void *buf, size_t len)
{
	(void)arg, (void)ep, (void)buf, (void)len;
	return 0;
}

static int io_tun(void *arg, const void *buf, size_t len)
{
	(void)arg, (void)buf, (void)len;
	return 0;
}

/* Every port binds; port 0 gets one fixed port, so both runs of an input see the same. */
static int io_bind(void *arg, uint16_t port, uint32_t fwmark, uint16_t *bound)
{
	(void)arg, (void)fwmark;
	*bound = port ? port : 40000;
	return 0;
}

static const struct dp_io_ops ops = { .udp_send = io_send,
				      .tun_write = io_tun,
				      .udp_bind = io_bind };

static void cleanup(void)
{
	uapi_server_close(&srv);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (crypto_init() || !mkdtemp(dir))
		abort();
	setenv("WGCTL_RUN_DIR", dir, 1);
	/* A failed set logs a line; a million of them say nothing. */
	log_set_level(LOG_LEVEL_SILENT);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0 || uapi_server_open(&srv, "fz0") || uapi_server_start(&srv, epfd, NULL))
		abort();
	atexit(cleanup);
	return 0;
}

static int connect_client(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, srv.path, sizeof(srv.path));
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		abort();
	return fd;
}

/*
 * Leaves out the one process-wide figure of `stats=1`: the whole process's X25519 operations
 * differ between the two runs.
 */
static void without_process_counters(struct strbuf *sb)
{
	static const char tag[] = "x25519_operations=";
	char *p = sb->buf;

	while (p && (p = memmem(p, sb->len - (size_t)(p - sb->buf), tag, sizeof(tag) - 1))) {
		char *nl = memchr(p, '\n', sb->len - (size_t)(p - sb->buf));
		size_t cut = nl ? (size_t)(nl + 1 - p) : sb->len - (size_t)(p - sb->buf);

		memmove(p, p + cut, sb->len - (size_t)(p - sb->buf) - cut);
		sb->len -= cut;
	}
}

/* Everything the server has sent so far, without waiting. */
static void drain(int fd, struct strbuf *reply)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		strbuf_append(reply, buf, (size_t)n);
}

/*
 * What the daemon's loop does, without waiting: every ready handler runs, and the client takes
 * what it was sent, until nothing is ready.
 */
static void pump(int fd, struct strbuf *reply)
{
	struct epoll_event ev[8];
	int n;

	for (int i = 0; i < 10000; ++i) {
		n = epoll_wait(epfd, ev, 8, 0);
		if (n <= 0)
			break;
		for (int k = 0; k < n; ++k) {
			struct ev_handler *h = ev[k].data.ptr;

			h->fn(h, ev[k].events);
		}
		if (fd >= 0)
			drain(fd, reply);
	}
}

/* One connection: `stream` in chunks of the sizes `cuts` picks (NULL: one write). */
static void session(const uint8_t *cuts, const uint8_t *stream, size_t len, struct strbuf *reply)
{
	struct dp_device *dev = dp_device_new(&ops, NULL);
	size_t off = 0;
	int fd;

	if (!dev)
		abort();
	srv.dev = dev;
	fd = connect_client();
	pump(fd, reply);
	for (size_t i = 0; off < len && srv.nconns; ++i) {
		size_t n = cuts ? (size_t)(cuts[i % 8] % 97) + 1 : len;

		if (n > len - off)
			n = len - off;
		if (send(fd, stream + off, n, MSG_NOSIGNAL) != (ssize_t)n)
			break;
		off += n;
		pump(fd, reply);
	}
	shutdown(fd, SHUT_WR);
	pump(fd, reply);
	drain(fd, reply);
	close(fd);
	pump(-1, NULL);
	if (srv.nconns)
		abort(); /* a client that hung up must be gone */
	dp_device_free(dev);
	srv.dev = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf whole, split;

	if (size < 8)
		return 0;
	strbuf_init(&whole);
	strbuf_init(&split);
	session(NULL, data + 8, size - 8, &whole);
	session(data, data + 8, size - 8, &split);
	without_process_counters(&whole);
	without_process_counters(&split);
	if (!whole.oom && !split.oom &&
	    (whole.len != split.len || (whole.len && memcmp(whole.buf, split.buf, whole.len)))) {
		fprintf(stderr, "the replies depend on how the reads fall:\n%.*s---\n%.*s",
			(int)whole.len, whole.buf ? whole.buf : "", (int)split.len,
			split.buf ? split.buf : "");
		abort();
	}
	strbuf_free(&whole);
	strbuf_free(&split);
	return 0;
}
