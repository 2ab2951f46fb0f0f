/*
 * The RISC-V IMSIC, AIA 1.0 ch. 3, one device per privilege level as QEMU's
 * virt has it: hart i's interrupt file is the page at addr + i * 4 KiB.
 *
 *   +0x0  seteipnum_le   write N (little-endian): identity N becomes pending
 *   +0x4  seteipnum_be   the same, big-endian
 *   the rest of the page reads as zero and ignores writes (§3.6)
 *
 * Each file holds eidelivery, eithreshold and the eip/eie arrays (§3.8), which
 * the hart reaches through miselect/mireg (siselect/sireg) and mtopei (stopei).
 * The file signals MEIP (SEIP) while eidelivery = 1 and some identity is
 * pending and enabled below eithreshold (or eithreshold is 0). Lower
 * identities have higher priority.
 *
 * Threads: MMIO writes arrive under the big lock (from a vCPU or from a device
 * doing DMA on the main loop or an I/O thread), but the CSR side runs on the
 * owning vCPU thread without it. So each file has its own mutex, held for every
 * read-modify-write of its state and for the update of the hart's line, so
 * that two updates cannot cross and leave the line stale.
 *
 * Left out: guest interrupt files (no hypervisor extension), eidelivery value
 * 0x40000000 (delivery from an APLIC through the file) and the
 * misaligned or non-32-bit accesses the spec lets a platform reject.
 */
#include "hw/intc/riscv_imsic.h"
#include "system/memory.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include "util/log.h"

/* Indirect register numbers (miselect values, AIA §3.8). */
enum {
    IMSIC_EIDELIVERY = 0x70,
    IMSIC_EITHRESHOLD = 0x72,
    IMSIC_EIP0 = 0x80,
    IMSIC_EIP63 = 0xbf,
    IMSIC_EIE0 = 0xc0,
    IMSIC_EIE63 = 0xff,
};

typedef struct ImsicFile {
    GMutex lock;
    RISCVCPU *cpu;
    int irq; /* IRQ_M_EXT or IRQ_S_EXT */
    uint32_t num_ids;
    uint32_t eidelivery; /* 0 or 1 */
    uint32_t eithreshold;
    uint64_t *eip; /* (num_ids + 1) / 64 words; bit 0 of word 0 is identity 0, never set */
    uint64_t *eie;
} ImsicFile;

typedef struct RISCVImsicState {
    DeviceState parent;
    uint64_t addr;
    uint32_t hartid_base;
    uint32_t num_harts;
    uint32_t num_ids;
    bool mmode;

    unsigned num_words;
    ImsicFile *files;
    MemoryRegion mmio;
} RISCVImsicState;

/* The top identity (pending, enabled, under the threshold), 0 if none. Lock held. */
static uint32_t imsic_top_identity(ImsicFile *f)
{
    uint32_t limit = f->eithreshold ? MIN(f->eithreshold, f->num_ids + 1) : f->num_ids + 1;

    for (uint32_t w = 0; w * 64 < limit; w++) {
        uint64_t bits = f->eip[w] & f->eie[w];

        if (bits) {
            uint32_t id = w * 64 + __builtin_ctzll(bits);

            return id < limit ? id : 0;
        }
    }
    return 0;
}

/* Lock held. */
static void imsic_update(ImsicFile *f)
{
    riscv_cpu_set_irq(f->cpu, f->irq, f->eidelivery == 1 && imsic_top_identity(f) != 0);
}

/* An MSI: identity id becomes pending; identities outside 1 .. num_ids are ignored (§3.6). */
static void imsic_set_pending(ImsicFile *f, uint32_t id)
{
    if (id == 0 || id > f->num_ids) {
        return;
    }
    g_mutex_lock(&f->lock);
    f->eip[id / 64] |= 1ULL << (id % 64);
    imsic_update(f);
    g_mutex_unlock(&f->lock);
}

/* The eip or eie word iselect names, or NULL for the odd registers RV64 lacks (§3.8.3-4). */
static uint64_t *imsic_array_word(ImsicFile *f, unsigned iselect)
{
    uint64_t *array = iselect <= IMSIC_EIP63 ? f->eip : f->eie;
    unsigned reg = (iselect - IMSIC_EIP0) % 64;

    if (reg & 1) {
        return NULL;
    }
    return &array[reg / 2];
}

/* Bits of an implemented word w that name identities: all but identity 0. */
static uint64_t imsic_word_mask(unsigned w)
{
    return w == 0 ? ~1ULL : ~0ULL;
}

