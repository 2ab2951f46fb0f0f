/*
 * RISC-V hart (RV64): models, reset, the monitor's view (info registers,
 * $register values, memory by virtual address), interrupt lines, and the
 * translator hooks table. Reset state per RISC-V privileged spec 1.12 §3.4:
 * M-mode, mstatus.MIE = 0, MPRV = 0, misa at its widest, pc at the reset vector.
 */
#include "target/riscv/internals.h"
#include "target/riscv/disas.h"
#include "accel/accel.h"
#include "system/timer.h"
#include "util/error.h"

typedef struct RISCVCPUModel {
    const char *name;
    const char *desc;
    uint64_t misa;
    const char *isa_string;
} RISCVCPUModel;

#define RV64GC_MISA (MISA_MXL_64 | RVI | RVM | RVA | RVF | RVD | RVC | RVS | RVU)

static const RISCVCPUModel models[] = {
    {"rv64", "RV64GC: IMAFDC, Zicsr, Zifencei, Sstc; M, S and U modes (the default)", RV64GC_MISA,
     "rv64imafdc_zicsr_zifencei_sstc"},
    {"max", "every extension mimic implements", RV64GC_MISA,
     "rv64imafdc_zicsr_zifencei_zicntr_sstc"},
};

static const RISCVCPUModel *find_model(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        if (strcmp(models[i].name, name) == 0) {
            return &models[i];
        }
    }
    return NULL;
}

char *riscv_cpu_models_help(void)
{
    GString *out = g_string_new("Available CPUs:\n");

    for (size_t i = 0; i < ARRAY_SIZE(models); i++) {
        g_string_append_printf(out, "riscv %-6s %s\n", models[i].name, models[i].desc);
    }
    return g_string_free(out, FALSE);
}

char *target_cpu_models_help(void)
{
    return riscv_cpu_models_help();
}

const char *riscv_cpu_isa_string(RISCVCPU *cpu)
{
    return cpu->isa_string;
}

/*
 * "_smaia_ssaia" goes before the first S extension: the ISA string lists
 * multi-letter S extensions in alphabetical order (unprivileged spec ch. 29).
 */
static void riscv_cpu_add_aia_to_isa(RISCVCPU *cpu)
{
    static const char aia[] = "_smaia_ssaia";
    char *s_ext = strstr(cpu->isa_string, "_s");
    g_autofree char *tail = g_strdup(s_ext ? s_ext : "");

    if (strstr(cpu->isa_string, aia)) {
        return;
    }
    if (s_ext) {
        *s_ext = 0;
    }
    g_assert(strlen(cpu->isa_string) + strlen(aia) + strlen(tail) < sizeof(cpu->isa_string));
    g_strlcat(cpu->isa_string, aia, sizeof(cpu->isa_string));
    g_strlcat(cpu->isa_string, tail, sizeof(cpu->isa_string));
}

void riscv_cpu_attach_interrupt_file(RISCVCPU *cpu, RISCVPriv level,
                                     const RISCVInterruptFileOps *ops, void *file)
{
    g_assert(level == PRV_M || level == PRV_S);
    g_assert(!cpu->irq_file_ops || cpu->irq_file_ops == ops);
    cpu->irq_file_ops = ops;
    cpu->irq_file[level == PRV_M ? 0 : 1] = file;
    riscv_cpu_add_aia_to_isa(cpu);
}

