/* SPDX-License-Identifier: MIT */
/*
 * TAI64N labels for handshake initiations: BE64(2^62 + 10 + unix seconds) || BE32(nanoseconds),
 * with the nanoseconds rounded down to a multiple of 2^24 so that the label does not give away a
 * precise clock to whoever can decrypt it. The wall time is passed in; nothing here reads a clock.
 */
#ifndef WGCTL_NOISE_TAI64N_H
#define WGCTL_NOISE_TAI64N_H

#include <stdint.h>
#include <time.h>

#include "noise/messages.h"

#define TAI64N_LEN            NOISE_TIMESTAMP_LEN
#define TAI64_BASE            ((1ULL << 62) + 10)
#define TAI64N_WHITENING_MASK ((1U << 24) - 1)

void tai64n_from_timespec(uint8_t out[TAI64N_LEN], const struct timespec *wall);
/* <0, 0 or >0 as a is older than, equal to or newer than b (bytewise big-endian). */
int tai64n_compare(const uint8_t a[TAI64N_LEN], const uint8_t b[TAI64N_LEN]);

#endif
