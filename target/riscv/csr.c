/*
 * The RISC-V CSR file: one table row per CSR with an access predicate, a read
 * and a write function. Access rules from the privileged spec 1.12 §2.1: bits
 * 11:10 = 3 means read-only, bits 9:8 the lowest privilege that may access it;
 * anything else unimplemented raises illegal-instruction. Unprivileged CSRs
 * (fflags/frm/fcsr, cycle/time/instret) follow the unprivileged spec
 * (chapters 11 and 13) and Sstc adds stimecmp. Smaia/Ssaia (AIA 1.0 ch. 2,
 * §3.8-3.9, §6.3) add the indirect register selects, the top-interrupt CSRs and
 * the IMSIC interrupt files behind them; they exist only when the machine gave
 * the hart an IMSIC (riscv_cpu_attach_interrupt_file), as on hardware without
 * Smaia they raise illegal-instruction otherwise.
 */
#include "target/riscv/internals.h"
#include "target/riscv/csr-names.h"
#include "system/main-loop.h"
#include "system/timer.h"
#include <time.h>

enum {
    CSR_FFLAGS = 0x001,
    CSR_FRM = 0x002,
    CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00,
    CSR_TIME = 0xc01,
    CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03,
    CSR_HPMCOUNTER31 = 0xc1f,
    CSR_SSTATUS = 0x100,
    CSR_SIE = 0x104,
    CSR_STVEC = 0x105,
    CSR_SCOUNTEREN = 0x106,
    CSR_SENVCFG = 0x10a,
    CSR_SSCRATCH = 0x140,
    CSR_SEPC = 0x141,
    CSR_SCAUSE = 0x142,
    CSR_STVAL = 0x143,
    CSR_SIP = 0x144,
    CSR_STIMECMP = 0x14d,
    CSR_SATP = 0x180,
    CSR_SISELECT = 0x150,
    CSR_SIREG = 0x151,
    CSR_STOPEI = 0x15c,
    CSR_STOPI = 0xdb0,
    CSR_MVIEN = 0x308,
    CSR_MVIP = 0x309,
    CSR_MISELECT = 0x350,
    CSR_MIREG = 0x351,
    CSR_MTOPEI = 0x35c,
    CSR_MTOPI = 0xfb0,
    CSR_MVENDORID = 0xf11,
    CSR_MARCHID = 0xf12,
    CSR_MIMPID = 0xf13,
    CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
    CSR_MSTATUS = 0x300,
    CSR_MISA = 0x301,
    CSR_MEDELEG = 0x302,
    CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304,
    CSR_MTVEC = 0x305,
    CSR_MCOUNTEREN = 0x306,
    CSR_MENVCFG = 0x30a,
    CSR_MCOUNTINHIBIT = 0x320,
    CSR_MHPMEVENT3 = 0x323,
    CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340,
    CSR_MEPC = 0x341,
    CSR_MCAUSE = 0x342,
    CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0,
    CSR_PMPCFG15 = 0x3af,
    CSR_PMPADDR0 = 0x3b0,
    CSR_PMPADDR63 = 0x3ef,
    CSR_MCYCLE = 0xb00,
    CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
};

#define OK 0
#define ILLEGAL RISCV_EXCP_ILLEGAL_INST

/* Exceptions a CSR may raise: currently always illegal-instruction. */
typedef int (*CSRPredicate)(RISCVCPU *cpu, int csrno);
typedef int (*CSRRead)(RISCVCPU *cpu, int csrno, uint64_t *val);
typedef int (*CSRWrite)(RISCVCPU *cpu, int csrno, uint64_t val);
/*
 * A read-modify-write done as one step, for CSRs whose state devices change
 * concurrently; write is false for a read-only access (csrrs/csrrc with x0).
 */
typedef int (*CSRReadModifyWrite)(RISCVCPU *cpu, int csrno, uint64_t *old, uint64_t val,
                                  uint64_t wmask, bool write);

typedef struct CSROps {
    CSRPredicate pred; /* NULL: only the privilege encoded in the number matters */
    CSRRead read;
    CSRWrite write;    /* NULL: writes are ignored (WARL with one legal value) */
    CSRReadModifyWrite rmw; /* instead of read and write (then both are NULL) */
} CSROps;

uint64_t riscv_host_ticks(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NANOSECONDS_PER_SECOND + ts.tv_nsec;
}

