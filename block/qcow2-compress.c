/*
 * qcow2 compressed cluster codec: raw deflate (no zlib header) with a 4 KiB
 * window, as QEMU writes it ("Compressed Clusters Descriptor" in qcow2.txt
 * leaves the stream format to the compression_type, 0 = zlib). Kept in its
 * own file so that this is the only object needing libz.
 */
#include "block/qcow2.h"
#include <zlib.h>

int qcow2_decompress(void *dest, size_t dest_size, const void *src, size_t src_size)
{
    z_stream strm = { 0 };
    strm.next_in = (Bytef *)src;
    strm.avail_in = src_size;
    strm.next_out = dest;
    strm.avail_out = dest_size;
    if (inflateInit2(&strm, -12) != Z_OK) {
        return -ENOMEM;
    }
    int ret = inflate(&strm, Z_FINISH);
    /*
     * Z_BUF_ERROR is fine once the output is full: the compressed size is only
     * known to a sector, so trailing input may be left over.
     */
    bool ok = (ret == Z_STREAM_END || ret == Z_BUF_ERROR) && strm.avail_out == 0;
    inflateEnd(&strm);
    return ok ? 0 : -EIO;
}

ssize_t qcow2_compress(void *dest, size_t dest_size, const void *src, size_t src_size)
{
    z_stream strm = { 0 };
    if (deflateInit2(&strm, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -12, 9, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        return -ENOMEM;
    }
    strm.next_in = (Bytef *)src;
    strm.avail_in = src_size;
    strm.next_out = dest;
    strm.avail_out = dest_size;
    int ret = deflate(&strm, Z_FINISH);
    ssize_t out = dest_size - strm.avail_out;
    deflateEnd(&strm);
    return ret == Z_STREAM_END ? out : -ENOSPC;
}
