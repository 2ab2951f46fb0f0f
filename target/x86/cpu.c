/*
 * x86-64 CPU: reset state, models, register dump, page-table walk for the
 * monitor. Intel SDM vol. 3 §9.1 (state after reset), §4.5 (4-level paging).
 */
#include "target/x86/cpu.h"
#include "system/memory.h"
#include "util/error.h"

typedef struct X86CPUModel {
    const char *name;
    const char *desc;
    /* Feature bits hidden from the guest, per CPUID leaf 1 and 7.0 registers. */
    uint32_t hide_1_ecx, hide_1_edx, hide_7_ebx, hide_7_ecx, hide_7_edx;
    uint32_t hide_8000_0001_ecx, hide_8000_0001_edx;
} X86CPUModel;

/*
 * mimic64 is a conservative baseline for migration across hosts: SSE up to
 * SSE4.2 and POPCNT, no AVX/XSAVE family, no TSX, no PKU. CMPXCHG16B is left
 * out too: nested paravirtual KVM hosts cannot emulate it (nor XRSTOR), and a
 * guest that never sees them does not trip over that. "host" passes through
 * everything KVM supports.
 */
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_OSXSAVE (1u << 27)
#define CPUID_1_ECX_AVX (1u << 28)
#define CPUID_1_ECX_F16C (1u << 29)
#define CPUID_1_ECX_FMA (1u << 12)
#define CPUID_1_ECX_PCID (1u << 17)
#define CPUID_1_ECX_VMX (1u << 5)
#define CPUID_1_ECX_MONITOR (1u << 3)
#define CPUID_1_ECX_CX16 (1u << 13)

static const X86CPUModel models[] = {
    {"host", "all features KVM supports on this host"},
    {"mimic64", "baseline x86-64 (SSE4.2, no AVX/XSAVE), the default",
     .hide_1_ecx = CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX |
                   CPUID_1_ECX_F16C | CPUID_1_ECX_FMA | CPUID_1_ECX_VMX | CPUID_1_ECX_MONITOR |
                   CPUID_1_ECX_CX16,
     .hide_7_ebx = ~((1u << 0) /* fsgsbase */ | (1u << 3) /* bmi1 */ | (1u << 8) /* bmi2 */ |
                     (1u << 9) /* erms */ | (1u << 18) /* rdseed */ | (1u << 19) /* adx */ |
                     (1u << 20) /* smap */ | (1u << 7) /* smep */),
     .hide_7_ecx = ~0u,
     .hide_7_edx = ~0u},
};

static const X86CPUModel *find_model(const char *name)
{
    if (strcmp(name, "qemu64") == 0) { /* command lines written for QEMU keep working */
        name = "mimic64";
    }
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        if (strcmp(models[i].name, name) == 0) {
            return &models[i];
        }
    }
    return NULL;
}

bool x86_cpu_model_known(const char *model)
{
    return find_model(model) != NULL;
}

bool x86_cpu_model_is_host(const char *model)
{
    return strcmp(model, "host") == 0;
}

char *target_cpu_models_help(void)
{
    GString *out = g_string_new("Available CPUs:\n");

    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        g_string_append_printf(out, "x86 %-12s %s\n", models[i].name, models[i].desc);
    }
    g_string_append(out, "x86 qemu64      alias of mimic64\n");
    return g_string_free(out, FALSE);
}

void x86_cpu_model_filter_cpuid(const char *model, uint32_t function, uint32_t index,
                                uint32_t *eax, uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    const X86CPUModel *m = find_model(model);

    if (!m) {
        return;
    }
    switch (function) {
    case 1:
        *ecx &= ~m->hide_1_ecx;
        *edx &= ~m->hide_1_edx;
        break;
    case 7:
        if (index == 0) {
            *ebx &= ~m->hide_7_ebx;
            *ecx &= ~m->hide_7_ecx;
            *edx &= ~m->hide_7_edx;
        }
        break;
    case 0xd: /* XSAVE state enumeration: nothing when XSAVE is hidden */
        if (m->hide_1_ecx & CPUID_1_ECX_XSAVE) {
            *eax = *ebx = *ecx = *edx = 0;
        }
        break;
    case 0x80000001:
        *ecx &= ~m->hide_8000_0001_ecx;
        *edx &= ~m->hide_8000_0001_edx;
        break;
    }
}

static void segment_real(X86Segment *seg, uint16_t selector, uint8_t type)
{
    *seg = (X86Segment){.selector = selector, .base = (uint64_t)selector << 4, .limit = 0xffff,
                        .type = type, .present = true, .s = true};
}

