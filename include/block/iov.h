/*
 * I/O vectors for the block layer: a growable list of struct iovec with the
 * handful of operations the drivers need (slicing, copying to and from flat
 * buffers, zero fill). Modelled on QEMU's QEMUIOVector, without its macros.
 */
#ifndef BLOCK_IOV_H
#define BLOCK_IOV_H

#include "util/osdep.h"
#include <sys/uio.h>

typedef struct IOVector {
    struct iovec *iov;
    int niov;
    int nalloc;     /* 0 for a vector wrapping caller storage (iovec_init_buf) */
    size_t size;    /* sum of iov_len */
    struct iovec local; /* storage for the single-buffer case */
} IOVector;

void iovec_init(IOVector *v, int hint);
/* Wrap one flat buffer; needs no iovec_destroy. */
void iovec_init_buf(IOVector *v, void *buf, size_t len);
void iovec_add(IOVector *v, void *base, size_t len);
/* Append the bytes [offset, offset + len) of src to dst (no data copied). */
void iovec_add_slice(IOVector *dst, const IOVector *src, size_t offset, size_t len);
/*
 * dst = the bytes [offset, offset + len) of src. Allocates nothing when they
 * lie in one element of src (the usual request); iovec_destroy dst after use.
 */
void iovec_init_slice(IOVector *dst, const IOVector *src, size_t offset, size_t len);
void iovec_destroy(IOVector *v);
void iovec_reset(IOVector *v);

size_t iovec_to_buf(const IOVector *v, size_t offset, void *buf, size_t len);
size_t iovec_from_buf(IOVector *v, size_t offset, const void *buf, size_t len);
size_t iovec_memset(IOVector *v, size_t offset, int c, size_t len);
bool iovec_is_zero(const IOVector *v, size_t offset, size_t len);
/* True if every element starts and ends on an align boundary (for O_DIRECT). */
bool iovec_is_aligned(const IOVector *v, size_t align);

bool buffer_is_zero(const void *buf, size_t len);

#endif
