/*
 * CFI parallel NOR flash, Intel/Sharp command set (QEMU's "cfi.pflash01"):
 * a system-bus device with properties addr, size, sector-length, width,
 * device-width, id0, id1, name and drive (the backing image, exactly size
 * bytes; programs and erases are written back to it).
 */
#ifndef HW_BLOCK_PFLASH_CFI01_H
#define HW_BLOCK_PFLASH_CFI01_H

#define PFLASH_CFI01_TYPE "cfi.pflash01"

#endif