/* Power-on state: real mode at the reset vector (SDM vol. 3 table 9-1). */
static void x86_cpu_reset(CPUState *cs)
{
    X86CPU *cpu = X86_CPU(cs);

    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->regs[R_EDX] = 0x600; /* family/model/stepping hint */
    cpu->rip = 0xfff0;
    cpu->rflags = RFLAGS_RESERVED;
    for (int i = 0; i < X86_NUM_SEGS; i++) {
        segment_real(&cpu->segs[i], 0, 3); /* read/write data, accessed */
    }
    cpu->segs[R_CS] = (X86Segment){.selector = 0xf000, .base = 0xffff0000, .limit = 0xffff,
                                   .type = 11, .present = true, .s = true};
    cpu->ldt = (X86Segment){.limit = 0xffff, .type = 2, .present = true};
    cpu->tr = (X86Segment){.limit = 0xffff, .type = 11, .present = true};
    cpu->gdt = (X86DescTable){.base = 0, .limit = 0xffff};
    cpu->idt = (X86DescTable){.base = 0, .limit = 0xffff};
    memset(cpu->cr, 0, sizeof(cpu->cr));
    cpu->cr[0] = CR0_ET | CR0_NW | CR0_CD;
    cpu->cr8 = 0;
    cpu->efer = 0;
    cpu->apic_base = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE |
                     (cs->index == 0 ? MSR_IA32_APICBASE_BSP : 0);
    cpu->mp_state = cs->index == 0 ? X86_MP_RUNNABLE : X86_MP_WAIT_SIPI;
    cpu->fpu = (X86FPUState){.fcw = 0x37f, .mxcsr = 0x1f80};
    cpu->fpu_dirty = false;
    cpu->reset_pending = true;
}

static X86Segment flat_segment(uint16_t selector, uint8_t type)
{
    return (X86Segment){.selector = selector, .base = 0, .limit = 0xffffffff, .type = type,
                        .present = true, .s = true, .db = true, .g = true};
}

void x86_cpu_set_flat32(X86CPU *cpu, uint32_t entry)
{
    cpu->segs[R_CS] = flat_segment(0x10, 11);
    for (int i = 0; i < X86_NUM_SEGS; i++) {
        if (i != R_CS) {
            cpu->segs[i] = flat_segment(0x18, 3);
        }
    }
    cpu->cr[0] = CR0_PE | CR0_ET;
    cpu->rip = entry;
    cpu->rflags = RFLAGS_RESERVED;
}

static const char *const reg_names[16] = {
    "RAX", "RCX", "RDX", "RBX", "RSP", "RBP", "RSI", "RDI",
    "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
};

static const char *const seg_names[X86_NUM_SEGS] = {"ES", "CS", "SS", "DS", "FS", "GS"};

static void dump_segment(GString *out, const char *name, const X86Segment *s)
{
    g_string_append_printf(out, "%-3s=%04x %016" PRIx64 " %08x type=%x dpl=%u%s%s%s%s\n", name,
                           s->selector, s->base, s->limit, s->type, s->dpl,
                           s->present ? " P" : "", s->l ? " L" : "", s->db ? " DB" : "",
                           s->g ? " G" : "");
}

static void x86_cpu_dump_state(CPUState *cs, GString *out)
{
    X86CPU *cpu = X86_CPU(cs);

    g_string_append_printf(out, "CPU#%d (APIC id %" PRIu64 ")%s\n", cs->index, cs->arch_id,
                           cpu->mp_state == X86_MP_WAIT_SIPI ? " waiting for SIPI" : "");
    for (int i = 0; i < 16; i++) {
        g_string_append_printf(out, "%-3s=%016" PRIx64 "%s", reg_names[i], cpu->regs[i],
                               (i % 4) == 3 ? "\n" : " ");
    }
    g_string_append_printf(out, "RIP=%016" PRIx64 " RFL=%08" PRIx64 "\n", cpu->rip, cpu->rflags);
    for (int i = 0; i < X86_NUM_SEGS; i++) {
        dump_segment(out, seg_names[i], &cpu->segs[i]);
    }
    dump_segment(out, "LDT", &cpu->ldt);
    dump_segment(out, "TR", &cpu->tr);
    g_string_append_printf(out, "GDT=     %016" PRIx64 " %08x\n", cpu->gdt.base, cpu->gdt.limit);
    g_string_append_printf(out, "IDT=     %016" PRIx64 " %08x\n", cpu->idt.base, cpu->idt.limit);
    g_string_append_printf(out,
                           "CR0=%08" PRIx64 " CR2=%016" PRIx64 " CR3=%016" PRIx64 " CR4=%08" PRIx64
                           "\n",
                           cpu->cr[0], cpu->cr[2], cpu->cr[3], cpu->cr[4]);
    g_string_append_printf(out, "EFER=%016" PRIx64 " CR8=%" PRIx64 " APICBASE=%" PRIx64 "\n",
                           cpu->efer, cpu->cr8, cpu->apic_base);
}