uint64_t riscv_cpu_read_time(RISCVCPU *cpu)
{
    return cpu->rdtime ? cpu->rdtime(cpu->rdtime_opaque) : 0;
}

/* Sstc (§"Sstc" of the priv spec): STIP = time >= stimecmp while menvcfg.STCE is set. */
void riscv_timer_update_stip(RISCVCPU *cpu)
{
    bool locked;

    if (!(cpu->menvcfg & MENVCFG_STCE) || !cpu->rdtime) {
        return;
    }
    uint64_t now = riscv_cpu_read_time(cpu);

    locked = bql_locked();
    if (!locked) {
        bql_lock();
    }
    if (now >= cpu->stimecmp) {
        timer_del(cpu->stimer);
        riscv_cpu_set_irq(cpu, IRQ_S_TIMER, 1);
    } else {
        uint64_t delta = cpu->stimecmp - now;
        uint64_t freq = cpu->timebase_freq ? cpu->timebase_freq : 10000000;
        int64_t ns = delta >= UINT64_MAX / NANOSECONDS_PER_SECOND
                         ? INT64_MAX / 2
                         : (int64_t)(delta * NANOSECONDS_PER_SECOND / freq);

        riscv_cpu_set_irq(cpu, IRQ_S_TIMER, 0);
        timer_mod(cpu->stimer, clock_get_ns(QEMU_CLOCK_VIRTUAL) + MAX(ns, 1));
    }
    if (!locked) {
        bql_unlock();
    }
}

/* ---- predicates ---- */

static int fs_enabled(RISCVCPU *cpu, int csrno)
{
    return (cpu->mstatus & MSTATUS_FS) ? OK : ILLEGAL;
}

/* Counters: mcounteren gates S and U, scounteren also gates U (priv spec §3.1.11, §4.1.5). */
static int counter_enabled(RISCVCPU *cpu, int csrno)
{
    unsigned bit = 1u << (csrno & 31);

    if (cpu->priv < PRV_M && !(cpu->mcounteren & bit)) {
        return ILLEGAL;
    }
    if (cpu->priv < PRV_S && !(cpu->scounteren & bit)) {
        return ILLEGAL;
    }
    if (csrno == CSR_TIME && !cpu->rdtime) {
        return ILLEGAL;
    }
    return OK;
}

static int satp_allowed(RISCVCPU *cpu, int csrno)
{
    return cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM) ? ILLEGAL : OK;
}

static int sstc_allowed(RISCVCPU *cpu, int csrno)
{
    if (!cpu->rdtime) {
        return ILLEGAL;
    }
    if (cpu->priv < PRV_M &&
        (!(cpu->menvcfg & MENVCFG_STCE) || !(cpu->mcounteren & COUNTEREN_TM))) {
        return ILLEGAL;
    }
    return OK;
}

static int pmpcfg_allowed(RISCVCPU *cpu, int csrno)
{
    return (csrno & 1) ? ILLEGAL : OK; /* RV64 has only the even pmpcfg registers */
}

/* ---- floating-point CSRs ---- */

static void fs_make_dirty(RISCVCPU *cpu)
{
    cpu->mstatus |= MSTATUS_FS | MSTATUS_SD;
}

static int read_fflags(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->fflags;
    return OK;
}

static int write_fflags(RISCVCPU *cpu, int csrno, uint64_t val)
{
    fs_make_dirty(cpu);
    cpu->fflags = val & 0x1f;
    return OK;
}

static int read_frm(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->frm;
    return OK;
}

static int write_frm(RISCVCPU *cpu, int csrno, uint64_t val)
{
    fs_make_dirty(cpu);
    cpu->frm = val & 7;
    return OK;
}

static int read_fcsr(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = (cpu->frm << 5) | cpu->fflags;
    return OK;
}

static int write_fcsr(RISCVCPU *cpu, int csrno, uint64_t val)
{
    fs_make_dirty(cpu);
    cpu->fflags = val & 0x1f;
    cpu->frm = (val >> 5) & 7;
    return OK;
}

/* ---- counters ---- */

static int read_cycle(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_host_ticks() + cpu->cycle_offset;
    return OK;
}

static int read_instret(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    /* Without instruction counting, instret advances with the host clock like cycle. */
    *val = riscv_host_ticks() + cpu->instret_offset;
    return OK;
}