static bool imsic_reg_rmw_locked(ImsicFile *f, unsigned iselect, uint64_t *old, uint64_t val,
                                 uint64_t wmask)
{
    uint64_t *word;
    unsigned w;

    switch (iselect) {
    case IMSIC_EIDELIVERY:
        *old = f->eidelivery;
        f->eidelivery = ((f->eidelivery & ~wmask) | (val & wmask)) & 1; /* WARL: 0 or 1 */
        return true;
    case IMSIC_EITHRESHOLD:
        *old = f->eithreshold;
        /* WLRL over 0 .. num_ids: keep what the identity bits can hold. */
        f->eithreshold = ((f->eithreshold & ~wmask) | (val & wmask)) & RISCV_IMSIC_MAX_IDS;
        return true;
    }
    if (iselect < IMSIC_EIP0 || iselect > IMSIC_EIE63) {
        *old = 0; /* 0x71, 0x73-0x7f: reserved, read zero, writes ignored */
        return true;
    }
    word = imsic_array_word(f, iselect);
    if (!word) {
        return false;
    }
    w = ((iselect - IMSIC_EIP0) % 64) / 2;
    if (w >= (f->num_ids + 1) / 64) {
        *old = 0; /* beyond the implemented identities: read-only zero */
        return true;
    }
    *old = *word;
    *word = ((*word & ~wmask) | (val & wmask)) & imsic_word_mask(w);
    return true;
}

static bool imsic_reg_rmw(void *opaque, unsigned iselect, uint64_t *old, uint64_t val,
                          uint64_t wmask)
{
    ImsicFile *f = opaque;
    bool ok;

    g_mutex_lock(&f->lock);
    ok = imsic_reg_rmw_locked(f, iselect, old, val, wmask);
    if (ok && wmask) {
        imsic_update(f);
    }
    g_mutex_unlock(&f->lock);
    return ok;
}

/* *topei: identity in bits 26:16 and again, as its priority, in bits 10:0 (§3.9). */
static uint32_t imsic_topei(void *opaque, bool claim)
{
    ImsicFile *f = opaque;
    uint32_t id;

    g_mutex_lock(&f->lock);
    id = imsic_top_identity(f);
    if (id && claim) {
        f->eip[id / 64] &= ~(1ULL << (id % 64));
        imsic_update(f);
    }
    g_mutex_unlock(&f->lock);
    return id ? id << 16 | id : 0;
}

static const RISCVInterruptFileOps imsic_file_ops = {
    .reg_rmw = imsic_reg_rmw,
    .topei = imsic_topei,
};

static uint64_t imsic_read(void *opaque, uint64_t addr, unsigned size)
{
    return 0; /* seteipnum reads as zero, like the rest of the page */
}

static void imsic_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    RISCVImsicState *s = opaque;
    ImsicFile *f = &s->files[addr / RISCV_IMSIC_FILE_SIZE];

    switch (addr % RISCV_IMSIC_FILE_SIZE) {
    case RISCV_IMSIC_SETEIPNUM_LE:
        imsic_set_pending(f, (uint32_t)val);
        break;
    case RISCV_IMSIC_SETEIPNUM_BE:
        imsic_set_pending(f, GUINT32_SWAP_LE_BE((uint32_t)val));
        break;
    default:
        log_mask_printf(LOG_GUEST_ERROR,
                        "riscv_imsic: write to a read-only-zero word at 0x%" PRIx64 "\n",
                        s->addr + addr);
    }
}

static const MemoryRegionOps imsic_ops = {
    .read = imsic_read,
    .write = imsic_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

static void imsic_free(RISCVImsicState *s)
{
    for (unsigned i = 0; s->files && i < s->num_harts; i++) {
        g_free(s->files[i].eip);
        g_free(s->files[i].eie);
        g_mutex_clear(&s->files[i].lock);
    }
    g_clear_pointer(&s->files, g_free);
}

static bool imsic_check_props(RISCVImsicState *s, GError **errp)
{
    if (s->num_ids < 63 || s->num_ids > RISCV_IMSIC_MAX_IDS || (s->num_ids + 1) % 64) {
        error_setg(errp,
                   "riscv_imsic: num-ids=%u must be 63, 127, ... up to %u (one less than "
                   "a multiple of 64)",
                   s->num_ids, RISCV_IMSIC_MAX_IDS);
        return false;
    }
    if (s->num_harts == 0 || s->num_harts > 16384) {
        error_setg(errp, "riscv_imsic: num-harts=%u must be 1 to 16384", s->num_harts);
        return false;
    }
    return true;
}

static bool imsic_realize(DeviceState *dev, GError **errp)
{
    RISCVImsicState *s = (RISCVImsicState *)dev;

    if (!imsic_check_props(s, errp)) {
        return false;
    }
    s->num_words = (s->num_ids + 1) / 64;
    s->files = g_new0(ImsicFile, s->num_harts);
    for (unsigned i = 0; i < s->num_harts; i++) {
        ImsicFile *f = &s->files[i];

        g_mutex_init(&f->lock);
        f->eip = g_new0(uint64_t, s->num_words);
        f->eie = g_new0(uint64_t, s->num_words);
        f->num_ids = s->num_ids;
        f->irq = s->mmode ? IRQ_M_EXT : IRQ_S_EXT;
        f->cpu = riscv_cpu_by_hartid((uint64_t)s->hartid_base + i);
        if (!f->cpu) {
            error_setg(errp, "riscv_imsic: no hart with id %u", s->hartid_base + i);
            s->num_harts = i + 1;
            imsic_free(s);
            return false;
        }
    }
    for (unsigned i = 0; i < s->num_harts; i++) {
        riscv_cpu_attach_interrupt_file(s->files[i].cpu, s->mmode ? PRV_M : PRV_S, &imsic_file_ops,
                                        &s->files[i]);
    }
    memory_region_init_io(&s->mmio, &imsic_ops, s, s->mmode ? "riscv.imsic.m" : "riscv.imsic.s",
                          (uint64_t)s->num_harts * RISCV_IMSIC_FILE_SIZE);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->mmio);
    return true;
}

