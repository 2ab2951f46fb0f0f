/*
 * RISC-V hart state (RV64), as the translator, the machines and the monitor see
 * it. RISC-V privileged spec 1.12 names the CSRs. The public part (the fields
 * up to reset_pc and the functions at the bottom) is the seam with the machines;
 * the fields after it are target/riscv's own and may change.
 */
#ifndef TARGET_RISCV_CPU_H
#define TARGET_RISCV_CPU_H

#include "core/cpu.h"

typedef struct Timer Timer;

typedef enum RISCVPriv {
    PRV_U = 0,
    PRV_S = 1,
    PRV_M = 3,
} RISCVPriv;

/* Interrupt numbers = bit positions in mip/mie (priv spec §3.1.9). */
enum {
    IRQ_S_SOFT = 1,
    IRQ_M_SOFT = 3,
    IRQ_S_TIMER = 5,
    IRQ_M_TIMER = 7,
    IRQ_S_EXT = 9,
    IRQ_M_EXT = 11,
};

/*
 * An IMSIC interrupt file as the hart's AIA CSRs reach it (AIA 1.0 §3.8-3.9):
 * miselect/mireg (siselect/sireg) with a select value 0x70-0xff name one of
 * its registers, mtopei (stopei) its top identity. The device owns the state;
 * both calls are atomic against its MMIO side, which other threads drive.
 */
typedef struct RISCVInterruptFileOps {
    /*
     * *old = register iselect; if wmask, register = (old & ~wmask) | (val & wmask).
     * false when the register does not exist (odd eipN/eieN on RV64).
     */
    bool (*reg_rmw)(void *file, unsigned iselect, uint64_t *old, uint64_t val, uint64_t wmask);
    /* Top pending-and-enabled identity as identity << 16 | identity, 0 if none; claim clears it. */
    uint32_t (*topei)(void *file, bool claim);
} RISCVInterruptFileOps;

typedef struct RISCVCPU {
    CPUState parent;

    /* Translator-visible state: generated code addresses these by offset. */
    uint64_t gpr[32];
    uint64_t fpr[32]; /* NaN-boxed single values in the low half */
    uint64_t pc;
    RISCVPriv priv;
    uint64_t load_res; /* LR/SC reservation address, -1 when none */
    uint64_t load_val;

    /* Machine and supervisor CSRs (the target keeps more inside target/riscv). */
    uint64_t misa;
    uint64_t mstatus;
    uint64_t mhartid;
    uint64_t mip; /* updated atomically by devices through riscv_cpu_set_irq */
    uint64_t mie;
    uint64_t mideleg, medeleg;
    uint64_t mtvec, mscratch, mepc, mcause, mtval;
    uint64_t stvec, sscratch, sepc, scause, stval;
    uint64_t satp;
    uint64_t mcounteren, scounteren;
    uint64_t menvcfg, senvcfg;
    uint64_t stimecmp;
    uint64_t pmpcfg[16];
    uint64_t pmpaddr[64];
    uint32_t fflags, frm;

    /* Machine hooks. */
    uint64_t (*rdtime)(void *opaque); /* the time CSR (ACLINT mtime), or NULL */
    void *rdtime_opaque;
    uint64_t reset_pc;
    /* Frequency of rdtime in Hz (Sstc timer arming); 10 MHz like QEMU's virt. */
    uint64_t timebase_freq;
    /* The hart's IMSIC interrupt files, [0] machine and [1] supervisor level; NULL: no Smaia. */
    const RISCVInterruptFileOps *irq_file_ops;
    void *irq_file[2];

    /* target/riscv private state from here on. */
    const char *model;
    char isa_string[64];
    uint64_t badaddr;        /* tval of the exception being raised */
    uint32_t bins;           /* instruction bits of the one being raised (illegal-insn tval) */
    uint64_t mcountinhibit;
    int64_t cycle_offset;    /* mcycle = host ticks + offset */
    int64_t instret_offset;
    uint64_t mseccfg;
    uint64_t mtval2, mtinst; /* read as zero: no hypervisor extension */
    uint64_t miselect, siselect; /* AIA indirect register selects */
    bool pmp_active;         /* some PMP entry is configured (fast path when not) */
    bool tlb_has_superpage;  /* a superpage was mapped since the last full TLB flush */
    Timer *stimer;           /* Sstc: raises STIP when time reaches stimecmp */
} RISCVCPU;

#define RISCV_CPU(cs) ((RISCVCPU *)(cs))

/* A hart with the given id and ISA model ("rv64", "max"); -cpu help lists them. */
RISCVCPU *riscv_cpu_new(unsigned index, uint64_t hartid, const char *model, GError **errp);
char *riscv_cpu_models_help(void);
/* The hart whose mhartid is hartid, or NULL; for interrupt controllers wiring up harts. */
RISCVCPU *riscv_cpu_by_hartid(uint64_t hartid);
/* Raise or lower an interrupt line (IRQ_* bit in mip); callable from any thread. */
void riscv_cpu_set_irq(RISCVCPU *cpu, int irq, int level);
/*
 * Give the hart an IMSIC interrupt file for level PRV_M or PRV_S (AIA Smaia and
 * Ssaia): its AIA CSRs then reach the file through ops, and the ISA string names
 * smaia and ssaia.
 */
void riscv_cpu_attach_interrupt_file(RISCVCPU *cpu, RISCVPriv level,
                                     const RISCVInterruptFileOps *ops, void *file);
/* ISA string for the device tree, e.g. "rv64imafdc_zicsr_zifencei". */
const char *riscv_cpu_isa_string(RISCVCPU *cpu);

#endif
