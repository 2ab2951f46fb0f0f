/*
 * file protocol: a POSIX file or block device. Cache modes map onto O_DIRECT
 * (BDRV_O_NOCACHE) and fdatasync being skipped (BDRV_O_NO_FLUSH). With O_DIRECT,
 * unaligned requests go through an aligned bounce buffer (read-modify-write
 * for writes, serialised by a lock).
 *
 * Image locking follows QEMU's raw-posix scheme so the two lock each other out:
 * open file description (OFD) read locks on byte 100+N for each permission N we
 * hold and on byte 200+N for each permission we refuse to share; a conflict is
 * a write lock test (F_OFD_GETLK) on the opposite byte finding another holder.
 *
 * Discard punches holes (fallocate PUNCH_HOLE|KEEP_SIZE); write_zeroes uses
 * ZERO_RANGE or a hole; block_status uses SEEK_DATA/SEEK_HOLE.
 *
 * Reads and writes go through preadv/pwritev (aio=threads: the caller is a
 * worker thread already) or through a kernel queue (aio=native, aio=io_uring;
 * see file-aio.h) with the same semantics: short reads at EOF give zeroes,
 * errors come back as -errno.
 */
#include "block/block_int.h"
#include "block/file-aio.h"
#include "util/error.h"
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include <linux/falloc.h>

#define LOCK_PERM_BASE 100
#define LOCK_SHARED_BASE 200

typedef struct BDRVFileState {
    int fd;
    bool is_blockdev;
    bool o_direct;
    bool no_flush;
    bool has_punch_hole;
    bool has_zero_range;
    size_t align;       /* O_DIRECT alignment (1 without O_DIRECT) */
    FileAio *aio;       /* aio=native|io_uring; NULL for aio=threads */
    GMutex rmw_lock;    /* serialises unaligned O_DIRECT writes */
} BDRVFileState;

static const char *const perm_names[] = { "consistent read", "write", "write unchanged",
                                          "resize", "graph modification" };

static int file_lock_byte(int fd, int cmd, short type, off_t byte)
{
    struct flock fl = {
        .l_whence = SEEK_SET,
        .l_start = byte,
        .l_len = 1,
        .l_type = type,
    };
    if (fcntl(fd, cmd, &fl) < 0) {
        return -errno;
    }
    if (cmd == F_OFD_GETLK) {
        return fl.l_type == F_UNLCK ? 0 : -EAGAIN;
    }
    return 0;
}

/*
 * Take the perm/shared locks for (perm, shared) and check no other open file
 * description holds a conflicting one.
 */
static bool file_apply_locks(int fd, const char *filename, unsigned perm, unsigned shared,
                             GError **errp)
{
    for (int i = 0; i < 5; i++) {
        int ret = 0;
        if (perm & (1u << i)) {
            ret = file_lock_byte(fd, F_OFD_SETLK, F_RDLCK, LOCK_PERM_BASE + i);
        }
        if (ret == 0 && !(shared & (1u << i))) {
            ret = file_lock_byte(fd, F_OFD_SETLK, F_RDLCK, LOCK_SHARED_BASE + i);
        }
        if (ret == -EAGAIN || ret == -EACCES) {
            error_setg(errp, "Failed to get \"%s\" lock\n"
                             "Is another process using the image [%s]?", perm_names[i], filename);
            return false;
        }
        if (ret == -EINVAL || ret == -ENOTSUP || ret == -ENOLCK) {
            return true; /* file system without OFD locks (e.g. some network fs): proceed */
        }
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Failed to lock byte %d of '%s'", LOCK_PERM_BASE + i,
                             filename);
            return false;
        }
    }
    for (int i = 0; i < 5; i++) {
        /* Someone refuses to share a permission we hold? */
        if ((perm & (1u << i)) &&
            file_lock_byte(fd, F_OFD_GETLK, F_WRLCK, LOCK_SHARED_BASE + i) == -EAGAIN) {
            error_setg(errp, "Failed to get \"%s\" lock\n"
                             "Is another process using the image [%s]?", perm_names[i], filename);
            return false;
        }
        /* Someone holds a permission we refuse to share? */
        if (!(shared & (1u << i)) &&
            file_lock_byte(fd, F_OFD_GETLK, F_WRLCK, LOCK_PERM_BASE + i) == -EAGAIN) {
            error_setg(errp, "Failed to get shared \"%s\" lock\n"
                             "Is another process using the image [%s]?", perm_names[i], filename);
            return false;
        }
    }
    return true;
}