static int write_mcycle(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->cycle_offset = val - riscv_host_ticks();
    return OK;
}

static int write_minstret(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->instret_offset = val - riscv_host_ticks();
    return OK;
}

static int read_time(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_cpu_read_time(cpu);
    return OK;
}

static int read_zero(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = 0;
    return OK;
}

/* ---- machine information ---- */

static int read_mhartid(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->mhartid;
    return OK;
}

static int read_misa(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->misa;
    return OK;
}

/* ---- status ---- */

static uint64_t status_sd(uint64_t s)
{
    if ((s & MSTATUS_FS) == MSTATUS_FS || (s & MSTATUS_XS) == MSTATUS_XS ||
        (s & MSTATUS_VS) == MSTATUS_VS) {
        return s | MSTATUS_SD;
    }
    return s & ~MSTATUS_SD;
}

static int read_mstatus(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = status_sd(cpu->mstatus);
    return OK;
}

static void write_status_bits(RISCVCPU *cpu, uint64_t mask, uint64_t val)
{
    uint64_t old = cpu->mstatus;
    uint64_t s = (old & ~mask) | (val & mask);

    /* MPP is WARL: 2 (reserved) leaves the old value (priv spec §3.1.6.1). */
    if (((s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT) == 2) {
        s = (s & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    }
    cpu->mstatus = status_sd(s);
    /* SUM and MXR change the rights the TLB caches; MPRV/MPP only the MMU index. */
    if ((old ^ s) & (MSTATUS_SUM | MSTATUS_MXR)) {
        riscv_cpu_flush_tlb(cpu);
    }
    riscv_cpu_update_irq_request(cpu);
}

static int write_mstatus(RISCVCPU *cpu, int csrno, uint64_t val)
{
    write_status_bits(cpu,
                      MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP |
                          MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR |
                          MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR,
                      val);
    return OK;
}

static int read_sstatus(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = status_sd(cpu->mstatus) & SSTATUS_MASK;
    return OK;
}

static int write_sstatus(RISCVCPU *cpu, int csrno, uint64_t val)
{
    write_status_bits(cpu, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM |
                               MSTATUS_MXR,
                      val);
    return OK;
}

/* ---- traps ---- */

/* Exceptions S-mode may take (ecall from M cannot be delegated). */
#define DELEGABLE_EXCPS                                                                            \
    ((1ULL << RISCV_EXCP_INST_ADDR_MIS) | (1ULL << RISCV_EXCP_INST_ACCESS_FAULT) |                 \
     (1ULL << RISCV_EXCP_ILLEGAL_INST) | (1ULL << RISCV_EXCP_BREAKPOINT) |                         \
     (1ULL << RISCV_EXCP_LOAD_ADDR_MIS) | (1ULL << RISCV_EXCP_LOAD_ACCESS_FAULT) |                 \
     (1ULL << RISCV_EXCP_STORE_AMO_ADDR_MIS) | (1ULL << RISCV_EXCP_STORE_AMO_ACCESS_FAULT) |       \
     (1ULL << RISCV_EXCP_U_ECALL) | (1ULL << RISCV_EXCP_S_ECALL) |                                 \
     (1ULL << RISCV_EXCP_INST_PAGE_FAULT) | (1ULL << RISCV_EXCP_LOAD_PAGE_FAULT) |                 \
     (1ULL << RISCV_EXCP_STORE_PAGE_FAULT))

static int read_medeleg(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->medeleg;
    return OK;
}

static int write_medeleg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->medeleg = val & DELEGABLE_EXCPS;
    return OK;
}

static int read_mideleg(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->mideleg;
    return OK;
}

static int write_mideleg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->mideleg = val & S_MODE_INTERRUPTS;
    riscv_cpu_update_irq_request(cpu);
    return OK;
}

static int read_mie(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->mie;
    return OK;
}

static int write_mie(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->mie = val & (S_MODE_INTERRUPTS | M_MODE_INTERRUPTS);
    riscv_cpu_update_irq_request(cpu);
    return OK;
}

static int read_mip(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = __atomic_load_n(&cpu->mip, __ATOMIC_SEQ_CST);
    return OK;
}

/* M-mode may write SSIP, and STIP while Sstc does not own it; the rest come from devices. */
static uint64_t mip_sw_writable(RISCVCPU *cpu)
{
    return MIP_SSIP | ((cpu->menvcfg & MENVCFG_STCE) ? 0 : MIP_STIP);
}

