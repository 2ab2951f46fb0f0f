/*
 * RISC-V ACLINT MSWI + MTIMER in the SiFive CLINT layout, as QEMU's virt
 * machine maps it (RISC-V ACLINT spec 1.0 §2 and §3; SiFive FU540 manual ch. 9):
 *
 *   +0x0000 + 4 * i   msip[i]      bit 0 drives hart i's MSIP
 *   +0x4000 + 8 * i   mtimecmp[i]  MTIP is (mtime >= mtimecmp[i])
 *   +0xbff8           mtime        ticks at timebase-frequency
 *
 * Registers take 32- and 64-bit accesses (msip 32-bit only). mtime counts
 * QEMU_CLOCK_VIRTUAL scaled to the timebase, so it stops while the VM is
 * paused. Left out: the separate SSWI device and multiple MTIMER instances,
 * which nothing on this machine needs.
 */
#include "hw/intc/riscv_aclint.h"
#include "system/memory.h"
#include "system/timer.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include "util/log.h"

typedef struct RISCVAclintState RISCVAclintState;

typedef struct AclintHart {
    RISCVAclintState *s;
    RISCVCPU *cpu;
    uint32_t msip;
    uint64_t mtimecmp;
    Timer timer;
} AclintHart;

struct RISCVAclintState {
    DeviceState parent;
    uint64_t addr;
    uint32_t hartid_base;
    uint32_t num_harts;
    uint32_t timebase_freq;

    int64_t time_delta; /* mtime = ticks(virtual clock) + time_delta */
    AclintHart *harts;
    MemoryRegion mmio;
};

static uint64_t ns_to_ticks(const RISCVAclintState *s, int64_t ns)
{
    return (uint64_t)(((unsigned __int128)(uint64_t)ns * s->timebase_freq) /
                      NANOSECONDS_PER_SECOND);
}

static uint64_t aclint_mtime(const RISCVAclintState *s)
{
    int64_t delta = __atomic_load_n(&s->time_delta, __ATOMIC_RELAXED);

    return ns_to_ticks(s, clock_get_ns(QEMU_CLOCK_VIRTUAL)) + (uint64_t)delta;
}

uint64_t riscv_aclint_rdtime(void *opaque)
{
    return aclint_mtime(opaque);
}

/*
 * Re-evaluate MTIP for one hart after mtime or its mtimecmp changed: raise it
 * now, or arm the timer for the virtual-clock instant mtime reaches mtimecmp.
 */
static void aclint_update_timer(AclintHart *h)
{
    RISCVAclintState *s = h->s;
    int64_t now_ns = clock_get_ns(QEMU_CLOCK_VIRTUAL);
    uint64_t mtime = ns_to_ticks(s, now_ns) + (uint64_t)s->time_delta;
    unsigned __int128 wait_ns;

    if (mtime >= h->mtimecmp) {
        timer_del(&h->timer);
        riscv_cpu_set_irq(h->cpu, IRQ_M_TIMER, 1);
        return;
    }
    riscv_cpu_set_irq(h->cpu, IRQ_M_TIMER, 0);
    /* Round up so the timer never fires a tick early and has to be re-armed. */
    wait_ns =
        ((unsigned __int128)(h->mtimecmp - mtime) * NANOSECONDS_PER_SECOND + s->timebase_freq - 1) /
        s->timebase_freq;
    if (wait_ns > (unsigned __int128)(INT64_MAX - now_ns)) {
        /* Further away than the clock can count (mtimecmp = ~0 means "never"). */
        timer_del(&h->timer);
        return;
    }
    timer_mod(&h->timer, now_ns + (int64_t)wait_ns);
}

static void aclint_timer_cb(void *opaque)
{
    aclint_update_timer(opaque);
}

static AclintHart *aclint_hart(RISCVAclintState *s, uint64_t offset, uint64_t base, unsigned stride)
{
    uint64_t i = (offset - base) / stride;

    return i < s->num_harts ? &s->harts[i] : NULL;
}

