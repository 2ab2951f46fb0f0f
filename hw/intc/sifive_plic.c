/*
 * SiFive PLIC, the RISC-V Platform-Level Interrupt Controller (RISC-V PLIC
 * specification 1.0.0), as QEMU's virt machine maps it:
 *
 *   +0x000000 + 4 * s          priority of source s (3 bits; 0 = never)
 *   +0x001000 + 4 * (s / 32)   pending bits, read-only
 *   +0x002000 + 0x80 * c       enable bits of context c
 *   +0x200000 + 0x1000 * c     threshold of context c
 *   +0x200004 + 0x1000 * c     claim (read) / complete (write) of context c
 *
 * Context 2 * i is hart i's M-mode context (IRQ_M_EXT), 2 * i + 1 its S-mode
 * context (IRQ_S_EXT), QEMU's "MS" hart configuration.
 *
 * Sources are level-triggered through a gateway (spec §5): a high line sets
 * the pending bit unless the source is claimed; a claim clears it, and the
 * completion re-pends it if the line is still high. A context's external
 * interrupt is asserted while some enabled, pending source has a priority
 * above its threshold. Registers take aligned 32-bit accesses only; anything
 * else, and writes to read-only or absent registers, are logged and ignored.
 * Left out: edge-triggered sources and the 64-bit access flavour.
 */
#include "hw/intc/sifive_plic.h"
#include "system/memory.h"
#include "target/riscv/cpu.h"
#include "util/error.h"
#include "util/log.h"

#define PLIC_PRIORITY_MASK 7 /* QEMU virt: 3 priority bits */

typedef struct PlicContext {
    RISCVCPU *cpu;
    int irq;          /* IRQ_M_EXT or IRQ_S_EXT */
    uint32_t *enable; /* num_words bits */
    uint32_t threshold;
} PlicContext;

typedef struct SiFivePlicState {
    DeviceState parent;
    uint64_t addr;
    uint64_t size;
    uint32_t hartid_base;
    uint32_t num_harts;
    uint32_t num_sources;

    unsigned num_words; /* 32-bit words of a per-source bitmap */
    unsigned num_contexts;
    uint32_t *priority;
    uint32_t *pending;
    uint32_t *claimed;
    uint32_t *level;  /* input line levels */
    uint64_t *raised; /* per source: times its line went high (info irq) */
    IrqStats stats;
    PlicContext *contexts;
    IrqLine *irqs;
    MemoryRegion mmio;
} SiFivePlicState;


/* The source a claim by context c would return: highest priority, then lowest id; 0 if none. */
static unsigned plic_best_source(SiFivePlicState *s, PlicContext *c)
{
    unsigned best = 0;
    uint32_t best_prio = c->threshold;

    for (unsigned w = 0; w < s->num_words; w++) {
        uint32_t bits = s->pending[w] & c->enable[w];

        while (bits) {
            unsigned src = w * 32 + __builtin_ctz(bits);

            bits &= bits - 1;
            if (s->priority[src] > best_prio) {
                best_prio = s->priority[src];
                best = src;
            }
        }
    }
    return best;
}

static void plic_update(SiFivePlicState *s)
{
    for (unsigned i = 0; i < s->num_contexts; i++) {
        PlicContext *c = &s->contexts[i];

        riscv_cpu_set_irq(c->cpu, c->irq, plic_best_source(s, c) != 0);
    }
}

/* An input line changed (under the big lock, like every device callback). */
static void plic_set_irq(void *opaque, int n, int level)
{
    SiFivePlicState *s = opaque;

    if (n <= 0 || (uint32_t)n >= s->num_sources) {
        return;
    }
    if (level && !irq_bit_get(s->level, n)) {
        s->raised[n]++;
    }
    irq_bit_put(s->level, n, level);
    if (level && !irq_bit_get(s->claimed, n)) {
        irq_bit_put(s->pending, n, true);
    } else if (!level) {
        irq_bit_put(s->pending, n, false);
    }
    plic_update(s);
}

static uint32_t plic_claim(SiFivePlicState *s, PlicContext *c)
{
    unsigned src = plic_best_source(s, c);

    if (src) {
        irq_bit_put(s->pending, src, false);
        irq_bit_put(s->claimed, src, true);
        plic_update(s);
    }
    return src;
}