static int write_mip(RISCVCPU *cpu, int csrno, uint64_t val)
{
    riscv_cpu_update_mip(cpu, mip_sw_writable(cpu), val);
    return OK;
}

/* mvip without mvien: bits 1 and 5 alias the writable SSIP and STIP of mip (AIA §6.3.2). */
static int read_mvip(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = __atomic_load_n(&cpu->mip, __ATOMIC_SEQ_CST) & mip_sw_writable(cpu);
    return OK;
}

static int read_sie(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->mie & cpu->mideleg;
    return OK;
}

static int write_sie(RISCVCPU *cpu, int csrno, uint64_t val)
{
    uint64_t mask = cpu->mideleg & S_MODE_INTERRUPTS;

    cpu->mie = (cpu->mie & ~mask) | (val & mask);
    riscv_cpu_update_irq_request(cpu);
    return OK;
}

static int read_sip(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = __atomic_load_n(&cpu->mip, __ATOMIC_SEQ_CST) & cpu->mideleg;
    return OK;
}

static int write_sip(RISCVCPU *cpu, int csrno, uint64_t val)
{
    riscv_cpu_update_mip(cpu, cpu->mideleg & MIP_SSIP, val);
    return OK;
}

/* xtvec: mode 0 (direct) or 1 (vectored); other modes are reserved and ignored. */
static int write_tvec(RISCVCPU *cpu, int csrno, uint64_t val)
{
    if ((val & 3) >= 2) {
        return OK;
    }
    if (csrno == CSR_MTVEC) {
        cpu->mtvec = val;
    } else {
        cpu->stvec = val;
    }
    return OK;
}

static int write_epc(RISCVCPU *cpu, int csrno, uint64_t val)
{
    /* IALIGN=16: bit 0 is always zero. */
    if (csrno == CSR_MEPC) {
        cpu->mepc = val & ~1ULL;
    } else {
        cpu->sepc = val & ~1ULL;
    }
    return OK;
}

/* ---- plain 64-bit fields ---- */

static uint64_t *csr_field(RISCVCPU *cpu, int csrno)
{
    switch (csrno) {
    case CSR_MTVEC:
        return &cpu->mtvec;
    case CSR_STVEC:
        return &cpu->stvec;
    case CSR_MSCRATCH:
        return &cpu->mscratch;
    case CSR_SSCRATCH:
        return &cpu->sscratch;
    case CSR_MEPC:
        return &cpu->mepc;
    case CSR_SEPC:
        return &cpu->sepc;
    case CSR_MCAUSE:
        return &cpu->mcause;
    case CSR_SCAUSE:
        return &cpu->scause;
    case CSR_MTVAL:
        return &cpu->mtval;
    case CSR_STVAL:
        return &cpu->stval;
    case CSR_MCOUNTEREN:
        return &cpu->mcounteren;
    case CSR_SCOUNTEREN:
        return &cpu->scounteren;
    case CSR_MENVCFG:
        return &cpu->menvcfg;
    case CSR_SENVCFG:
        return &cpu->senvcfg;
    case CSR_MCOUNTINHIBIT:
        return &cpu->mcountinhibit;
    case CSR_SATP:
        return &cpu->satp;
    case CSR_STIMECMP:
        return &cpu->stimecmp;
    }
    g_assert_not_reached();
}

static int read_field(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = *csr_field(cpu, csrno);
    return OK;
}

static int write_field(RISCVCPU *cpu, int csrno, uint64_t val)
{
    *csr_field(cpu, csrno) = val;
    return OK;
}

static int write_counteren(RISCVCPU *cpu, int csrno, uint64_t val)
{
    *csr_field(cpu, csrno) = (uint32_t)val;
    return OK;
}

static int write_mcountinhibit(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->mcountinhibit = val & ~2ULL & 0xffffffffULL; /* bit 1 (TM) is read-only zero */
    return OK;
}

static int write_menvcfg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    uint64_t old = cpu->menvcfg;

    cpu->menvcfg = val & (MENVCFG_FIOM | MENVCFG_STCE);
    if ((old ^ cpu->menvcfg) & MENVCFG_STCE) {
        if (cpu->menvcfg & MENVCFG_STCE) {
            riscv_timer_update_stip(cpu);
        } else {
            timer_del(cpu->stimer);
        }
    }
    return OK;
}