static void riscv_cpu_reset(CPUState *cs)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    const RISCVCPUModel *m = find_model(cpu->model);

    memset(cpu->gpr, 0, sizeof(cpu->gpr));
    memset(cpu->fpr, 0, sizeof(cpu->fpr));
    cpu->pc = cpu->reset_pc;
    cpu->priv = PRV_M;
    cpu->load_res = -1;
    cpu->load_val = 0;
    cpu->misa = m->misa;
    /* UXL = SXL = 64-bit, fixed (priv spec §3.1.6.2). */
    cpu->mstatus = (2ULL << 32) | (2ULL << 34);
    cpu->mhartid = cs->arch_id;
    __atomic_store_n(&cpu->mip, 0, __ATOMIC_SEQ_CST);
    cpu->mie = 0;
    cpu->mideleg = cpu->medeleg = 0;
    cpu->mtvec = cpu->mscratch = cpu->mepc = cpu->mcause = cpu->mtval = 0;
    cpu->stvec = cpu->sscratch = cpu->sepc = cpu->scause = cpu->stval = 0;
    cpu->satp = 0;
    cpu->mcounteren = cpu->scounteren = 0;
    cpu->menvcfg = cpu->senvcfg = 0;
    cpu->stimecmp = UINT64_MAX;
    memset(cpu->pmpcfg, 0, sizeof(cpu->pmpcfg));
    memset(cpu->pmpaddr, 0, sizeof(cpu->pmpaddr));
    cpu->pmp_active = false;
    cpu->fflags = 0;
    cpu->frm = 0;
    cpu->mcountinhibit = 0;
    cpu->cycle_offset = -(int64_t)riscv_host_ticks();
    cpu->instret_offset = cpu->cycle_offset;
    cpu->mseccfg = 0;
    cpu->miselect = cpu->siselect = 0;
    cpu->badaddr = 0;
    cpu->bins = 0;
    cs->exception_index = -1;
    cs->halted = false;
    __atomic_store_n(&cs->interrupt_request, 0, __ATOMIC_SEQ_CST);
    if (cpu->stimer) {
        timer_del(cpu->stimer);
    }
    riscv_cpu_flush_tlb(cpu);
}

static const char *priv_name(RISCVPriv priv)
{
    switch (priv) {
    case PRV_U:
        return "U";
    case PRV_S:
        return "S";
    case PRV_M:
        return "M";
    }
    return "?";
}

static void riscv_cpu_dump_state(CPUState *cs, GString *out)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    static const int csrs[] = {
        0x300 /* mstatus */, 0x301 /* misa */, 0x304 /* mie */, 0x344 /* mip */,
        0x302 /* medeleg */, 0x303 /* mideleg */, 0x305 /* mtvec */, 0x341 /* mepc */,
        0x342 /* mcause */, 0x343 /* mtval */, 0x340 /* mscratch */, 0x105 /* stvec */,
        0x141 /* sepc */, 0x142 /* scause */, 0x143 /* stval */, 0x140 /* sscratch */,
        0x180 /* satp */, 0x30a /* menvcfg */, 0x14d /* stimecmp */,
    };

    g_string_append_printf(out, " pc       %016" PRIx64 "  hart %" PRIu64 "  priv %s%s\n",
                           cpu->pc, cpu->mhartid, priv_name(cpu->priv),
                           cs->halted ? "  (halted in wfi)" : "");
    for (size_t i = 0; i < ARRAY_SIZE(csrs); i++) {
        uint64_t v = 0;

        riscv_csr_read_debug(cpu, csrs[i], &v);
        g_string_append_printf(out, " %-8s %016" PRIx64 "%s", riscv_csr_name(csrs[i]), v,
                               (i % 4) == 3 ? "\n" : "  ");
    }
    g_string_append(out, "\n");
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(out, " x%-2d/%-4s %016" PRIx64 "%s", i, riscv_gpr_abi_names[i],
                               cpu->gpr[i], (i % 4) == 3 ? "\n" : " ");
    }
    if (cpu->mstatus & MSTATUS_FS) {
        for (int i = 0; i < 32; i++) {
            g_string_append_printf(out, " f%-2d/%-4s %016" PRIx64 "%s", i, riscv_fpr_abi_names[i],
                                   cpu->fpr[i], (i % 4) == 3 ? "\n" : " ");
        }
        g_string_append_printf(out, " fcsr     %08x (frm %u, fflags %02x)\n",
                               (cpu->frm << 5) | cpu->fflags, cpu->frm, cpu->fflags);
    }
}