static uint64_t aclint_read(void *opaque, uint64_t addr, unsigned size)
{
    RISCVAclintState *s = opaque;
    AclintHart *h;
    uint64_t val;

    if (addr < RISCV_ACLINT_SWI_SIZE) {
        h = aclint_hart(s, addr, 0, 4);
        if (size != 4 || !h) {
            goto bad;
        }
        return h->msip;
    }
    if (addr >= RISCV_ACLINT_MTIME) {
        val = aclint_mtime(s);
    } else {
        h = aclint_hart(s, addr, RISCV_ACLINT_MTIMECMP, 8);
        if (!h) {
            goto bad;
        }
        val = h->mtimecmp;
    }
    /* A 32-bit access reads the half its address selects. */
    return size == 4 ? (uint32_t)(val >> ((addr & 4) * 8)) : val;

bad:
    log_mask_printf(LOG_GUEST_ERROR, "riscv.aclint: invalid %u-byte read at offset 0x%" PRIx64 "\n",
                    size, addr);
    return 0;
}

static uint64_t merge_half(uint64_t old, uint64_t addr, uint64_t val, unsigned size)
{
    unsigned shift;

    if (size == 8) {
        return val;
    }
    shift = (addr & 4) * 8;
    return (old & ~(0xffffffffULL << shift)) | ((val & 0xffffffffULL) << shift);
}

static void aclint_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    RISCVAclintState *s = opaque;
    AclintHart *h;

    if (addr < RISCV_ACLINT_SWI_SIZE) {
        h = aclint_hart(s, addr, 0, 4);
        if (size != 4 || !h) {
            goto bad;
        }
        /* ACLINT §2.1: only bit 0 is writable; the rest read as zero. */
        h->msip = val & 1;
        riscv_cpu_set_irq(h->cpu, IRQ_M_SOFT, h->msip);
        return;
    }
    if (addr >= RISCV_ACLINT_MTIME) {
        uint64_t mtime = merge_half(aclint_mtime(s), addr, val, size);

        __atomic_store_n(&s->time_delta,
                         (int64_t)(mtime - ns_to_ticks(s, clock_get_ns(QEMU_CLOCK_VIRTUAL))),
                         __ATOMIC_RELAXED);
        for (uint32_t i = 0; i < s->num_harts; i++) {
            aclint_update_timer(&s->harts[i]);
        }
        return;
    }
    h = aclint_hart(s, addr, RISCV_ACLINT_MTIMECMP, 8);
    if (!h) {
        goto bad;
    }
    h->mtimecmp = merge_half(h->mtimecmp, addr, val, size);
    aclint_update_timer(h);
    return;

bad:
    log_mask_printf(LOG_GUEST_ERROR,
                    "riscv.aclint: invalid %u-byte write of 0x%" PRIx64 " at offset 0x%" PRIx64
                    "\n",
                    size, val, addr);
}

static const MemoryRegionOps aclint_ops = {
    .read = aclint_read,
    .write = aclint_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 8},
    .impl = {.min_access_size = 4, .max_access_size = 8},
};

static bool aclint_realize(DeviceState *dev, GError **errp)
{
    RISCVAclintState *s = (RISCVAclintState *)dev;

    if (s->num_harts == 0 || s->num_harts > RISCV_ACLINT_MAX_HARTS) {
        error_setg(errp, "riscv.aclint: num-harts=%u must be 1 to %u", s->num_harts,
                   RISCV_ACLINT_MAX_HARTS);
        return false;
    }
    if (s->timebase_freq == 0) {
        error_setg(errp, "riscv.aclint: timebase-frequency must not be 0");
        return false;
    }
    s->harts = g_new0(AclintHart, s->num_harts);
    for (uint32_t i = 0; i < s->num_harts; i++) {
        AclintHart *h = &s->harts[i];
        uint64_t hartid = (uint64_t)s->hartid_base + i;

        h->cpu = riscv_cpu_by_hartid(hartid);
        if (!h->cpu) {
            error_setg(errp, "riscv.aclint: no hart with id %" PRIu64, hartid);
            g_clear_pointer(&s->harts, g_free);
            return false;
        }
        h->s = s;
        h->mtimecmp = UINT64_MAX;
        timer_init(&h->timer, QEMU_CLOCK_VIRTUAL, aclint_timer_cb, h);
        h->cpu->rdtime = riscv_aclint_rdtime;
        h->cpu->rdtime_opaque = s;
    }
    memory_region_init_io(&s->mmio, &aclint_ops, s, "riscv.aclint", RISCV_ACLINT_SIZE);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->mmio);
    return true;
}