static size_t file_probe_alignment(int fd)
{
    /* The smallest O_DIRECT read size that succeeds; 4096 if none of the probes work. */
    static const size_t sizes[] = { 512, 1024, 2048, 4096 };
    void *buf = NULL;
    if (posix_memalign(&buf, 4096, 4096)) {
        return 4096;
    }
    size_t align = 4096;
    for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
        ssize_t r = pread(fd, buf, sizes[i], 0);
        if (r >= 0) {
            align = sizes[i];
            break;
        }
    }
    free(buf);
    return align;
}

static bool file_open_aio(BDRVFileState *s, int flags, GError **errp)
{
    if (!(flags & (BDRV_O_NATIVE_AIO | BDRV_O_IO_URING))) {
        return true;
    }
    if ((flags & BDRV_O_NATIVE_AIO) && !(flags & BDRV_O_NOCACHE)) {
        /* Linux AIO blocks in io_submit on buffered files; QEMU refuses it the same way. */
        error_setg(errp, "aio=native was specified, but it requires cache.direct=on, "
                         "which was not specified (use cache=none or cache=directsync)");
        return false;
    }
    s->aio = file_aio_new(flags, errp);
    return s->aio != NULL;
}

static bool file_open(BlockDriverState *bs, const BlockOpenOptions *opts, int flags,
                      GError **errp)
{
    BDRVFileState *s = bs->opaque;
    if (!file_open_aio(s, flags, errp)) {
        return false;
    }
    int oflags = O_CLOEXEC | ((flags & BDRV_O_RDWR) ? O_RDWR : O_RDONLY);
    if (flags & BDRV_O_NOCACHE) {
        oflags |= O_DIRECT;
    }
    s->fd = open(bs->filename, oflags);
    if (s->fd < 0 && errno == EROFS && (flags & BDRV_O_RDWR)) {
        error_setg(errp, "Could not open '%s': read-only file system; open it read-only",
                   bs->filename);
        goto fail_aio;
    }
    if (s->fd < 0 && errno == EINVAL && (flags & BDRV_O_NOCACHE)) {
        error_setg(errp, "Could not open '%s': the file system does not support O_DIRECT "
                         "(cache=none); use cache=writeback", bs->filename);
        goto fail_aio;
    }
    if (s->fd < 0) {
        error_setg_errno(errp, errno, "Could not open '%s'", bs->filename);
        goto fail_aio;
    }
    struct stat st;
    if (fstat(s->fd, &st) == 0 && S_ISBLK(st.st_mode)) {
        s->is_blockdev = true;
    } else if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        error_setg(errp, "Could not open '%s': Is a directory", bs->filename);
        goto fail_fd;
    }
    s->o_direct = !!(flags & BDRV_O_NOCACHE);
    s->no_flush = !!(flags & BDRV_O_NO_FLUSH);
    s->has_punch_hole = true;
    s->has_zero_range = !s->is_blockdev;
    s->align = s->o_direct ? file_probe_alignment(s->fd) : 1;
    bs->request_alignment = s->align;
    g_mutex_init(&s->rmw_lock);

    if (!(flags & BDRV_O_NO_LOCK)) {
        unsigned perm = BLK_PERM_CONSISTENT_READ;
        unsigned shared = BLK_PERM_ALL;
        if (flags & BDRV_O_RDWR) {
            perm |= BLK_PERM_WRITE | BLK_PERM_RESIZE;
            shared = BLK_PERM_CONSISTENT_READ | BLK_PERM_WRITE_UNCHANGED;
        } else if (!(flags & BDRV_O_FORCE_SHARE)) {
            shared &= ~(BLK_PERM_WRITE | BLK_PERM_RESIZE);
        }
        if (!file_apply_locks(s->fd, bs->filename, perm, shared, errp)) {
            g_mutex_clear(&s->rmw_lock);
            goto fail_fd;
        }
    }
    return true;

fail_fd:
    close(s->fd);
fail_aio:
    file_aio_free(s->aio);
    return false;
}

static void file_close(BlockDriverState *bs)
{
    BDRVFileState *s = bs->opaque;
    close(s->fd); /* drops the OFD locks */
    file_aio_free(s->aio);
    g_mutex_clear(&s->rmw_lock);
}

/* One preadv/pwritev, on this thread or through the kernel queue: bytes or -errno. */
static ssize_t file_transfer(BDRVFileState *s, bool write, int64_t offset, const IOVector *part)
{
    int niov = MIN(part->niov, IOV_MAX);
    if (s->aio) {
        return file_aio_rw(s->aio, s->fd, write, offset, part->iov, niov);
    }
    ssize_t r = write ? pwritev(s->fd, part->iov, niov, offset)
                      : preadv(s->fd, part->iov, niov, offset);
    return r < 0 ? -errno : r;
}

