// SPDX-License-Identifier: MIT
/*
 * Detached signatures over a peer list: the file `wgctl sign' writes, checked against one key
 * or several, refused for another body or key; the signature line read only in its canonical
 * form; and where a list's signature lives, for paths and for URLs with a query or fragment.
 */
#include <errno.h>

#include "fleet/signature.h"
#include "model/encoding.h"
#include "tap.h"

static const char body[] =
	"# wgctl-peer-list name=corp serial=1 expires=2030-01-01T00:00:00Z\n[Peer]\n"
	"PublicKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAllowedIPs = 10.0.0.2/32\n";

static void seed_of(uint8_t seed[ED25519_SEED_SIZE], uint8_t first)
{
	for (int i = 0; i < ED25519_SEED_SIZE; ++i)
		seed[i] = (uint8_t)(first + i);
}

static void public_of(char b64[WG_KEY_LEN_BASE64], uint8_t first)
{
	uint8_t seed[ED25519_SEED_SIZE], pub[ED25519_PUBLIC_KEY_SIZE];

	seed_of(seed, first);
	if (ed25519_public_key(pub, seed) < 0)
		abort();
	key_to_base64(b64, pub);
}

/* The signature file signed with seed `first`, NUL-terminated in `sb`. */
static void sign(struct strbuf *sb, uint8_t first, const char *text, size_t len)
{
	uint8_t seed[ED25519_SEED_SIZE];

	seed_of(seed, first);
	strbuf_init(sb);
	if (signature_create(sb, seed, text, len) < 0 || sb->oom)
		abort();
}

static void create_and_check(void)
{
	char key[WG_KEY_LEN_BASE64], other[WG_KEY_LEN_BASE64], line[128];
	char *both[2] = { other, key }, *wrong[1] = { other };
	struct strbuf sb;
	const char *nl;

	public_of(key, 1);
	public_of(other, 100);
	sign(&sb, 1, body, strlen(body));
	snprintf(line, sizeof(line), "# wgctl peer list signature (Ed25519), key %s\n", key);
	nl = strchr(sb.buf, '\n');
	ok(nl && !strncmp(sb.buf, line, strlen(line)) && strlen(nl + 1) == SIGNATURE_TEXT_SIZE &&
		   nl[SIGNATURE_TEXT_SIZE] == '\n',
	   "the file: a comment naming the key, then one line of 88 base64 characters");
	ok(signature_check(sb.buf, sb.len, both + 1, 1, body, strlen(body)),
	   "verifies with its key");
	ok(signature_check(sb.buf, sb.len, both, 2, body, strlen(body)),
	   "verifies when its key is any of several");
	ok(!signature_check(sb.buf, sb.len, wrong, 1, body, strlen(body)),
	   "refused under another key");
	ok(!signature_check(sb.buf, sb.len, both, 2, body, strlen(body) - 1),
	   "refused for a body one byte shorter");
	ok(!signature_check(sb.buf, sb.len, both, 0, body, strlen(body)), "refused with no key");
	strbuf_free(&sb);
}

static void parse_forms(void)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t sig[ED25519_SIGNATURE_SIZE], back[ED25519_SIGNATURE_SIZE];
	char text[SIGNATURE_TEXT_SIZE], file[512];
	struct strbuf sb;

	for (int i = 0; i < ED25519_SIGNATURE_SIZE; ++i)
		sig[i] = (uint8_t)(i * 7 + 3);
	signature_format(text, sig);
	ok(strlen(text) == SIGNATURE_TEXT_SIZE - 1 && !strcmp(text + 86, "=="),
	   "formatted: 88 characters ending in ==");
	ok(signature_parse(back, text, strlen(text)) && !memcmp(back, sig, sizeof(sig)),
	   "parsed back");
	snprintf(file, sizeof(file), "# a comment\n\n   \t\n#another\n \t%s \r\n# after\ngarbage\n",
		 text);
	ok(signature_parse(back, file, strlen(file)) && !memcmp(back, sig, sizeof(sig)),
	   "comments and blank lines skipped, the line trimmed, what follows ignored");
	snprintf(file, sizeof(file), "garbage\n%s\n", text);
	ok(!signature_parse(back, file, strlen(file)),
	   "the first line that is not a comment is the signature");
	ok(!signature_parse(back, "# only comments\n\n", 18) && !signature_parse(back, "", 0),
	   "no signature line");
	ok(!signature_parse(back, text, strlen(text) - 1) &&
		   !signature_parse(back, text, strlen(text) - 2),
	   "cut short (one or both '=' missing)");

	/* Spellings OpenSSL's EVP_DecodeBlock accepted: each is refused, one signature has one
	 * text. */
	snprintf(file, sizeof(file), "%s", text);
	/* The 86th character carries the last 2 bits of the 64th byte; its 4 low bits must be 0. */
	file[85] = alphabet[(strchr(alphabet, text[85]) - alphabet) | 1];
	ok(!signature_parse(back, file, strlen(file)),
	   "unused bits of the last character set (%c for %c)", file[85], text[85]);
	snprintf(file, sizeof(file), "%s", text);
	file[10] = '=';
	ok(!signature_parse(back, file, strlen(file)), "'=' inside the text");
	snprintf(file, sizeof(file), "%s", text);
	file[10] = '-';
	ok(!signature_parse(back, file, strlen(file)), "a character outside base64");

	sign(&sb, 1, body, strlen(body));
	ok(signature_parse(back, sb.buf, sb.len), "what signature_create writes parses");
	strbuf_free(&sb);
}

static void locations(void)
{
	static const struct {
		const char *list, *sig;
	} t[] = {
		/* 1 */ { "/etc/wireguard/peers.conf", "/etc/wireguard/peers.conf.sig" },
		/* 2 */ { "peers.conf", "peers.conf.sig" },
		/* 3 */ { "/srv/odd?name#here", "/srv/odd?name#here.sig" },
		/* 4 */
		{ "https://fleet.example.com/wg/peers.conf",
		  "https://fleet.example.com/wg/peers.conf.sig" },
		/* 5 */
		{ "https://fleet.example.com/wg/peers.conf?token=abc&x=1",
		  "https://fleet.example.com/wg/peers.conf.sig?token=abc&x=1" },
		/* 6 */
		{ "https://fleet.example.com/wg/peers.conf#v2",
		  "https://fleet.example.com/wg/peers.conf.sig#v2" },
		/* 7 */
		{ "https://fleet.example.com/peers.conf?a=b#c?d",
		  "https://fleet.example.com/peers.conf.sig?a=b#c?d" },
		/* 8 */
		{ "file:///etc/wireguard/peers.conf", "file:///etc/wireguard/peers.conf.sig" },
	};
	char buf[256], tiny[8];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); ++i)
		ok(signature_location(buf, sizeof(buf), t[i].list) == 0 && !strcmp(buf, t[i].sig),
		   "%zu: %s -> %s", i + 1, t[i].list, t[i].sig);
	ok(signature_location(tiny, sizeof(tiny), "peers.conf") == -ENAMETOOLONG,
	   "a buffer too short: -ENAMETOOLONG");
	ok(signature_location(buf, 15, "peers.conf") == 0 &&
		   signature_location(buf, 14, "peers.conf") == -ENAMETOOLONG,
	   "exactly long enough for the name and its terminator");
}

int main(void)
{
	create_and_check();
	parse_forms();
	locations();
	return done_testing();
}
