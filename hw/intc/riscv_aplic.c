/*
 * The RISC-V APLIC, AIA 1.0 ch. 4: one device per interrupt domain, the root
 * (machine level, its sources wired to devices) and optionally one child
 * (supervisor level) it delegates sources to. Each domain's control region:
 *
 *   0x0000            domaincfg       IE; DM fixed by the machine; BE 0
 *   0x0004 + 4(n-1)   sourcecfg[n]    D + child index, or the source mode SM
 *   0x1bc0 - 0x1bcc   m/smsiaddrcfg(h)  MSI address layout (root domain, MSI mode)
 *   0x1c00 / 0x1cdc   setip[k] / setipnum
 *   0x1d00 / 0x1ddc   in_clrip[k] / clripnum
 *   0x1e00 / 0x1edc   setie[k] / setienum
 *   0x1f00 / 0x1fdc   clrie[k] / clrienum
 *   0x2000 / 0x2004   setipnum_le / setipnum_be
 *   0x3000            genmsi          MSI mode: send EIID to a hart now
 *   0x3004 + 4(n-1)   target[n]       hart index + priority, or + EIID in MSI mode
 *   0x4000 + 32 i     IDC of hart index i: idelivery, iforce, ithreshold, topi, claimi
 *
 * Delivery (§4.5.1 domaincfg.DM) is fixed per domain by the machine: direct,
 * where the IDCs drive MEIP or SEIP of the harts, or MSI, where a pending and
 * enabled source is forwarded as a 32-bit write of its EIID to the target
 * hart's IMSIC interrupt file, at the address the root's m/smsiaddrcfg
 * registers describe (§4.9.1), through the system address space.
 * Pending bits follow §4.7 for each source mode.
 *
 * Everything here runs under the big lock (MMIO and device lines alike).
 * Left out: big-endian register access (BE is read-only zero), guest index
 * (no hypervisor extension), more than one child domain.
 */
#include "hw/intc/riscv_aplic.h"
#include "system/memory.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include "util/log.h"

enum {
    APLIC_DOMAINCFG = 0x0000,
    APLIC_SOURCECFG = 0x0004,
    APLIC_MMSIADDRCFG = 0x1bc0,
    APLIC_MMSIADDRCFGH = 0x1bc4,
    APLIC_SMSIADDRCFG = 0x1bc8,
    APLIC_SMSIADDRCFGH = 0x1bcc,
    APLIC_SETIP = 0x1c00,
    APLIC_SETIPNUM = 0x1cdc,
    APLIC_IN_CLRIP = 0x1d00,
    APLIC_CLRIPNUM = 0x1ddc,
    APLIC_SETIE = 0x1e00,
    APLIC_SETIENUM = 0x1edc,
    APLIC_CLRIE = 0x1f00,
    APLIC_CLRIENUM = 0x1fdc,
    APLIC_SETIPNUM_LE = 0x2000,
    APLIC_SETIPNUM_BE = 0x2004,
    APLIC_GENMSI = 0x3000,
    APLIC_TARGET = 0x3004,
    APLIC_BITMAP_WORDS = 32, /* setip[0..31] etc. */
};

/* IDC registers (§4.8.1). */
enum {
    IDC_IDELIVERY = 0x00,
    IDC_IFORCE = 0x04,
    IDC_ITHRESHOLD = 0x08,
    IDC_TOPI = 0x18,
    IDC_CLAIMI = 0x1c,
};

#define DOMAINCFG_RO80 0x80000000u
#define DOMAINCFG_IE (1u << 8)
#define DOMAINCFG_DM (1u << 2)

#define SOURCECFG_D (1u << 10)
#define SOURCECFG_SM_MASK 7u
enum {
    SM_INACTIVE = 0,
    SM_DETACHED = 1,
    SM_EDGE1 = 4,
    SM_EDGE0 = 5,
    SM_LEVEL1 = 6,
    SM_LEVEL0 = 7,
};

#define TARGET_HART_SHIFT 18
#define TARGET_IPRIO_MASK 0xffu /* IPRIOLEN = 8 */
#define TARGET_EIID_MASK 0x7ffu
#define TOPI_ID_SHIFT 16

