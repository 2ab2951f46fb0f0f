/*
 * The Internet checksum (RFC 1071), for NICs that fill or check it for the
 * guest: 16-bit big-endian words summed in 32 bits, then folded to 16.
 */
#ifndef NET_CHECKSUM_H
#define NET_CHECKSUM_H

#include "util/osdep.h"

/* Add len bytes at p to sum; an odd last byte counts as the high half of a word. */
static inline uint32_t net_checksum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += ((uint32_t)p[i] << 8) | p[i + 1];
    }
    if (len & 1) {
        sum += p[len - 1] << 8;
    }
    return sum;
}

/* Fold the carries back in: the one's-complement sum (complement it to store it). */
static inline uint16_t net_checksum_fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

#endif