/* Spec §8: a completion for a source the context does not enable is ignored. */
static void plic_complete(SiFivePlicState *s, PlicContext *c, uint32_t src)
{
    if (src == 0 || src >= s->num_sources || !irq_bit_get(c->enable, src) ||
        !irq_bit_get(s->claimed, src)) {
        return;
    }
    irq_bit_put(s->claimed, src, false);
    if (irq_bit_get(s->level, src)) {
        irq_bit_put(s->pending, src, true);
    }
    plic_update(s);
}

/* The context register block offset addr falls in, or NULL; *reg gets the offset inside it. */
static PlicContext *plic_context_at(SiFivePlicState *s, uint64_t addr, uint64_t base,
                                    uint64_t stride, uint64_t *reg)
{
    uint64_t i = (addr - base) / stride;

    *reg = (addr - base) % stride;
    return i < s->num_contexts ? &s->contexts[i] : NULL;
}

static uint64_t plic_read(void *opaque, uint64_t addr, unsigned size)
{
    SiFivePlicState *s = opaque;
    PlicContext *c;
    uint64_t reg;

    if (addr < SIFIVE_PLIC_PENDING) {
        if (addr / 4 < s->num_sources) {
            return s->priority[addr / 4];
        }
    } else if (addr < SIFIVE_PLIC_ENABLE) {
        if ((addr - SIFIVE_PLIC_PENDING) / 4 < s->num_words) {
            return s->pending[(addr - SIFIVE_PLIC_PENDING) / 4];
        }
    } else if (addr < SIFIVE_PLIC_CONTEXT) {
        c = plic_context_at(s, addr, SIFIVE_PLIC_ENABLE, SIFIVE_PLIC_ENABLE_STRIDE, &reg);
        if (c && reg / 4 < s->num_words) {
            return c->enable[reg / 4];
        }
        if (c) {
            return 0; /* enable bits of absent sources read as zero */
        }
    } else {
        c = plic_context_at(s, addr, SIFIVE_PLIC_CONTEXT, SIFIVE_PLIC_CONTEXT_STRIDE, &reg);
        if (c && reg == 0) {
            return c->threshold;
        }
        if (c && reg == 4) {
            return plic_claim(s, c);
        }
    }
    log_mask_printf(LOG_GUEST_ERROR, "sifive_plic: read of an absent register at 0x%" PRIx64 "\n",
                    addr);
    return 0;
}

static void plic_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    SiFivePlicState *s = opaque;
    PlicContext *c;
    uint64_t reg;

    if (addr < SIFIVE_PLIC_PENDING) {
        if (addr / 4 < s->num_sources && addr != 0) {
            s->priority[addr / 4] = val & PLIC_PRIORITY_MASK;
            plic_update(s);
            return;
        }
    } else if (addr < SIFIVE_PLIC_ENABLE) {
        /* Pending bits are read-only (spec §6). */
    } else if (addr < SIFIVE_PLIC_CONTEXT) {
        c = plic_context_at(s, addr, SIFIVE_PLIC_ENABLE, SIFIVE_PLIC_ENABLE_STRIDE, &reg);
        if (c && reg / 4 < s->num_words) {
            uint32_t bits = val;

            if (reg == 0) {
                bits &= ~1u; /* source 0 does not exist */
            }
            if (reg / 4 == s->num_words - 1 && s->num_sources % 32) {
                bits &= (1u << (s->num_sources % 32)) - 1;
            }
            c->enable[reg / 4] = bits;
            plic_update(s);
            return;
        }
        if (c) {
            return; /* enable bits of absent sources ignore writes */
        }
    } else {
        c = plic_context_at(s, addr, SIFIVE_PLIC_CONTEXT, SIFIVE_PLIC_CONTEXT_STRIDE, &reg);
        if (c && reg == 0) {
            c->threshold = val & PLIC_PRIORITY_MASK;
            plic_update(s);
            return;
        }
        if (c && reg == 4) {
            plic_complete(s, c, (uint32_t)val);
            return;
        }
    }
    log_mask_printf(LOG_GUEST_ERROR,
                    "sifive_plic: write of 0x%" PRIx64 " to a read-only or absent register at "
                    "0x%" PRIx64 "\n",
                    val, addr);
}