static int write_senvcfg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->senvcfg = val & MENVCFG_FIOM;
    return OK;
}

static int write_stimecmp(RISCVCPU *cpu, int csrno, uint64_t val)
{
    cpu->stimecmp = val;
    riscv_timer_update_stip(cpu);
    return OK;
}

/* satp: unsupported modes leave the register alone (WARL, priv spec §4.1.11). */
static int write_satp(RISCVCPU *cpu, int csrno, uint64_t val)
{
    int mode = val >> SATP_MODE_SHIFT;

    if (mode != SATP_MODE_BARE && mode != SATP_MODE_SV39 && mode != SATP_MODE_SV48 &&
        mode != SATP_MODE_SV57) {
        return OK;
    }
    if (mode == SATP_MODE_BARE) {
        val = 0; /* ASID and PPN must be zero in Bare mode */
    }
    if (val != cpu->satp) {
        cpu->satp = val;
        riscv_cpu_flush_tlb(cpu);
    }
    return OK;
}

/* ---- PMP ---- */

static int read_pmpcfg(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = cpu->pmpcfg[csrno - CSR_PMPCFG0];
    return OK;
}

static int write_pmpcfg(RISCVCPU *cpu, int csrno, uint64_t val)
{
    riscv_pmp_write_cfg(cpu, csrno - CSR_PMPCFG0, val);
    return OK;
}

static int read_pmpaddr(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = riscv_pmp_read_addr(cpu, csrno - CSR_PMPADDR0);
    return OK;
}

static int write_pmpaddr(RISCVCPU *cpu, int csrno, uint64_t val)
{
    riscv_pmp_write_addr(cpu, csrno - CSR_PMPADDR0, val);
    return OK;
}

/* ---- AIA: Smaia / Ssaia ---- */

#define ISELECT_IPRIO0 0x30
#define ISELECT_IPRIO15 0x3f
#define ISELECT_IMSIC_FIRST 0x70
#define ISELECT_MASK 0xff /* the range the spec requires; wider values are not kept */
#define TOPI_IID_SHIFT 16

/* The interrupt file of the level an M (0x3xx) or S (0x1xx) AIA CSR belongs to, or NULL. */
static void *aia_file(RISCVCPU *cpu, int csrno)
{
    return cpu->irq_file[((csrno >> 8) & 3) == PRV_M ? 0 : 1];
}

static int aia_present(RISCVCPU *cpu, int csrno)
{
    return aia_file(cpu, csrno) ? OK : ILLEGAL;
}

static int read_iselect(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    *val = csrno == CSR_MISELECT ? cpu->miselect : cpu->siselect;
    return OK;
}

static int write_iselect(RISCVCPU *cpu, int csrno, uint64_t val)
{
    if (csrno == CSR_MISELECT) {
        cpu->miselect = val & ISELECT_MASK;
    } else {
        cpu->siselect = val & ISELECT_MASK;
    }
    return OK;
}

/*
 * mireg/sireg. The iprio arrays (AIA §6.3.1, §6.5.1) are all read-only zeros,
 * which the spec allows: major interrupts keep the default priority order.
 * Odd iprio registers do not exist on RV64; neither do values outside the
 * iprio and IMSIC ranges.
 */
static int rmw_ireg(RISCVCPU *cpu, int csrno, uint64_t *old, uint64_t val, uint64_t wmask,
                    bool write)
{
    uint64_t iselect = csrno == CSR_MIREG ? cpu->miselect : cpu->siselect;

    if (iselect >= ISELECT_IPRIO0 && iselect <= ISELECT_IPRIO15) {
        *old = 0;
        return (iselect & 1) ? ILLEGAL : OK;
    }
    if (iselect < ISELECT_IMSIC_FIRST) {
        return ILLEGAL;
    }
    return cpu->irq_file_ops->reg_rmw(aia_file(cpu, csrno), iselect, old, val, write ? wmask : 0)
               ? OK
               : ILLEGAL;
}

/* mtopei/stopei: a write (whatever its value) claims the identity the same instruction read. */
static int rmw_topei(RISCVCPU *cpu, int csrno, uint64_t *old, uint64_t val, uint64_t wmask,
                     bool write)
{
    *old = cpu->irq_file_ops->topei(aia_file(cpu, csrno), write);
    return OK;
}