static uint64_t riscv_cpu_get_pc(CPUState *cs)
{
    return RISCV_CPU(cs)->pc;
}

static bool riscv_cpu_get_register(CPUState *cs, const char *name, uint64_t *value)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    int csrno;

    if (!g_ascii_strcasecmp(name, "pc")) {
        *value = cpu->pc;
        return true;
    }
    if (!g_ascii_strcasecmp(name, "priv")) {
        *value = cpu->priv;
        return true;
    }
    for (int i = 0; i < 32; i++) {
        char xname[8];

        snprintf(xname, sizeof(xname), "x%d", i);
        if (!g_ascii_strcasecmp(name, xname) ||
            !g_ascii_strcasecmp(name, riscv_gpr_abi_names[i])) {
            *value = cpu->gpr[i];
            return true;
        }
        snprintf(xname, sizeof(xname), "f%d", i);
        if (!g_ascii_strcasecmp(name, xname) ||
            !g_ascii_strcasecmp(name, riscv_fpr_abi_names[i])) {
            *value = cpu->fpr[i];
            return true;
        }
    }
    if (!g_ascii_strcasecmp(name, "fp")) { /* the frame pointer alias of s0 */
        *value = cpu->gpr[8];
        return true;
    }
    if (riscv_csr_lookup_name(name, &csrno)) {
        return riscv_csr_read_debug(cpu, csrno, value);
    }
    return false;
}

static bool riscv_cpu_memory_rw_debug(CPUState *cs, uint64_t vaddr, void *buf, size_t len,
                                      bool is_write)
{
    return tcg_memory_rw_debug(cs, vaddr, buf, len, is_write);
}

/*
 * What translated code is specialised for: privilege, the data-access MMU
 * index (MPRV), and mstatus.FS (off: FP instructions are illegal; not dirty:
 * the first FP write must dirty it).
 */
static void riscv_cpu_get_tb_cpu_state(CPUState *cs, uint64_t *pc, uint64_t *flags)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    uint64_t fs = (cpu->mstatus & MSTATUS_FS) >> MSTATUS_FS_SHIFT;

    *pc = cpu->pc;
    *flags = cpu->priv | ((uint64_t)riscv_cpu_mmu_index(cs, false) << TB_FLAGS_MEM_IDX_SHIFT) |
             (fs << TB_FLAGS_FS_SHIFT) | ((uint64_t)(cpu->frm > RM_RMM) << TB_FLAGS_FRM_INVALID_SHIFT);
}

static void riscv_cpu_restore_pc(CPUState *cs, uint64_t pc)
{
    RISCV_CPU(cs)->pc = pc;
}

/*
 * MMU index of an access = its effective privilege. In M-mode with
 * mstatus.MPRV set, loads and stores use MPP's privilege (priv spec §3.1.6.3).
 */