/* Vectored I/O with short-transfer and EINTR handling; reads past EOF give zeroes. */
static int file_rw_iov(BDRVFileState *s, bool write, int64_t offset, IOVector *qiov, size_t bytes)
{
    size_t done = 0;
    while (done < bytes) {
        IOVector part;
        iovec_init_slice(&part, qiov, done, bytes - done);
        ssize_t r = file_transfer(s, write, offset + done, &part);
        iovec_destroy(&part);
        if (r == -EINTR) {
            continue;
        }
        if (r < 0) {
            return r;
        }
        if (r == 0) {
            if (write) {
                return -EIO;
            }
            iovec_memset(qiov, done, 0, bytes - done);
            return 0;
        }
        done += r;
    }
    return 0;
}

static int file_rw_bounce(BDRVFileState *s, bool write, int64_t offset, int64_t bytes,
                          IOVector *qiov)
{
    int64_t start = ROUND_DOWN(offset, (int64_t)s->align);
    int64_t end = ROUND_UP(offset + bytes, (int64_t)s->align);
    size_t len = end - start;
    void *buf = NULL;
    if (posix_memalign(&buf, MAX(s->align, 4096), len)) {
        return -ENOMEM;
    }
    IOVector bv;
    iovec_init_buf(&bv, buf, len);
    int ret;
    if (!write) {
        ret = file_rw_iov(s, false, start, &bv, len);
        if (ret == 0) {
            iovec_from_buf(qiov, 0, (char *)buf + (offset - start), bytes);
        }
    } else {
        g_mutex_lock(&s->rmw_lock);
        ret = 0;
        if (start != offset || end != offset + bytes) {
            ret = file_rw_iov(s, false, start, &bv, len);
        }
        if (ret == 0) {
            iovec_to_buf(qiov, 0, (char *)buf + (offset - start), bytes);
            ret = file_rw_iov(s, true, start, &bv, len);
        }
        g_mutex_unlock(&s->rmw_lock);
    }
    free(buf);
    return ret;
}

static int file_preadv(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov,
                       int flags)
{
    BDRVFileState *s = bs->opaque;
    if (s->o_direct && ((offset | bytes) & (s->align - 1) || !iovec_is_aligned(qiov, s->align))) {
        return file_rw_bounce(s, false, offset, bytes, qiov);
    }
    return file_rw_iov(s, false, offset, qiov, bytes);
}

static int file_pwritev(BlockDriverState *bs, int64_t offset, int64_t bytes, IOVector *qiov,
                        int flags)
{
    BDRVFileState *s = bs->opaque;
    int ret;
    if (s->o_direct && ((offset | bytes) & (s->align - 1) || !iovec_is_aligned(qiov, s->align))) {
        ret = file_rw_bounce(s, true, offset, bytes, qiov);
    } else {
        ret = file_rw_iov(s, true, offset, qiov, bytes);
    }
    if (ret == 0 && (flags & BDRV_REQ_FUA) && !s->no_flush) {
        ret = fdatasync(s->fd) < 0 ? -errno : 0;
    }
    return ret;
}

static int file_flush(BlockDriverState *bs)
{
    BDRVFileState *s = bs->opaque;
    if (s->no_flush) {
        return 0;
    }
    return fdatasync(s->fd) < 0 ? -errno : 0;
}

static int file_pdiscard(BlockDriverState *bs, int64_t offset, int64_t bytes)
{
    BDRVFileState *s = bs->opaque;
    if (s->is_blockdev) {
        uint64_t range[2] = { offset, bytes };
        return ioctl(s->fd, BLKDISCARD, range) < 0 ? -errno : 0;
    }
    if (!s->has_punch_hole) {
        return -ENOTSUP;
    }
    if (fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, bytes) < 0) {
        if (errno == EOPNOTSUPP) {
            s->has_punch_hole = false;
            return -ENOTSUP;
        }
        return -errno;
    }
    return 0;
}

static int64_t file_getlength(BlockDriverState *bs)
{
    BDRVFileState *s = bs->opaque;
    if (s->is_blockdev) {
        uint64_t size;
        return ioctl(s->fd, BLKGETSIZE64, &size) < 0 ? -errno : (int64_t)size;
    }
    struct stat st;
    return fstat(s->fd, &st) < 0 ? -errno : st.st_size;
}