static uint64_t x86_cpu_get_pc(CPUState *cs)
{
    X86CPU *cpu = X86_CPU(cs);
    return cpu->segs[R_CS].base + cpu->rip;
}

static bool read_phys_u64(uint64_t addr, uint64_t *val)
{
    return address_space_read(&address_space_memory, addr, val, 8) == MEMTX_OK;
}

static bool read_phys_u32(uint64_t addr, uint32_t *val)
{
    return address_space_read(&address_space_memory, addr, val, 4) == MEMTX_OK;
}

/* Legacy 32-bit paging (no PAE): 4 KiB and 4 MiB pages. */
static bool translate_legacy32(X86CPU *cpu, uint64_t vaddr, uint64_t *paddr)
{
    uint32_t pde, pte;

    if (!read_phys_u32((cpu->cr[3] & ~0xfffULL) + ((vaddr >> 22) & 0x3ff) * 4, &pde) ||
        !(pde & 1)) {
        return false;
    }
    if ((pde & 0x80) && (cpu->cr[4] & (1u << 4))) {
        *paddr = (pde & 0xffc00000u) | (vaddr & 0x3fffff);
        return true;
    }
    if (!read_phys_u32((pde & ~0xfffu) + ((vaddr >> 12) & 0x3ff) * 4, &pte) || !(pte & 1)) {
        return false;
    }
    *paddr = (pte & ~0xfffu) | (vaddr & 0xfff);
    return true;
}

/* PAE and 4-level paging share the 64-bit entry format. */
bool x86_cpu_translate(X86CPU *cpu, uint64_t vaddr, uint64_t *paddr)
{
    const uint64_t addr_mask = 0x000ffffffffff000ULL;
    uint64_t entry, table;
    int level, levels;

    if (!(cpu->cr[0] & CR0_PG)) {
        *paddr = vaddr & (cpu->efer & EFER_LMA ? ~0ULL : 0xffffffffULL);
        return true;
    }
    if (!(cpu->cr[4] & CR4_PAE)) {
        return translate_legacy32(cpu, vaddr, paddr);
    }
    levels = cpu->efer & EFER_LMA ? 4 : 3;
    table = levels == 4 ? cpu->cr[3] & addr_mask : cpu->cr[3] & ~0x1fULL;
    for (level = levels; level >= 1; level--) {
        unsigned shift = 12 + 9 * (level - 1);
        unsigned index = (vaddr >> shift) & (level == 3 && levels == 3 ? 3 : 0x1ff);

        if (!read_phys_u64(table + index * 8, &entry) || !(entry & 1)) {
            return false;
        }
        if (level <= 3 && level > 1 && (entry & 0x80)) {
            uint64_t page = 1ULL << shift;
            *paddr = (entry & addr_mask & ~(page - 1)) | (vaddr & (page - 1));
            return true;
        }
        table = entry & addr_mask;
    }
    *paddr = table | (vaddr & 0xfff);
    return true;
}

static bool x86_cpu_memory_rw_debug(CPUState *cs, uint64_t vaddr, void *buf, size_t len,
                                    bool is_write)
{
    uint8_t *p = buf;

    while (len) {
        uint64_t paddr;
        size_t chunk = MIN(len, 0x1000 - (vaddr & 0xfff));

        if (!x86_cpu_translate(X86_CPU(cs), vaddr, &paddr) ||
            address_space_rw(&address_space_memory, paddr, p, chunk, is_write) != MEMTX_OK) {
            return false;
        }
        vaddr += chunk;
        p += chunk;
        len -= chunk;
    }
    return true;
}

