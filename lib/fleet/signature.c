// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fleet/signature.h"
#include "model/encoding.h"

bool signature_parse(uint8_t sig[ED25519_SIGNATURE_SIZE], const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *eol = nl ? nl : end, *s = p,
			   *e = eol;

		p = nl ? nl + 1 : end;
		while (s < e && isspace((unsigned char)*s))
			++s;
		while (e > s && isspace((unsigned char)e[-1]))
			--e;
		if (s == e || *s == '#')
			continue;
		/* The first line that is not a comment is the signature: 64 bytes are 88
		 * characters. */
		return base64_decode(sig, ED25519_SIGNATURE_SIZE, s, (size_t)(e - s));
	}
	return false;
}

void signature_format(char text[SIGNATURE_TEXT_SIZE], const uint8_t sig[ED25519_SIGNATURE_SIZE])
{
	base64_encode(text, sig, ED25519_SIGNATURE_SIZE);
}

int signature_create(struct strbuf *out, const uint8_t seed[ED25519_SEED_SIZE], const void *body,
		     size_t len)
{
	uint8_t sig[ED25519_SIGNATURE_SIZE], pub[ED25519_PUBLIC_KEY_SIZE];
	char text[SIGNATURE_TEXT_SIZE];
	char key[WG_KEY_LEN_BASE64];
	int ret;

	if ((ret = ed25519_public_key(pub, seed)) < 0 ||
	    (ret = ed25519_sign(sig, seed, body, len)) < 0)
		return ret;
	key_to_base64(key, pub);
	signature_format(text, sig);
	strbuf_printf(out, "# wgctl peer list signature (Ed25519), key %s\n%s\n", key, text);
	return out->oom ? -ENOMEM : 0;
}

bool signature_check(const char *sig_text, size_t sig_len, char *const *keys_base64, size_t n,
		     const void *body, size_t len)
{
	uint8_t sig[ED25519_SIGNATURE_SIZE], pub[ED25519_PUBLIC_KEY_SIZE];

	if (!signature_parse(sig, sig_text, sig_len))
		return false;
	for (size_t i = 0; i < n; ++i) {
		if (key_from_base64(pub, keys_base64[i]) && ed25519_verify(sig, pub, body, len))
			return true;
	}
	return false;
}

int signature_location(char *buf, size_t len, const char *list)
{
	size_t path_end = strcspn(list, "?#");

	if (!strstr(list, "://"))
		path_end = strlen(list);
	return snprintf(buf, len, "%.*s.sig%s", (int)path_end, list, list + path_end) < (int)len
		       ? 0
		       : -ENAMETOOLONG;
}