#define MSIADDRCFGH_L (1u << 31)
#define MSIADDRCFGH_PPN_MASK 0xfffu
#define MMSIADDRCFGH_MASK 0x9f77ffffu /* L, HHXS, LHXS, HHXW, LHXW, high PPN */
#define SMSIADDRCFGH_MASK 0x00700fffu /* LHXS, high PPN */

typedef struct AplicIdc {
    RISCVCPU *cpu;
    uint32_t idelivery, iforce, ithreshold;
} AplicIdc;

typedef struct RISCVAplicState RISCVAplicState;

struct RISCVAplicState {
    DeviceState parent_obj;
    uint64_t addr;
    uint64_t size;
    uint32_t hartid_base;
    uint32_t num_harts;
    uint32_t num_sources;
    bool mmode;
    bool msimode;

    RISCVAplicState *parent, *child, *root;
    bool ie;
    uint32_t *sourcecfg; /* [1 .. num_sources] */
    uint32_t *target;
    uint32_t *pending; /* bitmaps over source numbers */
    uint32_t *enabled;
    uint32_t genmsi;
    AplicIdc *idcs;
    /* Root domain only: the wires, and the MSI address layout. */
    uint32_t *level;
    uint64_t *raised; /* per source: times its wire went high (info irq) */
    uint32_t mmsiaddrcfg, mmsiaddrcfgh, smsiaddrcfg, smsiaddrcfgh;
    IrqLine *irqs;
    IrqStats stats;
    MemoryRegion mmio;
};


static unsigned aplic_words(RISCVAplicState *s)
{
    return s->num_sources / 32 + 1;
}

/* Source n exists in domain s: the root has all; a child those its parent delegates. */
static bool aplic_implemented(RISCVAplicState *s, unsigned n)
{
    if (n == 0 || n > s->num_sources) {
        return false;
    }
    return !s->parent || (s->parent->sourcecfg[n] & SOURCECFG_D);
}

static unsigned aplic_mode(RISCVAplicState *s, unsigned n)
{
    return (s->sourcecfg[n] & SOURCECFG_D) ? SM_INACTIVE : s->sourcecfg[n] & SOURCECFG_SM_MASK;
}

static bool aplic_active(RISCVAplicState *s, unsigned n)
{
    return n > 0 && n <= s->num_sources && aplic_mode(s, n) != SM_INACTIVE;
}

static bool aplic_is_level(unsigned mode)
{
    return mode == SM_LEVEL1 || mode == SM_LEVEL0;
}

/* §4.5.2: the wire XOR inversion; zero for inactive and detached sources. */
static bool aplic_rectified(RISCVAplicState *s, unsigned n)
{
    bool wire = irq_bit_get(s->root->level, n);

    switch (aplic_mode(s, n)) {
    case SM_EDGE1:
    case SM_LEVEL1:
        return wire;
    case SM_EDGE0:
    case SM_LEVEL0:
        return !wire;
    default:
        return false;
    }
}

/* A setip/setipnum write (§4.7): level sources in direct mode follow their input only. */
static void aplic_try_set_pending(RISCVAplicState *s, unsigned n)
{
    unsigned mode = aplic_mode(s, n);

    if (mode == SM_INACTIVE || (aplic_is_level(mode) && (!s->msimode || !aplic_rectified(s, n)))) {
        return;
    }
    irq_bit_put(s->pending, n, true);
}

/* An in_clrip/clripnum write or a claim (§4.7): not for level sources in direct mode. */
static void aplic_try_clear_pending(RISCVAplicState *s, unsigned n)
{
    if (!aplic_active(s, n) || (aplic_is_level(aplic_mode(s, n)) && !s->msimode)) {
        return;
    }
    irq_bit_put(s->pending, n, false);
}

/* ---- delivery ---- */

/* §4.9.1: the address of the interrupt file of hart index h at this domain's level. */
static uint64_t aplic_msi_address(RISCVAplicState *s, uint32_t h)
{
    RISCVAplicState *r = s->root;
    uint32_t cfgh = r->mmsiaddrcfgh;
    unsigned hhxs = (cfgh >> 24) & 0x1f, hhxw = (cfgh >> 16) & 7, lhxw = (cfgh >> 12) & 0xf;
    uint64_t ppn;
    unsigned lhxs;

    if (s->mmode) {
        ppn = r->mmsiaddrcfg | (uint64_t)(cfgh & MSIADDRCFGH_PPN_MASK) << 32;
        lhxs = (cfgh >> 20) & 7;
    } else {
        ppn = r->smsiaddrcfg | (uint64_t)(r->smsiaddrcfgh & MSIADDRCFGH_PPN_MASK) << 32;
        lhxs = (r->smsiaddrcfgh >> 20) & 7;
    }
    ppn |= (uint64_t)((h >> lhxw) & ((1u << hhxw) - 1)) << (hhxs + 12);
    ppn |= (uint64_t)(h & ((1u << lhxw) - 1)) << lhxs;
    return ppn << 12;
}