static bool x86_cpu_get_register(CPUState *cs, const char *name, uint64_t *value)
{
    X86CPU *cpu = X86_CPU(cs);
    static const char *const low_names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp",
                                              "rsi", "rdi", "r8", "r9", "r10", "r11",
                                              "r12", "r13", "r14", "r15"};
    static const char *const e_names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

    for (int i = 0; i < 16; i++) {
        if (g_ascii_strcasecmp(name, low_names[i]) == 0) {
            *value = cpu->regs[i];
            return true;
        }
        if (i < 8 && g_ascii_strcasecmp(name, e_names[i]) == 0) {
            *value = (uint32_t)cpu->regs[i];
            return true;
        }
    }
    if (!g_ascii_strcasecmp(name, "rip") || !g_ascii_strcasecmp(name, "pc")) {
        *value = cpu->rip;
    } else if (!g_ascii_strcasecmp(name, "eip")) {
        *value = (uint32_t)cpu->rip;
    } else if (!g_ascii_strcasecmp(name, "rflags") || !g_ascii_strcasecmp(name, "eflags")) {
        *value = cpu->rflags;
    } else if (!g_ascii_strcasecmp(name, "cr0")) {
        *value = cpu->cr[0];
    } else if (!g_ascii_strcasecmp(name, "cr2")) {
        *value = cpu->cr[2];
    } else if (!g_ascii_strcasecmp(name, "cr3")) {
        *value = cpu->cr[3];
    } else if (!g_ascii_strcasecmp(name, "cr4")) {
        *value = cpu->cr[4];
    } else if (!g_ascii_strcasecmp(name, "efer")) {
        *value = cpu->efer;
    } else {
        return false;
    }
    return true;
}

/*
 * gdb registers: GDB's amd64 target description (features/i386/64bit-core.xml,
 * 64bit-sse.xml, 64bit-segments.xml) in that order, then the control registers.
 * The numbers are the XML's regnum; 'g' carries 0..56 (core and SSE).
 */
enum {
    X86_GDB_RIP = 16,
    X86_GDB_EFLAGS = 17,
    X86_GDB_SEG0 = 18,    /* cs ss ds es fs gs */
    X86_GDB_ST0 = 24,
    X86_GDB_FCTRL = 32,   /* fctrl fstat ftag fiseg fioff foseg fooff fop */
    X86_GDB_XMM0 = 40,
    X86_GDB_MXCSR = 56,
    X86_GDB_FS_BASE = 57,
    X86_GDB_GS_BASE = 58,
    X86_GDB_CR0 = 59,     /* cr0 cr2 cr3 cr4 cr8 efer */
    X86_GDB_NUM_REGS = 65,
};

static const int gdb_gpr[16] = {R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_EBP, R_ESP,
                                R_R8,  R_R9,  R_R10, R_R11, R_R12, R_R13, R_R14, R_R15};
static const int gdb_seg[6] = {R_CS, R_SS, R_DS, R_ES, R_FS, R_GS};

static const char x86_gdb_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
    "<target version=\"1.0\">\n"
    "<architecture>i386:x86-64</architecture>\n"
    "<feature name=\"org.gnu.gdb.i386.core\">\n"
    "<flags id=\"i386_eflags\" size=\"4\">\n"
    " <field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>\n"
    " <field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>\n"
    " <field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>\n"
    " <field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>\n"
    " <field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>\n"
    " <field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>\n"
    " <field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>\n"
    " <field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>\n"
    " <field name=\"ID\" start=\"21\" end=\"21\"/>\n"
    "</flags>\n"
    "<reg name=\"rax\" bitsize=\"64\" type=\"int64\" regnum=\"0\"/>\n"
    "<reg name=\"rbx\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rcx\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rdx\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rsi\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rdi\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rbp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
    "<reg name=\"rsp\" bitsize=\"64\" type=\"data_ptr\"/>\n"
    "<reg name=\"r8\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r9\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r10\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r11\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r12\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r13\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r14\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"r15\" bitsize=\"64\" type=\"int64\"/>\n"
    "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\"/>\n"
    "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\"/>\n"
    "<reg name=\"cs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ss\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"ds\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"es\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"fs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"gs\" bitsize=\"32\" type=\"int32\"/>\n"
    "<reg name=\"st0\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st1\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st2\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st3\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st4\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st5\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st6\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"st7\" bitsize=\"80\" type=\"i387_ext\"/>\n"
    "<reg name=\"fctrl\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fstat\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"ftag\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fiseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fioff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"foseg\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fooff\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "<reg name=\"fop\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.i386.sse\">\n"
    "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
    "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
    "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
    "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
    "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
    "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
    "<union id=\"vec128\">\n"
    " <field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>\n"
    " <field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>\n"
    " <field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>\n"
    " <field name=\"uint128\" type=\"uint128\"/>\n"
    "</union>\n"
    "<flags id=\"i386_mxcsr\" size=\"4\">\n"
    " <field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>\n"
    " <field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>\n"
    " <field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>\n"
    " <field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>\n"
    " <field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>\n"
    " <field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>\n"
    " <field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/>\n"
    "</flags>\n"
    "<reg name=\"xmm0\" bitsize=\"128\" type=\"vec128\" regnum=\"40\"/>\n"
    "<reg name=\"xmm1\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm2\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm3\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm4\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm5\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm6\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm7\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm8\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm9\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm10\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm11\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm12\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm13\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm14\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"xmm15\" bitsize=\"128\" type=\"vec128\"/>\n"
    "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/>\n"
    "</feature>\n"
    "<feature name=\"org.gnu.gdb.i386.segments\">\n"
    "<reg name=\"fs_base\" bitsize=\"64\" type=\"int\" regnum=\"57\"/>\n"
    "<reg name=\"gs_base\" bitsize=\"64\" type=\"int\"/>\n"
    "</feature>\n"
    "<feature name=\"org.mimic.i386.sys\">\n"
    "<reg name=\"cr0\" bitsize=\"64\" type=\"int\" regnum=\"59\" group=\"system\"/>\n"
    "<reg name=\"cr2\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"cr3\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"cr4\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"cr8\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "<reg name=\"efer\" bitsize=\"64\" type=\"int\" group=\"system\"/>\n"
    "</feature>\n"
    "</target>\n";