static const MemoryRegionOps plic_ops = {
    .read = plic_read,
    .write = plic_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = {.min_access_size = 4, .max_access_size = 4},
    .impl = {.min_access_size = 4, .max_access_size = 4},
};

/* Sources as "1-3,7" for the bits set in map. */
static void plic_print_sources(SiFivePlicState *s, const uint32_t *map, GString *out)
{
    irq_bitmap_append(out, map, 1, s->num_sources - 1);
    g_string_append_c(out, '\n');
}

/* info pic: lines, pending and claimed sources, and each context's enables and threshold. */
static void plic_print_state(void *opaque, GString *out)
{
    SiFivePlicState *s = opaque;

    g_string_append_printf(out, "%s: %u sources, %u contexts\n", SIFIVE_PLIC_TYPE,
                           s->num_sources - 1, s->num_contexts);
    g_string_append(out, "  line high: ");
    plic_print_sources(s, s->level, out);
    g_string_append(out, "  pending:   ");
    plic_print_sources(s, s->pending, out);
    g_string_append(out, "  claimed:   ");
    plic_print_sources(s, s->claimed, out);
    for (unsigned i = 0; i < s->num_contexts; i++) {
        PlicContext *c = &s->contexts[i];

        g_string_append_printf(out, "  context %u (hart %u %c-mode): threshold %u, enabled ", i,
                               s->hartid_base + i / 2, i % 2 ? 'S' : 'M', c->threshold);
        plic_print_sources(s, c->enable, out);
    }
}

static void plic_free(SiFivePlicState *s)
{
    for (unsigned i = 0; s->contexts && i < s->num_contexts; i++) {
        g_free(s->contexts[i].enable);
    }
    g_clear_pointer(&s->contexts, g_free);
    g_clear_pointer(&s->priority, g_free);
    g_clear_pointer(&s->pending, g_free);
    g_clear_pointer(&s->claimed, g_free);
    g_clear_pointer(&s->level, g_free);
    g_clear_pointer(&s->raised, g_free);
    g_clear_pointer(&s->irqs, g_free);
}

static bool plic_realize(DeviceState *dev, GError **errp)
{
    SiFivePlicState *s = (SiFivePlicState *)dev;

    if (s->num_sources < 2 || s->num_sources > SIFIVE_PLIC_MAX_SOURCES) {
        error_setg(errp, "sifive_plic: num-sources=%u must be 2 to %u", s->num_sources,
                   SIFIVE_PLIC_MAX_SOURCES);
        return false;
    }
    if (s->num_harts == 0 || 2 * s->num_harts > SIFIVE_PLIC_MAX_CONTEXTS) {
        error_setg(errp, "sifive_plic: num-harts=%u must be 1 to %u", s->num_harts,
                   SIFIVE_PLIC_MAX_CONTEXTS / 2);
        return false;
    }
    if (s->size < SIFIVE_PLIC_SIZE(2 * s->num_harts)) {
        error_setg(errp,
                   "sifive_plic: size=0x%" PRIx64 " cannot hold %u contexts (needs 0x%" PRIx64 ")",
                   s->size, 2 * s->num_harts, SIFIVE_PLIC_SIZE(2 * s->num_harts));
        return false;
    }
    s->num_words = (s->num_sources + 31) / 32;
    s->num_contexts = 2 * s->num_harts;
    s->priority = g_new0(uint32_t, s->num_sources);
    s->pending = g_new0(uint32_t, s->num_words);
    s->claimed = g_new0(uint32_t, s->num_words);
    s->level = g_new0(uint32_t, s->num_words);
    s->raised = g_new0(uint64_t, s->num_sources);
    s->contexts = g_new0(PlicContext, s->num_contexts);
    for (unsigned i = 0; i < s->num_contexts; i++) {
        PlicContext *c = &s->contexts[i];
        uint64_t hartid = (uint64_t)s->hartid_base + i / 2;

        c->cpu = riscv_cpu_by_hartid(hartid);
        if (!c->cpu) {
            error_setg(errp, "sifive_plic: no hart with id %" PRIu64, hartid);
            plic_free(s);
            return false;
        }
        c->irq = i % 2 ? IRQ_S_EXT : IRQ_M_EXT;
        c->enable = g_new0(uint32_t, s->num_words);
    }
    s->irqs = irq_allocate(plic_set_irq, s, s->num_sources);
    memory_region_init_io(&s->mmio, &plic_ops, s, "riscv.sifive.plic", s->size);
    memory_region_add_subregion(get_system_memory(), s->addr, &s->mmio);
    s->stats = (IrqStats){SIFIVE_PLIC_TYPE, s->raised, s->num_sources, plic_print_state, s};
    irq_stats_register(&s->stats);
    return true;
}

