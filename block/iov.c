/*
 * I/O vector helpers (see include/block/iov.h).
 */
#include "block/iov.h"

void iovec_init(IOVector *v, int hint)
{
    memset(v, 0, sizeof(*v));
    v->nalloc = hint > 0 ? hint : 4;
    v->iov = g_new(struct iovec, v->nalloc);
}

void iovec_init_buf(IOVector *v, void *buf, size_t len)
{
    memset(v, 0, sizeof(*v));
    v->local.iov_base = buf;
    v->local.iov_len = len;
    v->iov = &v->local;
    v->niov = 1;
    v->size = len;
}

void iovec_add(IOVector *v, void *base, size_t len)
{
    g_assert(v->nalloc > 0);
    if (len == 0) {
        return;
    }
    /* Merge with the previous element when contiguous: keeps vectors short. */
    if (v->niov > 0) {
        struct iovec *last = &v->iov[v->niov - 1];
        if ((char *)last->iov_base + last->iov_len == (char *)base) {
            last->iov_len += len;
            v->size += len;
            return;
        }
    }
    if (v->niov == v->nalloc) {
        v->nalloc *= 2;
        v->iov = g_renew(struct iovec, v->iov, v->nalloc);
    }
    v->iov[v->niov].iov_base = base;
    v->iov[v->niov].iov_len = len;
    v->niov++;
    v->size += len;
}

void iovec_add_slice(IOVector *dst, const IOVector *src, size_t offset, size_t len)
{
    for (int i = 0; i < src->niov && len > 0; i++) {
        size_t l = src->iov[i].iov_len;
        if (offset >= l) {
            offset -= l;
            continue;
        }
        size_t n = MIN(l - offset, len);
        iovec_add(dst, (char *)src->iov[i].iov_base + offset, n);
        len -= n;
        offset = 0;
    }
}

void iovec_init_slice(IOVector *dst, const IOVector *src, size_t offset, size_t len)
{
    size_t in_elem = offset;
    for (int i = 0; i < src->niov; i++) {
        size_t l = src->iov[i].iov_len;
        if (in_elem < l) {
            if (len <= l - in_elem) {
                iovec_init_buf(dst, (char *)src->iov[i].iov_base + in_elem, len);
                return;
            }
            break;
        }
        in_elem -= l;
    }
    iovec_init(dst, src->niov);
    iovec_add_slice(dst, src, offset, len);
}

void iovec_destroy(IOVector *v)
{
    if (v->nalloc > 0) {
        g_free(v->iov);
    }
    memset(v, 0, sizeof(*v));
}

void iovec_reset(IOVector *v)
{
    v->niov = 0;
    v->size = 0;
}

size_t iovec_to_buf(const IOVector *v, size_t offset, void *buf, size_t len)
{
    size_t done = 0;
    for (int i = 0; i < v->niov && done < len; i++) {
        size_t l = v->iov[i].iov_len;
        if (offset >= l) {
            offset -= l;
            continue;
        }
        size_t n = MIN(l - offset, len - done);
        memcpy((char *)buf + done, (char *)v->iov[i].iov_base + offset, n);
        done += n;
        offset = 0;
    }
    return done;
}

size_t iovec_from_buf(IOVector *v, size_t offset, const void *buf, size_t len)
{
    size_t done = 0;
    for (int i = 0; i < v->niov && done < len; i++) {
        size_t l = v->iov[i].iov_len;
        if (offset >= l) {
            offset -= l;
            continue;
        }
        size_t n = MIN(l - offset, len - done);
        memcpy((char *)v->iov[i].iov_base + offset, (const char *)buf + done, n);
        done += n;
        offset = 0;
    }
    return done;
}

size_t iovec_memset(IOVector *v, size_t offset, int c, size_t len)
{
    size_t done = 0;
    for (int i = 0; i < v->niov && done < len; i++) {
        size_t l = v->iov[i].iov_len;
        if (offset >= l) {
            offset -= l;
            continue;
        }
        size_t n = MIN(l - offset, len - done);
        memset((char *)v->iov[i].iov_base + offset, c, n);
        done += n;
        offset = 0;
    }
    return done;
}

bool buffer_is_zero(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    /* Check the head byte-wise, then compare the buffer with itself shifted by one word. */
    if (len == 0) {
        return true;
    }
    if (p[0] != 0) {
        return false;
    }
    if (len <= 16) {
        for (size_t i = 1; i < len; i++) {
            if (p[i]) {
                return false;
            }
        }
        return true;
    }
    return memcmp(p, p + 1, len - 1) == 0;
}

bool iovec_is_zero(const IOVector *v, size_t offset, size_t len)
{
    for (int i = 0; i < v->niov && len > 0; i++) {
        size_t l = v->iov[i].iov_len;
        if (offset >= l) {
            offset -= l;
            continue;
        }
        size_t n = MIN(l - offset, len);
        if (!buffer_is_zero((char *)v->iov[i].iov_base + offset, n)) {
            return false;
        }
        len -= n;
        offset = 0;
    }
    return true;
}

bool iovec_is_aligned(const IOVector *v, size_t align)
{
    for (int i = 0; i < v->niov; i++) {
        if (((uintptr_t)v->iov[i].iov_base | v->iov[i].iov_len) & (align - 1)) {
            return false;
        }
    }
    return true;
}