static const char *x86_gdb_get_xml(CPUState *cs, const char *annex)
{
    return strcmp(annex, "target.xml") == 0 ? x86_gdb_xml : NULL;
}

static void gdb_append(GByteArray *buf, uint64_t v, int size)
{
    uint8_t b[8];

    for (int i = 0; i < size; i++) {
        b[i] = v >> (8 * i);
    }
    g_byte_array_append(buf, b, size);
}

static uint64_t gdb_value(const uint8_t *mem, int size)
{
    uint64_t v = 0;

    for (int i = 0; i < size; i++) {
        v |= (uint64_t)mem[i] << (8 * i);
    }
    return v;
}

/* The full x87 tag word from FXSAVE's abridged one: valid (00) or empty (11). */
static uint16_t fpu_full_tag(uint8_t ftwx)
{
    uint16_t tag = 0;

    for (int i = 0; i < 8; i++) {
        if (!(ftwx & (1u << i))) {
            tag |= 3u << (2 * i);
        }
    }
    return tag;
}

static uint64_t *x86_gdb_sys_reg(X86CPU *cpu, int n)
{
    switch (n - X86_GDB_CR0) {
    case 0: return &cpu->cr[0];
    case 1: return &cpu->cr[2];
    case 2: return &cpu->cr[3];
    case 3: return &cpu->cr[4];
    case 4: return &cpu->cr8;
    default: return &cpu->efer;
    }
}

static int x86_gdb_read_register(CPUState *cs, GByteArray *buf, int n)
{
    X86CPU *cpu = X86_CPU(cs);
    const X86FPUState *f = &cpu->fpu;

    if (n < 0 || n >= X86_GDB_NUM_REGS) {
        return 0;
    }
    if (n < 16) {
        gdb_append(buf, cpu->regs[gdb_gpr[n]], 8);
        return 8;
    }
    if (n == X86_GDB_RIP) {
        gdb_append(buf, cpu->rip, 8);
        return 8;
    }
    if (n == X86_GDB_EFLAGS) {
        gdb_append(buf, cpu->rflags, 4);
        return 4;
    }
    if (n < X86_GDB_ST0) {
        gdb_append(buf, cpu->segs[gdb_seg[n - X86_GDB_SEG0]].selector, 4);
        return 4;
    }
    if (n < X86_GDB_FCTRL) {
        g_byte_array_append(buf, f->st[n - X86_GDB_ST0], 10);
        return 10;
    }
    if (n < X86_GDB_XMM0) {
        uint64_t v[8] = {f->fcw, f->fsw, fpu_full_tag(f->ftwx), 0, (uint32_t)f->fip, 0,
                         (uint32_t)f->fdp, f->fop};
        gdb_append(buf, v[n - X86_GDB_FCTRL], 4);
        return 4;
    }
    if (n < X86_GDB_MXCSR) {
        g_byte_array_append(buf, f->xmm[n - X86_GDB_XMM0], 16);
        return 16;
    }
    if (n == X86_GDB_MXCSR) {
        gdb_append(buf, f->mxcsr, 4);
        return 4;
    }
    if (n == X86_GDB_FS_BASE || n == X86_GDB_GS_BASE) {
        gdb_append(buf, cpu->segs[n == X86_GDB_FS_BASE ? R_FS : R_GS].base, 8);
        return 8;
    }
    gdb_append(buf, *x86_gdb_sys_reg(cpu, n), 8);
    return 8;
}

