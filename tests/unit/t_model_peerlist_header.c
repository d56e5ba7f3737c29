// SPDX-License-Identifier: MIT
/*
 * The first line of a signed peer list: read exactly (name, serial, expiry, in that order),
 * refused in every other shape or place, absent without complaint, and replaced in place by
 * `wgctl sign` without touching the rest of the list.
 */
#include <errno.h>

#include "model/peerlist_header.h"
#include "tap.h"

static int parse(const char *body, struct peerlist_header *h, struct diag_list *d)
{
	diag_init(d, "list");
	return peerlist_header_parse(h, body, strlen(body), d);
}

static void test_good(void)
{
	struct peerlist_header h;
	struct diag_list d;

	ok(parse("# wgctl-peer-list name=corp serial=42 expires=2027-01-07T12:00:00Z\n[Peer]\n", &h,
		 &d) == 0 &&
		   h.present && !strcmp(h.name, "corp") && h.serial == 42 &&
		   h.expires == 1799323200 && !d.count,
	   "name, serial and expiry read");
	diag_free(&d);
	ok(parse("#wgctl-peer-list\tname=https://fleet.example.com/wg/peers.conf  serial=0 "
		 "expires=2027-01-07T12:00:00Z\r\n",
		 &h, &d) == 0 &&
		   h.present && !strcmp(h.name, "https://fleet.example.com/wg/peers.conf") &&
		   h.serial == 0,
	   "blanks around the tag and fields, CRLF, a URL as the name");
	diag_free(&d);
	ok(parse("# wgctl-peer-list name=a serial=18446744073709551615 "
		 "expires=9999-12-31T23:59:59Z",
		 &h, &d) == 0 &&
		   h.serial == UINT64_MAX,
	   "the largest serial, no newline at the end");
	diag_free(&d);
	ok(parse("[Peer]\n# wgctl peer list, not a header\n", &h, &d) == 0 && !h.present &&
		   !d.count,
	   "a list without a header has none");
	diag_free(&d);
	ok(parse("", &h, &d) == 0 && !h.present, "an empty list has none");
	diag_free(&d);
}

static void test_bad(void)
{
	static const char *const bad[] = {
		"# wgctl-peer-list\n",
		"# wgctl-peer-list name=corp serial=1\n",
		"# wgctl-peer-list serial=1 name=corp expires=2027-01-07T12:00:00Z\n",
		"# wgctl-peer-list name=corp serial=1 expires=2027-01-07T12:00:00Z extra=1\n",
		"# wgctl-peer-list name= serial=1 expires=2027-01-07T12:00:00Z\n",
		"# wgctl-peer-list name=corp serial=01 expires=2027-01-07T12:00:00Z\n",
		"# wgctl-peer-list name=corp serial=-1 expires=2027-01-07T12:00:00Z\n",
		"# wgctl-peer-list name=corp serial=18446744073709551616 "
		"expires=2027-01-07T12:00:00Z\n",
		"# wgctl-peer-list name=corp serial=1 expires=2027-01-07\n",
		"# wgctl-peer-list name=corp serial=1 expires=2027-01-07T12:00:00+01:00\n",
		"# wgctl-peer-list name=co\x01rp serial=1 expires=2027-01-07T12:00:00Z\n",
		"[Peer]\n# wgctl-peer-list name=corp serial=1 expires=2027-01-07T12:00:00Z\n",
		"# wgctl-peer-list name=a serial=1 expires=2027-01-07T12:00:00Z\n# wgctl-peer-list "
		"name=b serial=2 "
		"expires=2027-01-07T12:00:00Z\n",
	};
	struct peerlist_header h;
	struct diag_list d;
	bool all = true;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); ++i) {
		if (parse(bad[i], &h, &d) != -EINVAL || h.present || d.errors != 1) {
			printf("# not refused: %s", bad[i]);
			all = false;
		}
		diag_free(&d);
	}
	ok(all, "every malformed header, and a header anywhere but the first line, is one error");
	parse("[Peer]\n\n# wgctl-peer-list name=corp serial=1 expires=2027-01-07T12:00:00Z\n", &h,
	      &d);
	ok(d.count == 1 && d.items[0].line == 3,
	   "the error names the line of the misplaced header");
	diag_free(&d);
}

static void test_set(void)
{
	struct peerlist_header h = {
		.present = true, .name = "corp", .serial = 7, .expires = 1799323200
	};
	const char *
		plain = "[Peer]\nPublicKey = x\n",
	       *with = "# wgctl-peer-list name=old serial=6 expires=2026-01-01T00:00:00Z\n[Peer]\n";
	struct strbuf sb;

	strbuf_init(&sb);
	ok(peerlist_header_set(&sb, plain, strlen(plain), &h) == 0 &&
		   !strcmp(sb.buf, "# wgctl-peer-list name=corp serial=7 "
				   "expires=2027-01-07T12:00:00Z\n[Peer]\nPublicKey = x\n"),
	   "a header goes on top of a list without one");
	strbuf_reset(&sb);
	ok(peerlist_header_set(&sb, with, strlen(with), &h) == 0 &&
		   !strcmp(sb.buf, "# wgctl-peer-list name=corp serial=7 "
				   "expires=2027-01-07T12:00:00Z\n[Peer]\n"),
	   "and replaces the one it had");
	/* A fuzzer's finding: the BOM ended up on line 2, and the signed list no longer parsed. */
	strbuf_reset(&sb);
	ok(peerlist_header_set(&sb, "\xef\xbb\xbf# c\n[Peer]\n", 15, &h) == 0 &&
		   !strcmp(sb.buf, "# wgctl-peer-list name=corp serial=7 "
				   "expires=2027-01-07T12:00:00Z\n# c\n[Peer]\n"),
	   "a byte-order mark opening the list is dropped, not moved to line 2");
	strbuf_reset(&sb);
	ok(peerlist_header_set(&sb,
			       "\xef\xbb\xbf# wgctl-peer-list name=o serial=1 "
			       "expires=2026-01-01T00:00:00Z\n[Peer]\n",
			       73, &h) == 0 &&
		   !strcmp(sb.buf, "# wgctl-peer-list name=corp serial=7 "
				   "expires=2027-01-07T12:00:00Z\n[Peer]\n"),
	   "a header after a byte-order mark is replaced");
	strbuf_free(&sb);
}

/* The config reader drops a BOM opening the file, so the header after one is on line 1. */
static void test_bom(void)
{
	struct peerlist_header h;
	struct diag_list d;

	ok(parse("\xef\xbb\xbf# wgctl-peer-list name=corp serial=42 expires=2027-01-07T12:00:00Z\n",
		 &h, &d) == 0 &&
		   h.present && h.serial == 42 && !d.count,
	   "a header after a byte-order mark is read");
	diag_free(&d);
}

int main(void)
{
	test_good();
	test_bad();
	test_set();
	test_bom();
	return done_testing();
}