/*
 * mtopi/stopi (AIA §6.3.3, §6.5.2): the interrupt that would trap to that level
 * first, in the default order. With the iprio arrays read-only zero, IPRIO may
 * simply be 1 whenever an interrupt is reported.
 */
static int read_topi(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    uint64_t pending = __atomic_load_n(&cpu->mip, __ATOMIC_SEQ_CST) & cpu->mie;
    int irq;

    pending &= csrno == CSR_MTOPI ? ~cpu->mideleg : cpu->mideleg;
    irq = riscv_cpu_highest_irq(pending);
    *val = irq < 0 ? 0 : ((uint64_t)irq << TOPI_IID_SHIFT) | 1;
    return OK;
}

/* ---- the table ---- */

static CSROps csr_ops[4096];

static void csr_set(int csrno, CSRPredicate pred, CSRRead read, CSRWrite write)
{
    csr_ops[csrno] = (CSROps){pred, read, write, NULL};
}

static void csr_set_rmw(int csrno, CSRPredicate pred, CSRReadModifyWrite rmw)
{
    csr_ops[csrno] = (CSROps){pred, NULL, NULL, rmw};
}

static bool csr_exists(const CSROps *ops)
{
    return ops->read || ops->rmw;
}

static void csr_table_init(void)
{
    csr_set(CSR_FFLAGS, fs_enabled, read_fflags, write_fflags);
    csr_set(CSR_FRM, fs_enabled, read_frm, write_frm);
    csr_set(CSR_FCSR, fs_enabled, read_fcsr, write_fcsr);

    csr_set(CSR_CYCLE, counter_enabled, read_cycle, NULL);
    csr_set(CSR_TIME, counter_enabled, read_time, NULL);
    csr_set(CSR_INSTRET, counter_enabled, read_instret, NULL);
    for (int i = 3; i <= 31; i++) {
        csr_set(CSR_CYCLE + i, counter_enabled, read_zero, NULL);
        csr_set(CSR_MCYCLE + i, NULL, read_zero, NULL);
        csr_set(CSR_MHPMEVENT3 + i - 3, NULL, read_zero, NULL);
    }

    csr_set(CSR_SSTATUS, NULL, read_sstatus, write_sstatus);
    csr_set(CSR_SIE, NULL, read_sie, write_sie);
    csr_set(CSR_STVEC, NULL, read_field, write_tvec);
    csr_set(CSR_SCOUNTEREN, NULL, read_field, write_counteren);
    csr_set(CSR_SENVCFG, NULL, read_field, write_senvcfg);
    csr_set(CSR_SSCRATCH, NULL, read_field, write_field);
    csr_set(CSR_SEPC, NULL, read_field, write_epc);
    csr_set(CSR_SCAUSE, NULL, read_field, write_field);
    csr_set(CSR_STVAL, NULL, read_field, write_field);
    csr_set(CSR_SIP, NULL, read_sip, write_sip);
    csr_set(CSR_STIMECMP, sstc_allowed, read_field, write_stimecmp);
    csr_set(CSR_SATP, satp_allowed, read_field, write_satp);

    csr_set(CSR_MVENDORID, NULL, read_zero, NULL);
    csr_set(CSR_MARCHID, NULL, read_zero, NULL);
    csr_set(CSR_MIMPID, NULL, read_zero, NULL);
    csr_set(CSR_MHARTID, NULL, read_mhartid, NULL);
    csr_set(CSR_MCONFIGPTR, NULL, read_zero, NULL);
    csr_set(CSR_MSTATUS, NULL, read_mstatus, write_mstatus);
    csr_set(CSR_MISA, NULL, read_misa, NULL);
    csr_set(CSR_MEDELEG, NULL, read_medeleg, write_medeleg);
    csr_set(CSR_MIDELEG, NULL, read_mideleg, write_mideleg);
    csr_set(CSR_MIE, NULL, read_mie, write_mie);
    csr_set(CSR_MTVEC, NULL, read_field, write_tvec);
    csr_set(CSR_MCOUNTEREN, NULL, read_field, write_counteren);
    csr_set(CSR_MENVCFG, NULL, read_field, write_menvcfg);
    csr_set(CSR_MCOUNTINHIBIT, NULL, read_field, write_mcountinhibit);
    csr_set(CSR_MSCRATCH, NULL, read_field, write_field);
    csr_set(CSR_MEPC, NULL, read_field, write_epc);
    csr_set(CSR_MCAUSE, NULL, read_field, write_field);
    csr_set(CSR_MTVAL, NULL, read_field, write_field);
    csr_set(CSR_MIP, NULL, read_mip, write_mip);
    csr_set(CSR_MCYCLE, NULL, read_cycle, write_mcycle);
    csr_set(CSR_MINSTRET, NULL, read_instret, write_minstret);
    for (int i = 0; i < 16; i++) {
        csr_set(CSR_PMPCFG0 + i, pmpcfg_allowed, read_pmpcfg, write_pmpcfg);
    }
    for (int i = 0; i < 64; i++) {
        csr_set(CSR_PMPADDR0 + i, NULL, read_pmpaddr, write_pmpaddr);
    }

    csr_set(CSR_MISELECT, aia_present, read_iselect, write_iselect);
    csr_set_rmw(CSR_MIREG, aia_present, rmw_ireg);
    csr_set_rmw(CSR_MTOPEI, aia_present, rmw_topei);
    csr_set(CSR_MTOPI, aia_present, read_topi, NULL);
    /* No interrupt filtering: mvien is read-only zero and mvip the minimal alias of mip. */
    csr_set(CSR_MVIEN, aia_present, read_zero, NULL);
    csr_set(CSR_MVIP, aia_present, read_mvip, write_mip);
    csr_set(CSR_SISELECT, aia_present, read_iselect, write_iselect);
    csr_set_rmw(CSR_SIREG, aia_present, rmw_ireg);
    csr_set_rmw(CSR_STOPEI, aia_present, rmw_topei);
    csr_set(CSR_STOPI, aia_present, read_topi, NULL);
}