static void aplic_send_msi(RISCVAplicState *s, uint32_t target)
{
    uint32_t eiid = target & TARGET_EIID_MASK;
    uint8_t data[4] = {eiid, eiid >> 8, 0, 0}; /* little-endian, as IMSICs take it */
    uint64_t addr = aplic_msi_address(s, target >> TARGET_HART_SHIFT);

    if (address_space_write(&address_space_memory, addr, data, sizeof(data)) != MEMTX_OK) {
        log_mask_printf(LOG_GUEST_ERROR,
                        "riscv_aplic: MSI of EIID %u to 0x%" PRIx64 " went nowhere\n", eiid, addr);
    }
}

/* IDC i's topi (§4.8.1.4): the best enabled pending source aimed at it, under the threshold. */
static uint32_t aplic_topi(RISCVAplicState *s, unsigned i)
{
    uint32_t threshold = s->idcs[i].ithreshold;
    uint32_t best = 0, best_prio = 0;

    for (unsigned n = 1; n <= s->num_sources; n++) {
        uint32_t prio = s->target[n] & TARGET_IPRIO_MASK;

        if (!irq_bit_get(s->pending, n) || !irq_bit_get(s->enabled, n) ||
            s->target[n] >> TARGET_HART_SHIFT != i || (threshold && prio >= threshold)) {
            continue;
        }
        if (!best || prio < best_prio) {
            best = n;
            best_prio = prio;
        }
    }
    return best ? best << TOPI_ID_SHIFT | best_prio : 0;
}

static void aplic_forward_msis(RISCVAplicState *s)
{
    if (!s->ie) {
        return;
    }
    for (unsigned n = 1; n <= s->num_sources; n++) {
        if (irq_bit_get(s->pending, n) && irq_bit_get(s->enabled, n)) {
            irq_bit_put(s->pending, n, false);
            aplic_send_msi(s, s->target[n]);
        }
    }
}

static void aplic_drive_harts(RISCVAplicState *s)
{
    int irq = s->mmode ? IRQ_M_EXT : IRQ_S_EXT;

    for (unsigned i = 0; i < s->num_harts; i++) {
        AplicIdc *idc = &s->idcs[i];
        bool on = s->ie && idc->idelivery && (idc->iforce || aplic_topi(s, i));

        riscv_cpu_set_irq(idc->cpu, irq, on);
    }
}

/* After any change of domain s: forward what became deliverable, or re-drive the lines. */
static void aplic_update(RISCVAplicState *s)
{
    if (s->msimode) {
        aplic_forward_msis(s);
    } else {
        aplic_drive_harts(s);
    }
}

/* ---- sources ---- */

/* Source n leaves domain s (made inactive or delegated): its state there reads zero. */
static void aplic_source_reset(RISCVAplicState *s, unsigned n)
{
    irq_bit_put(s->pending, n, false);
    irq_bit_put(s->enabled, n, false);
    s->target[n] = 0;
}

/* The parent took source n back: the child, and any child of its own, lose it. */
static void aplic_undelegate(RISCVAplicState *child, unsigned n)
{
    for (RISCVAplicState *c = child; c; c = c->child) {
        c->sourcecfg[n] = 0;
        aplic_source_reset(c, n);
        aplic_update(c);
    }
}

/* §4.5.2: D needs a child (else the register becomes 0); SM 2 and 3 are reserved (WARL: 0). */
static uint32_t aplic_legal_sourcecfg(RISCVAplicState *s, uint32_t val)
{
    uint32_t sm = val & SOURCECFG_SM_MASK;

    if (val & SOURCECFG_D) {
        return s->child ? SOURCECFG_D : 0; /* one child: index 0 */
    }
    return sm == 2 || sm == 3 ? SM_INACTIVE : sm;
}