int riscv_cpu_mmu_index(CPUState *cs, bool ifetch)
{
    RISCVCPU *cpu = RISCV_CPU(cs);

    if (!ifetch && cpu->priv == PRV_M && (cpu->mstatus & MSTATUS_MPRV)) {
        return (cpu->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    }
    return cpu->priv;
}

/*
 * gdb registers, numbered as the target description below gives them
 * (regnum): x0-x31, pc (org.gnu.gdb.riscv.cpu), f0-f31, fflags, frm, fcsr
 * (org.gnu.gdb.riscv.fpu), every named CSR (org.gnu.gdb.riscv.csr), and
 * the privilege level "priv" (org.gnu.gdb.riscv.virtual, which gdb prints as
 * prv:N [Mode]). 'g' carries x0-x31 and pc.
 */
enum {
    RISCV_GDB_PC = 32,
    RISCV_GDB_F0 = 33,
    RISCV_GDB_FFLAGS = 65,
    RISCV_GDB_FRM = 66,
    RISCV_GDB_FCSR = 67,
    RISCV_GDB_CSR0 = 68,
};

static struct {
    GOnce once;
    int csrs[4096]; /* the CSR number of register RISCV_GDB_CSR0 + i */
    int n_csrs;
    int priv_regnum; /* right after the CSRs */
    char *xml;
} riscv_gdb;

static gpointer riscv_gdb_build(gpointer unused)
{
    GString *x = g_string_new("<?xml version=\"1.0\"?>\n"
                              "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                              "<target version=\"1.0\">\n"
                              "<architecture>riscv:rv64</architecture>\n"
                              "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");

    for (int i = 0; i < 32; i++) {
        g_string_append_printf(x, "<reg name=\"%s\" bitsize=\"64\" type=\"%s\" regnum=\"%d\"/>\n",
                               riscv_gpr_abi_names[i],
                               i == 1 ? "code_ptr" : i == 2 || i == 8 ? "data_ptr" : "int", i);
    }
    g_string_append_printf(x, "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"%d\"/>\n"
                              "</feature>\n<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
                              "<union id=\"riscv_double\"><field name=\"float\" type=\"ieee_single\"/>"
                              "<field name=\"double\" type=\"ieee_double\"/></union>\n",
                           RISCV_GDB_PC);
    for (int i = 0; i < 32; i++) {
        g_string_append_printf(x, "<reg name=\"%s\" bitsize=\"64\" type=\"riscv_double\" "
                                  "regnum=\"%d\"/>\n",
                               riscv_fpr_abi_names[i], RISCV_GDB_F0 + i);
    }
    g_string_append_printf(x, "<reg name=\"fflags\" bitsize=\"32\" type=\"int\" regnum=\"%d\"/>\n"
                              "<reg name=\"frm\" bitsize=\"32\" type=\"int\"/>\n"
                              "<reg name=\"fcsr\" bitsize=\"32\" type=\"int\"/>\n"
                              "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n",
                           RISCV_GDB_FFLAGS);
    for (int csrno = 4; csrno < 4096; csrno++) {
        const char *name = riscv_csr_name(csrno);

        if (!strcmp(name, "?")) {
            continue;
        }
        g_string_append_printf(x, "<reg name=\"%s\" bitsize=\"64\" type=\"int\" regnum=\"%d\" "
                                  "group=\"system\"/>\n",
                               name, RISCV_GDB_CSR0 + riscv_gdb.n_csrs);
        riscv_gdb.csrs[riscv_gdb.n_csrs++] = csrno;
    }
    riscv_gdb.priv_regnum = RISCV_GDB_CSR0 + riscv_gdb.n_csrs;
    g_string_append_printf(x, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n"
                              "<reg name=\"priv\" bitsize=\"64\" type=\"int\" regnum=\"%d\"/>\n"
                              "</feature>\n</target>\n",
                           riscv_gdb.priv_regnum);
    riscv_gdb.xml = g_string_free(x, FALSE);
    return NULL;
}

static const char *riscv_gdb_get_xml(CPUState *cs, const char *annex)
{
    g_once(&riscv_gdb.once, riscv_gdb_build, NULL);
    return strcmp(annex, "target.xml") == 0 ? riscv_gdb.xml : NULL;
}

static int riscv_gdb_read_register(CPUState *cs, GByteArray *buf, int n)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    uint64_t v;
    int size = 8;

    g_once(&riscv_gdb.once, riscv_gdb_build, NULL);
    if (n < 0) {
        return 0;
    } else if (n < 32) {
        v = cpu->gpr[n];
    } else if (n == RISCV_GDB_PC) {
        v = cpu->pc;
    } else if (n < RISCV_GDB_FFLAGS) {
        v = cpu->fpr[n - RISCV_GDB_F0];
    } else if (n <= RISCV_GDB_FCSR) {
        v = n == RISCV_GDB_FFLAGS ? cpu->fflags
          : n == RISCV_GDB_FRM    ? cpu->frm
                                  : (cpu->frm << 5) | cpu->fflags;
        size = 4;
    } else if (n < RISCV_GDB_CSR0 + riscv_gdb.n_csrs) {
        if (!riscv_csr_read_debug(cpu, riscv_gdb.csrs[n - RISCV_GDB_CSR0], &v)) {
            v = 0; /* not readable in this configuration */
        }
    } else if (n == riscv_gdb.priv_regnum) {
        v = cpu->priv;
    } else {
        return 0;
    }
    for (int i = 0; i < size; i++) {
        g_byte_array_append(buf, (const uint8_t[]){v >> (8 * i)}, 1);
    }
    return size;
}