static void aclint_unrealize(DeviceState *dev)
{
    RISCVAclintState *s = (RISCVAclintState *)dev;

    memory_region_del_subregion(get_system_memory(), &s->mmio);
    for (uint32_t i = 0; i < s->num_harts; i++) {
        timer_del(&s->harts[i].timer);
        s->harts[i].cpu->rdtime = NULL;
    }
    g_clear_pointer(&s->harts, g_free);
}

/*
 * ACLINT §3.1: mtime resets to zero. mtimecmp has no defined reset value; it
 * resets to all ones so that no timer interrupt is pending until software
 * programs one (QEMU leaves it 0 but evaluates MTIP only on a write, which a
 * guest sees the same way).
 */
static void aclint_reset(DeviceState *dev)
{
    RISCVAclintState *s = (RISCVAclintState *)dev;

    __atomic_store_n(&s->time_delta, -(int64_t)ns_to_ticks(s, clock_get_ns(QEMU_CLOCK_VIRTUAL)),
                     __ATOMIC_RELAXED);
    for (uint32_t i = 0; i < s->num_harts; i++) {
        AclintHart *h = &s->harts[i];

        h->msip = 0;
        riscv_cpu_set_irq(h->cpu, IRQ_M_SOFT, 0);
        h->mtimecmp = UINT64_MAX;
        aclint_update_timer(h);
    }
}

static void aclint_print_dev(DeviceState *dev, GString *out, int indent)
{
    RISCVAclintState *s = (RISCVAclintState *)dev;

    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%x harts %u-%u\n", indent, "", s->addr,
                           RISCV_ACLINT_SIZE, s->hartid_base, s->hartid_base + s->num_harts - 1);
}

static const Property aclint_props[] = {
    DEFINE_PROP_U64("addr", RISCVAclintState, addr, 0x2000000, "MMIO base address"),
    DEFINE_PROP_U32("hartid-base", RISCVAclintState, hartid_base, 0, "first hart id served"),
    DEFINE_PROP_U32("num-harts", RISCVAclintState, num_harts, 1, "number of harts served"),
    DEFINE_PROP_U32("timebase-frequency", RISCVAclintState, timebase_freq,
                    RISCV_ACLINT_DEFAULT_TIMEBASE_FREQ, "mtime ticks per second"),
    DEFINE_PROP_END,
};

static DeviceClass aclint_class = {
    .name = RISCV_ACLINT_TYPE,
    .desc = "RISC-V ACLINT software interrupts and timer (SiFive CLINT layout)",
    .category = "misc",
    .instance_size = sizeof(RISCVAclintState),
    .bus_type = BUS_SYSTEM,
    .props = aclint_props,
    .realize = aclint_realize,
    .unrealize = aclint_unrealize,
    .reset = aclint_reset,
    .print_dev = aclint_print_dev,
};

DeviceState *riscv_aclint_create(uint64_t addr, uint32_t hartid_base, uint32_t num_harts,
                                 uint32_t timebase_freq, GError **errp)
{
    DeviceState *dev = device_new(RISCV_ACLINT_TYPE, errp);

    if (!dev) {
        return NULL;
    }
    if (!device_set_prop_u64(dev, "addr", addr, errp) ||
        !device_set_prop_u64(dev, "hartid-base", hartid_base, errp) ||
        !device_set_prop_u64(dev, "num-harts", num_harts, errp) ||
        !device_set_prop_u64(dev, "timebase-frequency", timebase_freq, errp) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

MIMIC_INIT(riscv_aclint_register)
{
    device_class_register(&aclint_class);
}