static int file_pwrite_zeroes(BlockDriverState *bs, int64_t offset, int64_t bytes, int flags)
{
    BDRVFileState *s = bs->opaque;
    int64_t len = file_getlength(bs);
    if (s->is_blockdev || len < 0) {
        return -ENOTSUP;
    }
    if (offset >= len) {
        /* Entirely past EOF: extending the file is enough. */
        return ftruncate(s->fd, offset + bytes) < 0 ? -errno : 0;
    }
    if ((flags & BDRV_REQ_MAY_UNMAP) && s->has_punch_hole) {
        if (fallocate(s->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, bytes) == 0) {
            if (offset + bytes > len && ftruncate(s->fd, offset + bytes) < 0) {
                return -errno;
            }
            return 0;
        }
    }
    if (s->has_zero_range) {
        if (fallocate(s->fd, FALLOC_FL_ZERO_RANGE, offset, bytes) == 0) {
            return 0;
        }
        if (errno != EOPNOTSUPP && errno != EINVAL) {
            return -errno;
        }
        s->has_zero_range = false;
    }
    return -ENOTSUP;
}

static int64_t file_get_allocated_file_size(BlockDriverState *bs)
{
    BDRVFileState *s = bs->opaque;
    struct stat st;
    return fstat(s->fd, &st) < 0 ? -errno : (int64_t)st.st_blocks * 512;
}

static bool file_truncate(BlockDriverState *bs, int64_t offset, bool exact, PreallocMode prealloc,
                          GError **errp)
{
    BDRVFileState *s = bs->opaque;
    int64_t old = file_getlength(bs);
    if (s->is_blockdev) {
        if (offset > old || (exact && offset != old)) {
            error_setg(errp, "Cannot resize block device '%s'", bs->filename);
            return false;
        }
        return true;
    }
    if (!exact && offset <= old) {
        return true;
    }
    if (ftruncate(s->fd, offset) < 0) {
        error_setg_errno(errp, errno, "Failed to resize '%s'", bs->filename);
        return false;
    }
    if (offset > old && prealloc == PREALLOC_MODE_FALLOC) {
        int r = posix_fallocate(s->fd, old, offset - old);
        if (r) {
            error_setg_errno(errp, r, "Could not preallocate data for '%s'", bs->filename);
            return false;
        }
    } else if (offset > old && prealloc == PREALLOC_MODE_FULL) {
        const size_t chunk = 1 * MiB;
        g_autofree char *zero = g_malloc0(chunk);
        for (int64_t o = old; o < offset; o += chunk) {
            size_t n = MIN((int64_t)chunk, offset - o);
            IOVector v;
            iovec_init_buf(&v, zero, n);
            int ret = file_rw_iov(s, true, o, &v, n);
            if (ret < 0) {
                error_setg_errno(errp, -ret, "Could not write zeroes to '%s'", bs->filename);
                return false;
            }
        }
    }
    return true;
}

static int file_block_status(BlockDriverState *bs, int64_t offset, int64_t bytes, int64_t *pnum,
                             int64_t *map, BlockDriverState **file)
{
    BDRVFileState *s = bs->opaque;
    *map = offset;
    *file = bs;
    if (s->is_blockdev) {
        *pnum = bytes;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
    }
    off_t data = lseek(s->fd, offset, SEEK_DATA);
    if (data < 0 && errno == ENXIO) {
        /* Only a hole until EOF. */
        *pnum = bytes;
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
    }
    if (data < 0) {
        *pnum = bytes;
        return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
    }
    if (data > offset) {
        *pnum = MIN(bytes, data - offset);
        return BDRV_BLOCK_ZERO | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
    }
    off_t hole = lseek(s->fd, offset, SEEK_HOLE);
    *pnum = hole > offset ? MIN(bytes, hole - offset) : bytes;
    return BDRV_BLOCK_DATA | BDRV_BLOCK_OFFSET_VALID | BDRV_BLOCK_ALLOCATED;
}

static bool file_create(const char *filename, const BlockCreateOptions *opts, GError **errp)
{
    int fd = open(filename, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_setg_errno(errp, errno, "Could not create '%s'", filename);
        return false;
    }
    close(fd);
    BlockDriverState *bs = bdrv_open_protocol(filename, BDRV_O_RDWR, errp);
    if (!bs) {
        return false;
    }
    bool ok = file_truncate(bs, opts->size, true, opts->prealloc, errp);
    bdrv_unref(bs);
    return ok;
}

BlockDriver bdrv_driver_file = {
    .format_name = "file",
    .instance_size = sizeof(BDRVFileState),
    .is_protocol = true,
    .open = file_open,
    .close = file_close,
    .create = file_create,
    .preadv = file_preadv,
    .pwritev = file_pwritev,
    .pwrite_zeroes = file_pwrite_zeroes,
    .pdiscard = file_pdiscard,
    .flush = file_flush,
    .getlength = file_getlength,
    .get_allocated_file_size = file_get_allocated_file_size,
    .truncate = file_truncate,
    .block_status = file_block_status,
};