static void aplic_write_sourcecfg(RISCVAplicState *s, unsigned n, uint32_t val)
{
    bool was_delegated = s->sourcecfg[n] & SOURCECFG_D;

    if (!aplic_implemented(s, n)) {
        return;
    }
    s->sourcecfg[n] = aplic_legal_sourcecfg(s, val);
    if (!aplic_active(s, n)) {
        aplic_source_reset(s, n);
    } else if (aplic_is_level(aplic_mode(s, n))) {
        /* A level source asserted under its new mode is pending at once. */
        irq_bit_put(s->pending, n, aplic_rectified(s, n));
    }
    if (was_delegated && !(s->sourcecfg[n] & SOURCECFG_D)) {
        aplic_undelegate(s->child, n);
    }
    aplic_update(s);
}

/* The domain where source n is active, following delegations down from the root; or NULL. */
static RISCVAplicState *aplic_owner(RISCVAplicState *root, unsigned n)
{
    RISCVAplicState *s = root;

    while (s && (s->sourcecfg[n] & SOURCECFG_D)) {
        s = s->child;
    }
    return s && aplic_active(s, n) ? s : NULL;
}

/* A device line changed (§4.7 for what that does to the pending bit). */
static void aplic_set_irq(void *opaque, int n, int level)
{
    RISCVAplicState *root = opaque;
    RISCVAplicState *s;
    bool before;

    if (n <= 0 || (uint32_t)n > root->num_sources) {
        return;
    }
    if (level && !irq_bit_get(root->level, n)) {
        root->raised[n]++;
    }
    s = aplic_owner(root, n);
    before = s && aplic_rectified(s, n);
    irq_bit_put(root->level, n, level);
    if (!s) {
        return;
    }
    if (aplic_rectified(s, n) && !before) {
        irq_bit_put(s->pending, n, true);
    } else if (!aplic_rectified(s, n) && aplic_is_level(aplic_mode(s, n))) {
        irq_bit_put(s->pending, n, false);
    }
    aplic_update(s);
}

/* ---- registers ---- */

static uint32_t aplic_legal_target(RISCVAplicState *s, uint32_t val)
{
    uint32_t hart = val & ~((1u << TARGET_HART_SHIFT) - 1);

    if (s->msimode) {
        return hart | (val & TARGET_EIID_MASK); /* guest index read-only zero */
    }
    return hart | ((val & TARGET_IPRIO_MASK) ? val & TARGET_IPRIO_MASK : 1); /* IPRIO 0 -> 1 */
}

/* For each bit set in a setip/in_clrip/setie/clrie word, apply op to that source. */
static void aplic_for_bits(RISCVAplicState *s, unsigned word, uint32_t bits,
                           void (*op)(RISCVAplicState *s, unsigned n))
{
    while (bits) {
        unsigned n = word * 32 + __builtin_ctz(bits);

        bits &= bits - 1;
        if (aplic_active(s, n)) {
            op(s, n);
        }
    }
}

static void aplic_enable(RISCVAplicState *s, unsigned n)
{
    irq_bit_put(s->enabled, n, true);
}

static void aplic_disable(RISCVAplicState *s, unsigned n)
{
    irq_bit_put(s->enabled, n, false);
}

static uint32_t aplic_read_in_clrip(RISCVAplicState *s, unsigned word)
{
    uint32_t bits = 0;

    for (unsigned b = 0; b < 32; b++) {
        unsigned n = word * 32 + b;

        if (aplic_active(s, n) && aplic_rectified(s, n)) {
            bits |= 1u << b;
        }
    }
    return bits;
}

static uint32_t aplic_read_idc(RISCVAplicState *s, unsigned i, unsigned reg)
{
    AplicIdc *idc = &s->idcs[i];
    uint32_t topi;

    switch (reg) {
    case IDC_IDELIVERY:
        return idc->idelivery;
    case IDC_IFORCE:
        return idc->iforce;
    case IDC_ITHRESHOLD:
        return idc->ithreshold;
    case IDC_TOPI:
        return aplic_topi(s, i);
    case IDC_CLAIMI:
        topi = aplic_topi(s, i);
        if (topi) {
            aplic_try_clear_pending(s, topi >> TOPI_ID_SHIFT);
        } else {
            idc->iforce = 0; /* a spurious claim ends the forced interrupt (§4.8.1.2) */
        }
        aplic_update(s);
        return topi;
    }
    return 0;
}

