// SPDX-License-Identifier: MIT
#include "crypto/crypto.h"
#include "noise/rng.h"

int noise_rng_fill(const struct noise_rng *rng, void *buf, size_t len)
{
	if (rng && rng->fill)
		return rng->fill(rng->arg, buf, len);
	return crypto_random(buf, len);
}
