/* SPDX-License-Identifier: MIT */
/*
 * What a signed peer list says about itself, on its first line, inside the signed bytes:
 *
 *     # wgctl-peer-list name=corp serial=42 expires=2027-01-07T12:00:00Z
 *
 * A comment to wg(8), so the list stays a valid wg config. The name binds the list to the
 * PeerList line that expects it (a list signed for one fleet is refused at another's URL), the
 * serial only moves forward on each host (an older list is refused), and the expiry bounds how
 * long a withheld update can keep an old list in use.
 */
#ifndef WGCTL_MODEL_PEERLIST_HEADER_H
#define WGCTL_MODEL_PEERLIST_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/diag.h"
#include "util/strbuf.h"

#define PEERLIST_HEADER_TAG "wgctl-peer-list"
enum { PEERLIST_NAME_MAX = 255 };

struct peerlist_header {
	bool present;
	char name[PEERLIST_NAME_MAX + 1];
	uint64_t serial;
	int64_t expires; /* seconds since the epoch */
};

/*
 * Reads the header from a list's bytes. A list without one gives h->present false and 0; a
 * malformed one, or one that is not on the first line, gives -EINVAL with an error at its line.
 */
int peerlist_header_parse(struct peerlist_header *h, const char *body, size_t len,
			  struct diag_list *d);
/* A name a header may carry: 1 to 255 printable ASCII characters, no space. */
bool peerlist_name_valid(const char *name);
/*
 * The body with `h` as its first line, replacing the header it had; a byte-order mark opening
 * the body is dropped (it would no longer open the file). 0 or -ENOMEM.
 */
int peerlist_header_set(struct strbuf *out, const char *body, size_t len,
			const struct peerlist_header *h);

#endif