static void aplic_write_idc(RISCVAplicState *s, unsigned i, unsigned reg, uint32_t val)
{
    AplicIdc *idc = &s->idcs[i];

    switch (reg) {
    case IDC_IDELIVERY:
        idc->idelivery = val & 1;
        break;
    case IDC_IFORCE:
        idc->iforce = val & 1;
        break;
    case IDC_ITHRESHOLD:
        idc->ithreshold = val & TARGET_IPRIO_MASK;
        break;
    default:
        return; /* topi and claimi ignore writes */
    }
    aplic_update(s);
}

static bool aplic_has_msiaddrcfg(RISCVAplicState *s)
{
    return !s->parent && s->msimode;
}

static uint32_t aplic_read_msiaddrcfg(RISCVAplicState *s, uint64_t addr)
{
    if (!aplic_has_msiaddrcfg(s)) {
        return 0;
    }
    switch (addr) {
    case APLIC_MMSIADDRCFG:
        return s->mmsiaddrcfg;
    case APLIC_MMSIADDRCFGH:
        return s->mmsiaddrcfgh;
    case APLIC_SMSIADDRCFG:
        return s->child ? s->smsiaddrcfg : 0;
    default:
        return s->child ? s->smsiaddrcfgh : 0;
    }
}

/* §4.5.3-4: writable in the root domain until mmsiaddrcfgh.L locks all four. */
static void aplic_write_msiaddrcfg(RISCVAplicState *s, uint64_t addr, uint32_t val)
{
    if (!aplic_has_msiaddrcfg(s) || (s->mmsiaddrcfgh & MSIADDRCFGH_L)) {
        return;
    }
    switch (addr) {
    case APLIC_MMSIADDRCFG:
        s->mmsiaddrcfg = val;
        break;
    case APLIC_MMSIADDRCFGH:
        s->mmsiaddrcfgh = val & MMSIADDRCFGH_MASK;
        break;
    case APLIC_SMSIADDRCFG:
        s->smsiaddrcfg = s->child ? val : 0;
        break;
    default:
        s->smsiaddrcfgh = s->child ? val & SMSIADDRCFGH_MASK : 0;
    }
}

/* The bitmap word a setip/in_clrip/setie/clrie offset names, or -1 for another register. */
static int aplic_bitmap_word(uint64_t addr, uint64_t base)
{
    return addr >= base && addr < base + 4 * APLIC_BITMAP_WORDS ? (int)(addr - base) / 4 : -1;
}

static uint64_t aplic_read(void *opaque, uint64_t addr, unsigned size)
{
    RISCVAplicState *s = opaque;
    unsigned n = (addr - APLIC_SOURCECFG) / 4 + 1;
    int w;

    if (addr >= RISCV_APLIC_IDC) {
        unsigned i = (addr - RISCV_APLIC_IDC) / RISCV_APLIC_IDC_SIZE;

        return i < s->num_harts ? aplic_read_idc(s, i, addr % RISCV_APLIC_IDC_SIZE) : 0;
    }
    if (addr == APLIC_DOMAINCFG) {
        return DOMAINCFG_RO80 | (s->ie ? DOMAINCFG_IE : 0) | (s->msimode ? DOMAINCFG_DM : 0);
    }
    if (addr < APLIC_MMSIADDRCFG) {
        return n <= s->num_sources ? s->sourcecfg[n] : 0;
    }
    if (addr <= APLIC_SMSIADDRCFGH) {
        return aplic_read_msiaddrcfg(s, addr);
    }
    if ((w = aplic_bitmap_word(addr, APLIC_SETIP)) >= 0 && (unsigned)w < aplic_words(s)) {
        return s->pending[w];
    }
    if ((w = aplic_bitmap_word(addr, APLIC_IN_CLRIP)) >= 0) {
        return aplic_read_in_clrip(s, w);
    }
    if ((w = aplic_bitmap_word(addr, APLIC_SETIE)) >= 0 && (unsigned)w < aplic_words(s)) {
        return s->enabled[w];
    }
    if (addr == APLIC_GENMSI) {
        return s->msimode ? s->genmsi : 0; /* MSIs leave at once: Busy is never seen */
    }
    if (addr >= APLIC_TARGET) {
        n = (addr - APLIC_TARGET) / 4 + 1;
        return n <= s->num_sources ? s->target[n] : 0;
    }
    return 0; /* the *num, clrie and reserved words read as zero */
}

