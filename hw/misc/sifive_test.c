/*
 * The SiFive test device ("finisher"), as QEMU's riscv virt machine has it:
 * a 32-bit write at offset 0 ends or resets the machine. Bits 15:0 are the
 * command, bits 31:16 an exit code (SiFive "test" device, QEMU
 * hw/misc/sifive_test.c behaviour):
 *
 *   0x3333 FAIL  exit with status code
 *   0x5555 PASS  exit with status 0 (Linux's syscon-poweroff writes it)
 *   0x7777 RESET reset the machine (syscon-reboot)
 *
 * Deliberate difference from QEMU: a FAIL whose code is 0 mod 256 exits with
 * status 1, so that a failure can never read as success to the shell.
 */
#include "core/qdev.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "util/error.h"
#include "util/log.h"

#define SIFIVE_TEST_SIZE 0x1000

enum {
    FINISHER_FAIL = 0x3333,
    FINISHER_PASS = 0x5555,
    FINISHER_RESET = 0x7777,
};

typedef struct SiFiveTestState {
    DeviceState parent;
    uint64_t addr;
    MemoryRegion mmio;
} SiFiveTestState;

static uint64_t sifive_test_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0;
}

static void sifive_test_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    unsigned status = val & 0xffff;
    unsigned code = (val >> 16) & 0xffff;

    if (addr != 0) {
        log_mask_printf(LOG_GUEST_ERROR, "sifive_test: write to offset 0x%" PRIx64 " ignored\n",
                        addr);
        return;
    }
    switch (status) {
    case FINISHER_FAIL:
        system_exit_request((code & 0xff) ? (int)(code & 0xff) : 1);
        return;
    case FINISHER_PASS:
        system_exit_request(0);
        return;
    case FINISHER_RESET:
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        return;
    default:
        log_mask_printf(LOG_GUEST_ERROR, "sifive_test: unknown command 0x%04x ignored\n", status);
    }
}

static const MemoryRegionOps sifive_test_ops = {
    .read = sifive_test_read,
    .write = sifive_test_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 2, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static bool sifive_test_realize(DeviceState *dev, GError **errp)
{
    SiFiveTestState *s = (SiFiveTestState *)dev;

    memory_region_init_io(&s->mmio, &sifive_test_ops, s, "riscv.sifive.test", SIFIVE_TEST_SIZE);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->mmio);
    return true;
}

static void sifive_test_unrealize(DeviceState *dev)
{
    SiFiveTestState *s = (SiFiveTestState *)dev;

    memory_region_del_subregion(get_system_memory(), &s->mmio);
}

static void sifive_test_print_dev(DeviceState *dev, GString *out, int indent)
{
    SiFiveTestState *s = (SiFiveTestState *)dev;

    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%x\n", indent, "", s->addr,
                           SIFIVE_TEST_SIZE);
}

static const Property sifive_test_props[] = {
    DEFINE_PROP_U64("addr", SiFiveTestState, addr, 0x100000, "MMIO base address"),
    DEFINE_PROP_END,
};

static DeviceClass sifive_test_class = {
    .name = "riscv.sifive.test",
    .desc = "SiFive test device: guest-requested exit with a status, or reset",
    .category = "misc",
    .instance_size = sizeof(SiFiveTestState),
    .bus_type = BUS_SYSTEM,
    .props = sifive_test_props,
    .realize = sifive_test_realize,
    .unrealize = sifive_test_unrealize,
    .print_dev = sifive_test_print_dev,
};

MIMIC_INIT(sifive_test_register)
{
    device_class_register(&sifive_test_class);
}
