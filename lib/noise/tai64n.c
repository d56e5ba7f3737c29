// SPDX-License-Identifier: MIT
#include <string.h>

#include "noise/tai64n.h"

void tai64n_from_timespec(uint8_t out[TAI64N_LEN], const struct timespec *wall)
{
	uint64_t secs = TAI64_BASE + (uint64_t)wall->tv_sec;
	uint32_t nsec = (uint32_t)wall->tv_nsec & ~TAI64N_WHITENING_MASK;

	for (int i = 0; i < 8; ++i)
		out[i] = (uint8_t)(secs >> (56 - 8 * i));
	for (int i = 0; i < 4; ++i)
		out[8 + i] = (uint8_t)(nsec >> (24 - 8 * i));
}

int tai64n_compare(const uint8_t a[TAI64N_LEN], const uint8_t b[TAI64N_LEN])
{
	return memcmp(a, b, TAI64N_LEN);
}