static void aplic_write_num(RISCVAplicState *s, uint64_t addr, uint32_t n)
{
    if (!aplic_active(s, n)) {
        return; /* not an active source: ignored (§4.5.6) */
    }
    switch (addr) {
    case APLIC_SETIPNUM:
    case APLIC_SETIPNUM_LE:
        aplic_try_set_pending(s, n);
        break;
    case APLIC_CLRIPNUM:
        aplic_try_clear_pending(s, n);
        break;
    case APLIC_SETIENUM:
        aplic_enable(s, n);
        break;
    case APLIC_CLRIENUM:
        aplic_disable(s, n);
        break;
    }
}

static bool aplic_write_bitmap(RISCVAplicState *s, uint64_t addr, uint32_t val)
{
    static const struct {
        uint64_t base;
        void (*op)(RISCVAplicState *s, unsigned n);
    } regs[] = {
        {APLIC_SETIP, aplic_try_set_pending},
        {APLIC_IN_CLRIP, aplic_try_clear_pending},
        {APLIC_SETIE, aplic_enable},
        {APLIC_CLRIE, aplic_disable},
    };

    for (size_t i = 0; i < ARRAY_SIZE(regs); i++) {
        int w = aplic_bitmap_word(addr, regs[i].base);

        if (w >= 0) {
            aplic_for_bits(s, w, val, regs[i].op);
            return true;
        }
    }
    return false;
}

static void aplic_write(void *opaque, uint64_t addr, uint64_t val64, unsigned size)
{
    RISCVAplicState *s = opaque;
    uint32_t val = val64;
    unsigned n;

    if (addr >= RISCV_APLIC_IDC) {
        unsigned i = (addr - RISCV_APLIC_IDC) / RISCV_APLIC_IDC_SIZE;

        if (i < s->num_harts) {
            aplic_write_idc(s, i, addr % RISCV_APLIC_IDC_SIZE, val);
        }
        return;
    }
    if (addr == APLIC_DOMAINCFG) {
        s->ie = val & DOMAINCFG_IE;
    } else if (addr < APLIC_MMSIADDRCFG) {
        aplic_write_sourcecfg(s, (addr - APLIC_SOURCECFG) / 4 + 1, val);
        return;
    } else if (addr <= APLIC_SMSIADDRCFGH) {
        aplic_write_msiaddrcfg(s, addr, val);
    } else if (aplic_write_bitmap(s, addr, val)) {
        /* done */
    } else if (addr == APLIC_SETIPNUM_BE) {
        aplic_write_num(s, APLIC_SETIPNUM, GUINT32_SWAP_LE_BE(val));
    } else if (addr == APLIC_GENMSI) {
        if (s->msimode) {
            s->genmsi = val & (~((1u << TARGET_HART_SHIFT) - 1) | TARGET_EIID_MASK);
            aplic_send_msi(s, s->genmsi); /* extempore MSIs ignore IE (§4.5.15) */
        }
    } else if (addr >= APLIC_TARGET) {
        n = (addr - APLIC_TARGET) / 4 + 1;
        if (aplic_active(s, n)) {
            s->target[n] = aplic_legal_target(s, val);
        }
    } else {
        aplic_write_num(s, addr, val);
    }
    aplic_update(s);
}

