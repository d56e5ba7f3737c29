// SPDX-License-Identifier: MIT
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend/backend.h"
#include "backend/uapi_client.h"
#include "model/uapi.h"
#include "crypto/crypto.h"
#include "model/encoding.h"
#include "util/mem.h"

/* A get reply of 1,000 peers with 130,560 prefixes is a few MB; anything far beyond is broken. */
#define UAPI_REPLY_MAX (256U << 20)

static int socket_path(struct sockaddr_un *addr, const char *ifname)
{
	int n;

	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (!*ifname || strchr(ifname, '/'))
		return -EINVAL;
	n = snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/%s.sock", uapi_run_dir(), ifname);
	return n < 0 || (size_t)n >= sizeof(addr->sun_path) ? -ENAMETOOLONG : 0;
}

int uapi_open(const char *ifname)
{
	struct sockaddr_un addr;
	struct stat st;
	int fd, ret;

	ret = socket_path(&addr, ifname);
	if (ret < 0)
		return ret;
	if (stat(addr.sun_path, &st) < 0)
		return -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EBADF;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool reply_complete(const struct strbuf *sb)
{
	if (sb->len == 2 && !memcmp(sb->buf, "\n\n", 2))
		return true;
	return sb->len >= 2 && !memcmp(sb->buf + sb->len - 2, "\n\n", 2);
}

int uapi_exchange(int fd, const char *request, size_t len, struct strbuf *reply)
{
	char buf[65536];
	ssize_t n;
	int ret = write_all(fd, request, len);

	if (ret < 0)
		return ret;
	while (!reply_complete(reply)) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPROTO;
		strbuf_append(reply, buf, (size_t)n);
		if (reply->oom)
			return -ENOMEM;
		if (reply->len > UAPI_REPLY_MAX)
			return -EMSGSIZE;
	}
	memzero_explicit(buf, sizeof(buf));
	return 0;
}

static bool uapi_has(const char *ifname)
{
	int fd = uapi_open(ifname);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int uapi_get(const char *ifname, struct wg_device **dev)
{
	struct strbuf reply;
	int fd, ret;

	*dev = NULL;
	fd = uapi_open(ifname);
	if (fd < 0)
		return fd;
	strbuf_init(&reply);
	ret = uapi_exchange(fd, "get=1\n\n", 7, &reply);
	close(fd);
	if (ret == 0)
		ret = uapi_parse_get(dev, reply.buf, reply.len);
	strbuf_free(&reply);
	if (ret == 0) {
		snprintf((*dev)->name, sizeof((*dev)->name), "%s", ifname);
		/* The protocol sends the private key only; the public one is ours to derive. */
		if (!key_is_zero((*dev)->private_key))
			ret = curve25519_generate_public((*dev)->public_key, (*dev)->private_key);
		if (ret < 0) {
			model_device_free(*dev);
			*dev = NULL;
		} else if (!key_is_zero((*dev)->private_key)) {
			(*dev)->flags |= WGDEVICE_HAS_PUBLIC_KEY | WGDEVICE_HAS_PRIVATE_KEY;
		}
	}
	return ret;
}

static int parse_set_reply(const struct strbuf *reply)
{
	const char *p = reply->buf;
	char *end;
	long v;

	if (strncmp(p, "errno=", 6))
		return -EPROTO;
	errno = 0;
	v = strtol(p + 6, &end, 10);
	if (errno || *end != '\n' || v < -4095 || v > 4095)
		return -EPROTO;
	/* wireguard-go sends negative codes and boringtun positive ones. */
	return v < 0 ? (int)v : -(int)v;
}

static int uapi_set(const char *ifname, const struct wg_device *delta)
{
	struct strbuf req, reply;
	int fd, ret;

	fd = uapi_open(ifname);
	if (fd < 0)
		return fd;
	strbuf_init(&req);
	strbuf_init(&reply);
	uapi_format_set(&req, delta);
	ret = req.oom ? -ENOMEM : uapi_exchange(fd, req.buf, req.len, &reply);
	close(fd);
	if (ret == 0)
		ret = parse_set_reply(&reply);
	strbuf_free(&req);
	strbuf_free(&reply);
	return ret;
}

static int uapi_list(struct strlist *names)
{
	DIR *dir = opendir(uapi_run_dir());
	struct dirent *ent;
	size_t len;
	int ret = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((ent = readdir(dir)) && ret == 0) {
		len = strlen(ent->d_name);
		if (len <= 5 || len - 5 >= IFNAMSIZ || strcmp(ent->d_name + len - 5, ".sock"))
			continue;
		ent->d_name[len - 5] = '\0';
		if (uapi_has(ent->d_name))
			ret = strlist_push(names, ent->d_name, len - 5, 0);
	}
	closedir(dir);
	return ret;
}

const struct backend_ops backend_uapi = {
	.name = "uapi",
	.has = uapi_has,
	.get = uapi_get,
	.set = uapi_set,
	.list = uapi_list,
};