static int riscv_gdb_write_register(CPUState *cs, const uint8_t *mem, int n)
{
    RISCVCPU *cpu = RISCV_CPU(cs);
    int size = n >= RISCV_GDB_FFLAGS && n <= RISCV_GDB_FCSR ? 4 : 8;
    uint64_t v = 0, old;

    g_once(&riscv_gdb.once, riscv_gdb_build, NULL);
    for (int i = 0; i < size; i++) {
        v |= (uint64_t)mem[i] << (8 * i);
    }
    if (n < 0) {
        return 0;
    } else if (n < 32) {
        if (n) {
            cpu->gpr[n] = v;
        }
    } else if (n == RISCV_GDB_PC) {
        cpu->pc = v;
    } else if (n < RISCV_GDB_FFLAGS) {
        cpu->fpr[n - RISCV_GDB_F0] = v;
    } else if (n == RISCV_GDB_FFLAGS) {
        cpu->fflags = v & 0x1f;
    } else if (n == RISCV_GDB_FRM) {
        cpu->frm = v & 7;
    } else if (n == RISCV_GDB_FCSR) {
        cpu->fflags = v & 0x1f;
        cpu->frm = (v >> 5) & 7;
    } else if (n < RISCV_GDB_CSR0 + riscv_gdb.n_csrs) {
        /* As a CSR instruction at the current privilege would write it. */
        if (riscv_csrrw(cpu, riscv_gdb.csrs[n - RISCV_GDB_CSR0], &old, v, ~0ULL, true) != 0) {
            return 0;
        }
    } else if (n == riscv_gdb.priv_regnum && (v == PRV_U || v == PRV_S || v == PRV_M)) {
        cpu->priv = v; /* the gdbstub resyncs the accelerator, which flushes the TLB */
    } else {
        return 0;
    }
    return size;
}

const TCGCPUOps riscv_tcg_ops = {
    .get_tb_cpu_state = riscv_cpu_get_tb_cpu_state,
    .translate = riscv_translate,
    .restore_pc = riscv_cpu_restore_pc,
    .exec_interrupt = riscv_cpu_exec_interrupt,
    .do_interrupt = riscv_cpu_do_interrupt,
    .has_work = riscv_cpu_has_work,
    .tlb_fill = riscv_cpu_tlb_fill,
    .do_unaligned_access = riscv_cpu_do_unaligned_access,
    .mmu_index = riscv_cpu_mmu_index,
};

static const CPUClass riscv_cpu_class = {
    .arch = "riscv64",
    .reset = riscv_cpu_reset,
    .dump_state = riscv_cpu_dump_state,
    .get_pc = riscv_cpu_get_pc,
    .memory_rw_debug = riscv_cpu_memory_rw_debug,
    .get_register = riscv_cpu_get_register,
    .disas_insn = riscv_disas,
    .tcg_ops = &riscv_tcg_ops,
    .gdb_num_core_regs = RISCV_GDB_PC + 1,
    .gdb_num_regs = RISCV_GDB_CSR0 + 4096, /* at most; the XML lists the CSRs there are */
    .gdb_pc_regnum = RISCV_GDB_PC,
    .gdb_get_xml = riscv_gdb_get_xml,
    .gdb_read_register = riscv_gdb_read_register,
    .gdb_write_register = riscv_gdb_write_register,
};