static const MemoryRegionOps aplic_ops = {
    .read = aplic_read,
    .write = aplic_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/* ---- monitor ---- */

static void aplic_print_sources(RISCVAplicState *s, const char *what, const uint32_t *map,
                                GString *out)
{
    g_string_append_printf(out, "    %s: ", what);
    irq_bitmap_append(out, map, 1, s->num_sources);
    g_string_append_c(out, '\n');
}

/* info pic: each domain's configuration, pending and enabled sources, and IDCs. */
static void aplic_print_state(void *opaque, GString *out)
{
    for (RISCVAplicState *s = opaque; s; s = s->child) {
        g_string_append_printf(out, "%s %c-level domain at 0x%" PRIx64 ": %s delivery, IE=%d\n",
                               RISCV_APLIC_TYPE, s->mmode ? 'M' : 'S', s->addr,
                               s->msimode ? "MSI" : "direct", s->ie);
        aplic_print_sources(s, "pending", s->pending, out);
        aplic_print_sources(s, "enabled", s->enabled, out);
        for (unsigned i = 0; !s->msimode && i < s->num_harts; i++) {
            g_string_append_printf(
                out, "    idc %u: idelivery %u iforce %u ithreshold %u topi 0x%x\n", i,
                s->idcs[i].idelivery, s->idcs[i].iforce, s->idcs[i].ithreshold, aplic_topi(s, i));
        }
    }
}

/* ---- device ---- */

static void aplic_free(RISCVAplicState *s)
{
    g_clear_pointer(&s->sourcecfg, g_free);
    g_clear_pointer(&s->target, g_free);
    g_clear_pointer(&s->pending, g_free);
    g_clear_pointer(&s->enabled, g_free);
    g_clear_pointer(&s->level, g_free);
    g_clear_pointer(&s->raised, g_free);
    g_clear_pointer(&s->idcs, g_free);
    g_clear_pointer(&s->irqs, g_free);
}

static bool aplic_check_props(RISCVAplicState *s, GError **errp)
{
    if (s->num_sources == 0 || s->num_sources > RISCV_APLIC_MAX_SOURCES) {
        error_setg(errp, "riscv_aplic: num-sources=%u must be 1 to %u", s->num_sources,
                   RISCV_APLIC_MAX_SOURCES);
        return false;
    }
    if (s->num_harts == 0 || s->size < RISCV_APLIC_SIZE(s->num_harts)) {
        error_setg(errp, "riscv_aplic: size=0x%" PRIx64 " cannot hold IDCs for num-harts=%u",
                   s->size, s->num_harts);
        return false;
    }
    if (s->parent && (s->parent->child || s->parent->num_sources != s->num_sources)) {
        error_setg(errp, "riscv_aplic: the parent domain already has a child, or another "
                         "number of sources");
        return false;
    }
    return true;
}

static bool aplic_realize(DeviceState *dev, GError **errp)
{
    RISCVAplicState *s = (RISCVAplicState *)dev;
    unsigned words;

    if (!aplic_check_props(s, errp)) {
        return false;
    }
    words = aplic_words(s);
    s->root = s->parent ? s->parent->root : s;
    s->sourcecfg = g_new0(uint32_t, s->num_sources + 1);
    s->target = g_new0(uint32_t, s->num_sources + 1);
    s->pending = g_new0(uint32_t, words);
    s->enabled = g_new0(uint32_t, words);
    s->idcs = g_new0(AplicIdc, s->num_harts);
    for (unsigned i = 0; i < s->num_harts; i++) {
        s->idcs[i].cpu = riscv_cpu_by_hartid((uint64_t)s->hartid_base + i);
        if (!s->idcs[i].cpu) {
            error_setg(errp, "riscv_aplic: no hart with id %u", s->hartid_base + i);
            aplic_free(s);
            return false;
        }
    }
    if (s->parent) {
        s->parent->child = s;
    } else {
        s->level = g_new0(uint32_t, words);
        s->raised = g_new0(uint64_t, s->num_sources + 1);
        s->irqs = irq_allocate(aplic_set_irq, s, s->num_sources + 1);
        s->stats =
            (IrqStats){RISCV_APLIC_TYPE, s->raised, s->num_sources + 1, aplic_print_state, s};
        irq_stats_register(&s->stats);
    }
    memory_region_init_io(&s->mmio, &aplic_ops, s, s->mmode ? "riscv.aplic.m" : "riscv.aplic.s",
                          s->size);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->mmio);
    return true;
}

static void aplic_unrealize(DeviceState *dev)
{
    RISCVAplicState *s = (RISCVAplicState *)dev;

    if (s->parent) {
        s->parent->child = NULL;
    } else {
        irq_stats_unregister(&s->stats);
    }
    memory_region_del_subregion(get_system_memory(), &s->mmio);
    aplic_free(s);
}

