/*
 * LUKS1 volumes (the on-disk format of cryptsetup's LUKS1 specification
 * 1.2.3, as QEMU's "luks" driver and qcow2 encrypt.format=luks write it):
 * a header with eight key slots, each holding the master key anti-forensically
 * split and encrypted with a key derived from a password (PBKDF2), and a
 * payload encrypted sector by sector with the master key.
 *
 * Supported: cipher aes (128 or 256-bit keys) in mode xts-plain64, hash
 * sha256, which is what QEMU creates by default. Anything else is refused by
 * name. The payload sector size is 512 bytes; a sector's IV is its number,
 * counted from a base the caller chooses (the payload start for the luks
 * driver, the host file offset for qcow2).
 */
#ifndef BLOCK_LUKS_H
#define BLOCK_LUKS_H

#include "block/block.h"

#define LUKS_SECTOR_SIZE 512

typedef struct LuksVolume LuksVolume;

/*
 * Read the header at base in file, unlock a key slot with password and
 * return the volume, or NULL with errp (a wrong password says so).
 * *payload_offset: the header's payload offset in bytes, relative to base.
 */
LuksVolume *luks_open(BlockDriverState *file, uint64_t base, const char *password,
                      uint64_t *payload_offset, GError **errp);
/* Bytes a header made by luks_format occupies (key material included). */
uint64_t luks_header_size(void);
/*
 * Write a new header at base in file: a random aes-256 master key in slot 0
 * under password, PBKDF2 iterations calibrated to iter_time_ms. Returns the
 * volume, unlocked.
 */
LuksVolume *luks_format(BlockDriverState *file, uint64_t base, const char *password,
                        uint64_t iter_time_ms, GError **errp);
void luks_close(LuksVolume *vol);

/*
 * Payload I/O through a bounce buffer: bytes (a multiple of 512) at offset in
 * file, decrypted into qiov from qiov_offset, or taken from there and
 * encrypted; sector is the IV of the first sector. -EACCES when vol is NULL
 * or was opened without a password (header only).
 */
int luks_preadv(LuksVolume *vol, BlockDriverState *file, int64_t offset, uint64_t sector,
                int64_t bytes, IOVector *qiov, size_t qiov_offset);
int luks_pwritev(LuksVolume *vol, BlockDriverState *file, int64_t offset, uint64_t sector,
                 int64_t bytes, IOVector *qiov, size_t qiov_offset);

/* The header's fields for `info`, in qemu-img's names and order. */
void luks_add_info(LuksVolume *vol, ImageInfoSpecific *info);

#endif
