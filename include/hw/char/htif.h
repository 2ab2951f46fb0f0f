/*
 * The Berkeley Host-Target Interface (HTIF) as spike and QEMU's spike machine
 * provide it: two 64-bit words in guest RAM, tohost and fromhost, found by the
 * program's symbols of those names. The guest writes a command to tohost; the
 * host carries it out, clears tohost and answers in fromhost.
 */
#ifndef HW_CHAR_HTIF_H
#define HW_CHAR_HTIF_H

#include "core/qdev.h"

#define HTIF_TYPE "riscv.htif"

typedef struct Chardev Chardev;

/*
 * Create the HTIF with tohost at tohost_addr and (unless fromhost_addr is 0)
 * fromhost at fromhost_addr: 8-byte, 8-aligned words in guest physical memory,
 * mapped over RAM so that every access to them reaches the device. The
 * console is chr (may be NULL: output is dropped).
 */
DeviceState *htif_create(uint64_t tohost_addr, uint64_t fromhost_addr, Chardev *chr, GError **errp);

#endif