static void imsic_unrealize(DeviceState *dev)
{
    RISCVImsicState *s = (RISCVImsicState *)dev;

    memory_region_del_subregion(get_system_memory(), &s->mmio);
    imsic_free(s);
}

/* Delivery off, nothing pending or enabled (§3.8.1 leaves eidelivery unspecified: 0). */
static void imsic_reset(DeviceState *dev)
{
    RISCVImsicState *s = (RISCVImsicState *)dev;

    for (unsigned i = 0; i < s->num_harts; i++) {
        ImsicFile *f = &s->files[i];

        g_mutex_lock(&f->lock);
        f->eidelivery = 0;
        f->eithreshold = 0;
        memset(f->eip, 0, s->num_words * sizeof(uint64_t));
        memset(f->eie, 0, s->num_words * sizeof(uint64_t));
        imsic_update(f);
        g_mutex_unlock(&f->lock);
    }
}

static void imsic_print_dev(DeviceState *dev, GString *out, int indent)
{
    RISCVImsicState *s = (RISCVImsicState *)dev;

    g_string_append_printf(out,
                           "%*smmio 0x%016" PRIx64 " %c-level files for harts %u-%u, "
                           "ids 1-%u\n",
                           indent, "", s->addr, s->mmode ? 'M' : 'S', s->hartid_base,
                           s->hartid_base + s->num_harts - 1, s->num_ids);
}

static const Property imsic_props[] = {
    DEFINE_PROP_U64("addr", RISCVImsicState, addr, 0x24000000, "MMIO base address"),
    DEFINE_PROP_U32("hartid-base", RISCVImsicState, hartid_base, 0, "first hart id served"),
    DEFINE_PROP_U32("num-harts", RISCVImsicState, num_harts, 1, "number of harts served"),
    DEFINE_PROP_U32("num-ids", RISCVImsicState, num_ids, RISCV_IMSIC_DEFAULT_IDS,
                    "interrupt identities per file (63, 127, ... 2047)"),
    DEFINE_PROP_BOOL("mmode", RISCVImsicState, mmode, true,
                     "machine-level files (else supervisor-level)"),
    DEFINE_PROP_END,
};

static DeviceClass imsic_class = {
    .name = RISCV_IMSIC_TYPE,
    .desc = "RISC-V AIA IMSIC: per-hart interrupt files for MSIs",
    .category = "misc",
    .instance_size = sizeof(RISCVImsicState),
    .bus_type = BUS_SYSTEM,
    .props = imsic_props,
    .realize = imsic_realize,
    .unrealize = imsic_unrealize,
    .reset = imsic_reset,
    .print_dev = imsic_print_dev,
};

DeviceState *riscv_imsic_create(uint64_t addr, uint32_t hartid_base, uint32_t num_harts, bool mmode,
                                uint32_t num_ids, GError **errp)
{
    DeviceState *dev = device_new(RISCV_IMSIC_TYPE, errp);

    if (!dev) {
        return NULL;
    }
    if (!device_set_prop_u64(dev, "addr", addr, errp) ||
        !device_set_prop_u64(dev, "hartid-base", hartid_base, errp) ||
        !device_set_prop_u64(dev, "num-harts", num_harts, errp) ||
        !device_set_prop_u64(dev, "num-ids", num_ids, errp) ||
        !device_set_prop(dev, "mmode", mmode ? "on" : "off", errp) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

MIMIC_INIT(riscv_imsic_register)
{
    device_class_register(&imsic_class);
}
