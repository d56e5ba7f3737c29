/* SPDX-License-Identifier: MIT */
/*
 * The one parser of unsigned numbers in wgctl: digits of the base and nothing else (no sign,
 * blank or prefix), at most `max`. What a caller accepts beyond that (fwmark's 0x prefix, a
 * serial's refusal of leading zeros) it says itself.
 */
#ifndef WGCTL_UTIL_NUMBER_H
#define WGCTL_UTIL_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The first n bytes of s in base 10 or 16. False (out untouched) when empty, any other byte, or
 * over max. */
bool parse_uint(const char *s, size_t n, unsigned int base, uint64_t max, uint64_t *out);
/* The same for a NUL-terminated string. */
bool parse_uint_str(const char *s, unsigned int base, uint64_t max, uint64_t *out);

#endif
