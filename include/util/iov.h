/*
 * Plain struct iovec arrays, as virtqueue elements and network packets carry
 * them (the block layer's growable IOVector is in block/iov.h).
 */
#ifndef UTIL_IOV_H
#define UTIL_IOV_H

#include <stddef.h>
#include <sys/uio.h>

/* The bytes the n elements of iov hold together. */
static inline size_t iov_size(const struct iovec *iov, unsigned n)
{
    size_t size = 0;

    for (unsigned i = 0; i < n; i++) {
        size += iov[i].iov_len;
    }
    return size;
}

#endif