static void plic_unrealize(DeviceState *dev)
{
    SiFivePlicState *s = (SiFivePlicState *)dev;

    irq_stats_unregister(&s->stats);
    memory_region_del_subregion(get_system_memory(), &s->mmio);
    plic_free(s);
}

/* Everything masked and at priority 0; lines that are high stay pending. */
static void plic_reset(DeviceState *dev)
{
    SiFivePlicState *s = (SiFivePlicState *)dev;

    memset(s->priority, 0, s->num_sources * sizeof(uint32_t));
    memset(s->claimed, 0, s->num_words * sizeof(uint32_t));
    memcpy(s->pending, s->level, s->num_words * sizeof(uint32_t));
    for (unsigned i = 0; i < s->num_contexts; i++) {
        memset(s->contexts[i].enable, 0, s->num_words * sizeof(uint32_t));
        s->contexts[i].threshold = 0;
    }
    plic_update(s);
}

static void plic_print_dev(DeviceState *dev, GString *out, int indent)
{
    SiFivePlicState *s = (SiFivePlicState *)dev;

    g_string_append_printf(out, "%*smmio 0x%016" PRIx64 "/0x%" PRIx64 " sources %u harts %u-%u\n",
                           indent, "", s->addr, s->size, s->num_sources - 1, s->hartid_base,
                           s->hartid_base + s->num_harts - 1);
}

static const Property plic_props[] = {
    DEFINE_PROP_U64("addr", SiFivePlicState, addr, 0xc000000, "MMIO base address"),
    DEFINE_PROP_U64("size", SiFivePlicState, size, 0x600000, "MMIO window size"),
    DEFINE_PROP_U32("hartid-base", SiFivePlicState, hartid_base, 0, "first hart id served"),
    DEFINE_PROP_U32("num-harts", SiFivePlicState, num_harts, 1, "number of harts served"),
    DEFINE_PROP_U32("num-sources", SiFivePlicState, num_sources, 97,
                    "interrupt sources including the absent source 0"),
    DEFINE_PROP_END,
};

static DeviceClass plic_class = {
    .name = SIFIVE_PLIC_TYPE,
    .desc = "SiFive PLIC: RISC-V platform-level interrupt controller",
    .category = "misc",
    .instance_size = sizeof(SiFivePlicState),
    .bus_type = BUS_SYSTEM,
    .props = plic_props,
    .realize = plic_realize,
    .unrealize = plic_unrealize,
    .reset = plic_reset,
    .print_dev = plic_print_dev,
};

DeviceState *sifive_plic_create(uint64_t addr, uint64_t size, uint32_t hartid_base,
                                uint32_t num_harts, uint32_t num_sources, GError **errp)
{
    DeviceState *dev = device_new(SIFIVE_PLIC_TYPE, errp);

    if (!dev) {
        return NULL;
    }
    if (!device_set_prop_u64(dev, "addr", addr, errp) ||
        !device_set_prop_u64(dev, "size", size, errp) ||
        !device_set_prop_u64(dev, "hartid-base", hartid_base, errp) ||
        !device_set_prop_u64(dev, "num-harts", num_harts, errp) ||
        !device_set_prop_u64(dev, "num-sources", num_sources, errp) ||
        !device_realize(dev, sysbus_get_default(), errp)) {
        device_destroy(dev);
        return NULL;
    }
    return dev;
}

IrqLine *sifive_plic_irq(DeviceState *plic, unsigned n)
{
    SiFivePlicState *s = (SiFivePlicState *)plic;

    g_assert(n > 0 && n < s->num_sources);
    return &s->irqs[n];
}

MIMIC_INIT(sifive_plic_register)
{
    device_class_register(&plic_class);
}