/* §4.6: domaincfg (and here everything else) to zero; the MSI layout unlocked. */
static void aplic_reset(DeviceState *dev)
{
    RISCVAplicState *s = (RISCVAplicState *)dev;
    unsigned words = aplic_words(s);

    s->ie = false;
    s->genmsi = 0;
    memset(s->sourcecfg, 0, (s->num_sources + 1) * sizeof(uint32_t));
    memset(s->target, 0, (s->num_sources + 1) * sizeof(uint32_t));
    memset(s->pending, 0, words * sizeof(uint32_t));
    memset(s->enabled, 0, words * sizeof(uint32_t));
    for (unsigned i = 0; i < s->num_harts; i++) {
        s->idcs[i].idelivery = s->idcs[i].iforce = s->idcs[i].ithreshold = 0;
    }
    s->mmsiaddrcfg = s->mmsiaddrcfgh = s->smsiaddrcfg = s->smsiaddrcfgh = 0;
    aplic_update(s);
}

static void aplic_print_dev(DeviceState *dev, GString *out, int indent)
{
    RISCVAplicState *s = (RISCVAplicState *)dev;

    g_string_append_printf(out,
                           "%*smmio 0x%016" PRIx64 "/0x%" PRIx64 " %c-level, %s delivery, "
                           "sources %u, harts %u-%u\n",
                           indent, "", s->addr, s->size, s->mmode ? 'M' : 'S',
                           s->msimode ? "MSI" : "direct", s->num_sources, s->hartid_base,
                           s->hartid_base + s->num_harts - 1);
}

static const Property aplic_props[] = {
    DEFINE_PROP_U64("addr", RISCVAplicState, addr, 0xc000000, "MMIO base address"),
    DEFINE_PROP_U64("size", RISCVAplicState, size, 0x8000, "MMIO window size"),
    DEFINE_PROP_U32("hartid-base", RISCVAplicState, hartid_base, 0, "first hart id served"),
    DEFINE_PROP_U32("num-harts", RISCVAplicState, num_harts, 1, "number of harts served"),
    DEFINE_PROP_U32("num-sources", RISCVAplicState, num_sources, 96, "sources 1 .. N"),
    DEFINE_PROP_BOOL("mmode", RISCVAplicState, mmode, true,
                     "machine-level domain (else supervisor-level)"),
    DEFINE_PROP_BOOL("msimode", RISCVAplicState, msimode, false,
                     "deliver by MSIs to IMSICs (else directly through IDCs)"),
    DEFINE_PROP_END,
};

static DeviceClass aplic_class = {
    .name = RISCV_APLIC_TYPE,
    .desc = "RISC-V AIA APLIC: an interrupt domain of wired sources",
    .category = "misc",
    .instance_size = sizeof(RISCVAplicState),
    .bus_type = BUS_SYSTEM,
    .props = aplic_props,
    .realize = aplic_realize,
    .unrealize = aplic_unrealize,
    .reset = aplic_reset,
    .print_dev = aplic_print_dev,
};

DeviceState *riscv_aplic_create(uint64_t addr, uint64_t size, uint32_t hartid_base,
                                uint32_t num_harts, uint32_t num_sources, bool mmode, bool msimode,
                                DeviceState *parent, GError **errp)
{
    DeviceState *dev = device_new(RISCV_APLIC_TYPE, errp);

    if (!dev) {
        return NULL;
    }
    ((RISCVAplicState *)dev)->parent = (RISCVAplicState *)parent;
    if (!device_set_prop_u64(dev, "addr", addr, errp) ||
        !device_set_prop_u64(dev, "size", size, errp) ||
        !device_set_prop_u64(dev, "hartid-base", hartid_base, errp) ||
        !device_set_prop_u64(dev, "num-harts", num_harts, errp) ||
        !device_set_prop_u64(dev, "num-sources", num_sources, errp) ||
        !device_set_prop(dev, "mmode", mmode ? "on" : "off", errp) ||
        !device_set_prop(dev, "msimode", msimode ? "on" : "off", errp) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

IrqLine *riscv_aplic_irq(DeviceState *root, unsigned n)
{
    RISCVAplicState *s = (RISCVAplicState *)root;

    g_assert(!s->parent && n > 0 && n <= s->num_sources);
    return &s->irqs[n];
}

MIMIC_INIT(riscv_aplic_register)
{
    device_class_register(&aplic_class);
}