/*
 * interrupt_request bit 0: some interrupt is pending and enabled in mie (the
 * global enables are checked by exec_interrupt, at the next TB boundary).
 * The running code is asked to leave only when one can be taken now: an
 * exit_request ends the vCPU's round-robin turn, and a hart that keeps an
 * interrupt pending while it is masked (a timer handler between setting
 * sie.STIE and rewriting stimecmp, or any sstatus write with SIE clear) would
 * lose its turn at every CSR write and starve while the other spins.
 */
void riscv_cpu_update_irq_request(RISCVCPU *cpu)
{
    CPUState *cs = &cpu->parent;
    uint64_t pending = __atomic_load_n(&cpu->mip, __ATOMIC_SEQ_CST) & cpu->mie;

    if (pending) {
        __atomic_fetch_or(&cs->interrupt_request, 1u, __ATOMIC_SEQ_CST);
        if (riscv_cpu_pending_interrupt(cpu) >= 0) {
            __atomic_store_n(&cs->exit_request, 1, __ATOMIC_SEQ_CST);
        }
    } else {
        __atomic_fetch_and(&cs->interrupt_request, ~1u, __ATOMIC_SEQ_CST);
    }
}

uint64_t riscv_cpu_update_mip(RISCVCPU *cpu, uint64_t mask, uint64_t value)
{
    uint64_t old = __atomic_load_n(&cpu->mip, __ATOMIC_SEQ_CST);

    while (!__atomic_compare_exchange_n(&cpu->mip, &old, (old & ~mask) | (value & mask), false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
    riscv_cpu_update_irq_request(cpu);
    return old;
}

void riscv_cpu_set_irq(RISCVCPU *cpu, int irq, int level)
{
    const AccelOps *accel = current_accel();
    uint64_t bit = 1ULL << irq;
    uint64_t old = riscv_cpu_update_mip(cpu, bit, level ? bit : 0);

    /* Wake the hart (from WFI, or out of a long chain of TBs) when the line rises. */
    if (level && !(old & bit) && accel && accel->kick) {
        accel->kick(&cpu->parent);
    }
}

static void riscv_stimer_cb(void *opaque)
{
    riscv_timer_update_stip(opaque);
}

RISCVCPU *riscv_cpu_by_hartid(uint64_t hartid)
{
    for (int c = 0; c < cpu_count; c++) {
        if (cpus[c]->arch_id == hartid) {
            return RISCV_CPU(cpus[c]);
        }
    }
    return NULL;
}

RISCVCPU *riscv_cpu_new(unsigned index, uint64_t hartid, const char *model, GError **errp)
{
    const RISCVCPUModel *m;
    RISCVCPU *cpu;

    if (!model) {
        model = "rv64";
    }
    m = find_model(model);
    if (!m) {
        error_setg(errp, "-cpu %s: unknown RISC-V CPU model; use rv64 or max (see -cpu help)",
                   model);
        return NULL;
    }
    riscv_translate_init();
    cpu = g_new0(RISCVCPU, 1);
    cpu->parent.cc = &riscv_cpu_class;
    cpu->parent.arch_id = hartid;
    cpu->model = m->name;
    cpu->timebase_freq = 10000000;
    cpu->reset_pc = 0x1000; /* the virt machine's boot ROM; machines set their own */
    g_strlcpy(cpu->isa_string, m->isa_string, sizeof(cpu->isa_string));
    cpu->stimer = timer_new(QEMU_CLOCK_VIRTUAL, riscv_stimer_cb, cpu);
    cpu_register(&cpu->parent);
    g_assert(cpu->parent.index == (int)index);
    riscv_cpu_reset(&cpu->parent);
    return cpu;
}