void riscv_csr_init(RISCVCPU *cpu)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        csr_table_init();
        g_once_init_leave(&done, 1);
    }
}

int riscv_csrrw(RISCVCPU *cpu, int csrno, uint64_t *ret, uint64_t val, uint64_t wmask,
                bool write)
{
    const CSROps *ops;
    uint64_t old;
    int r;

    if (csrno < 0 || csrno >= 4096) {
        return ILLEGAL;
    }
    ops = &csr_ops[csrno];
    if (!csr_exists(ops)) {
        return ILLEGAL;
    }
    if (write && (csrno >> 10) == 3) {
        return ILLEGAL; /* read-only CSR */
    }
    if ((int)cpu->priv < ((csrno >> 8) & 3)) {
        return ILLEGAL;
    }
    if (ops->pred && (r = ops->pred(cpu, csrno)) != OK) {
        return r;
    }
    if (ops->rmw) {
        return ops->rmw(cpu, csrno, ret, val, wmask, write);
    }
    r = ops->read(cpu, csrno, &old);
    if (r != OK) {
        return r;
    }
    if (write && ops->write) {
        r = ops->write(cpu, csrno, (old & ~wmask) | (val & wmask));
        if (r != OK) {
            return r;
        }
    }
    *ret = old;
    return OK;
}

bool riscv_csr_lookup_name(const char *name, int *csrno)
{
    riscv_csr_init(NULL);
    for (int i = 0; i < 4096; i++) {
        if (csr_exists(&csr_ops[i]) && !g_ascii_strcasecmp(riscv_csr_std_name(i), name)) {
            *csrno = i;
            return true;
        }
    }
    return false;
}

bool riscv_csr_read_debug(RISCVCPU *cpu, int csrno, uint64_t *val)
{
    riscv_csr_init(cpu);
    if (csrno < 0 || csrno >= 4096 || !csr_exists(&csr_ops[csrno])) {
        return false;
    }
    if (csr_ops[csrno].rmw) {
        return (!csr_ops[csrno].pred || csr_ops[csrno].pred(cpu, csrno) == OK) &&
               csr_ops[csrno].rmw(cpu, csrno, val, 0, 0, false) == OK;
    }
    return csr_ops[csrno].read(cpu, csrno, val) == OK;
}

const char *riscv_csr_name(int csrno)
{
    riscv_csr_init(NULL);
    return csrno >= 0 && csrno < 4096 && csr_exists(&csr_ops[csrno]) ? riscv_csr_std_name(csrno)
                                                                       : "?";
}