static int x86_gdb_write_register(CPUState *cs, const uint8_t *mem, int n)
{
    X86CPU *cpu = X86_CPU(cs);
    X86FPUState *f = &cpu->fpu;

    if (n < 0 || n >= X86_GDB_NUM_REGS) {
        return 0;
    }
    if (n < 16) {
        cpu->regs[gdb_gpr[n]] = gdb_value(mem, 8);
        return 8;
    }
    if (n == X86_GDB_RIP) {
        cpu->rip = gdb_value(mem, 8);
        return 8;
    }
    if (n == X86_GDB_EFLAGS) {
        cpu->rflags = (uint32_t)gdb_value(mem, 4) | RFLAGS_RESERVED;
        return 4;
    }
    if (n < X86_GDB_ST0) {
        /* Only the selector: the hidden part keeps what the guest loaded. */
        cpu->segs[gdb_seg[n - X86_GDB_SEG0]].selector = gdb_value(mem, 4);
        return 4;
    }
    if (n < X86_GDB_FCTRL) {
        memcpy(f->st[n - X86_GDB_ST0], mem, 10);
        cpu->fpu_dirty = true;
        return 10;
    }
    if (n < X86_GDB_XMM0) {
        uint32_t v = gdb_value(mem, 4);
        switch (n - X86_GDB_FCTRL) {
        case 0: f->fcw = v; break;
        case 1: f->fsw = v; break;
        case 2:
            f->ftwx = 0;
            for (int i = 0; i < 8; i++) {
                f->ftwx |= ((v >> (2 * i)) & 3) != 3 ? 1u << i : 0;
            }
            break;
        case 4: f->fip = v; break;
        case 6: f->fdp = v; break;
        case 7: f->fop = v; break;
        default: break; /* fiseg, foseg: no segments in 64-bit FXSAVE */
        }
        cpu->fpu_dirty = true;
        return 4;
    }
    if (n < X86_GDB_MXCSR) {
        memcpy(f->xmm[n - X86_GDB_XMM0], mem, 16);
        cpu->fpu_dirty = true;
        return 16;
    }
    if (n == X86_GDB_MXCSR) {
        f->mxcsr = gdb_value(mem, 4);
        cpu->fpu_dirty = true;
        return 4;
    }
    if (n == X86_GDB_FS_BASE || n == X86_GDB_GS_BASE) {
        cpu->segs[n == X86_GDB_FS_BASE ? R_FS : R_GS].base = gdb_value(mem, 8);
        return 8;
    }
    *x86_gdb_sys_reg(cpu, n) = gdb_value(mem, 8);
    return 8;
}

static const CPUClass x86_cpu_class = {
    .arch = "x86_64",
    .reset = x86_cpu_reset,
    .dump_state = x86_cpu_dump_state,
    .get_pc = x86_cpu_get_pc,
    .memory_rw_debug = x86_cpu_memory_rw_debug,
    .get_register = x86_cpu_get_register,
    .gdb_num_core_regs = X86_GDB_MXCSR + 1,
    .gdb_num_regs = X86_GDB_NUM_REGS,
    .gdb_pc_regnum = X86_GDB_RIP,
    .gdb_get_xml = x86_gdb_get_xml,
    .gdb_read_register = x86_gdb_read_register,
    .gdb_write_register = x86_gdb_write_register,
};

X86CPU *x86_cpu_new(unsigned index, uint32_t apic_id, const char *model, GError **errp)
{
    X86CPU *cpu;

    if (!x86_cpu_model_known(model)) {
        error_setg(errp, "-cpu %s: unknown CPU model (see -cpu help)", model);
        return NULL;
    }
    cpu = g_new0(X86CPU, 1);
    cpu->parent.cc = &x86_cpu_class;
    cpu->parent.arch_id = apic_id;
    cpu->model = model;
    cpu_register(&cpu->parent);
    g_assert(cpu->parent.index == (int)index);
    x86_cpu_reset(&cpu->parent);
    return cpu;
}
