/*
 * target/riscv's private declarations: CSR numbers and bits, exception causes,
 * and the functions the files of this folder share. Nothing outside
 * target/riscv includes this.
 */
#ifndef TARGET_RISCV_INTERNALS_H
#define TARGET_RISCV_INTERNALS_H

#include "target/riscv/cpu.h"
#include "accel/tcg/cpu-ops.h"

/* Exception causes (priv spec 1.12 table 3.6). */
enum {
    RISCV_EXCP_INST_ADDR_MIS = 0,
    RISCV_EXCP_INST_ACCESS_FAULT = 1,
    RISCV_EXCP_ILLEGAL_INST = 2,
    RISCV_EXCP_BREAKPOINT = 3,
    RISCV_EXCP_LOAD_ADDR_MIS = 4,
    RISCV_EXCP_LOAD_ACCESS_FAULT = 5,
    RISCV_EXCP_STORE_AMO_ADDR_MIS = 6,
    RISCV_EXCP_STORE_AMO_ACCESS_FAULT = 7,
    RISCV_EXCP_U_ECALL = 8,
    RISCV_EXCP_S_ECALL = 9,
    RISCV_EXCP_M_ECALL = 11,
    RISCV_EXCP_INST_PAGE_FAULT = 12,
    RISCV_EXCP_LOAD_PAGE_FAULT = 13,
    RISCV_EXCP_STORE_PAGE_FAULT = 15,
};
/* exception_index of an interrupt: the cause number with this flag. */
#define RISCV_EXCP_INT_FLAG 0x40000000

/* misa */
#define RVA (1ULL << 0)
#define RVC (1ULL << 2)
#define RVD (1ULL << 3)
#define RVF (1ULL << 5)
#define RVI (1ULL << 8)
#define RVM (1ULL << 12)
#define RVS (1ULL << 18)
#define RVU (1ULL << 20)
#define MISA_MXL_64 (2ULL << 62)

/* mstatus (priv spec §3.1.6) */
#define MSTATUS_SIE (1ULL << 1)
#define MSTATUS_MIE (1ULL << 3)
#define MSTATUS_SPIE (1ULL << 5)
#define MSTATUS_UBE (1ULL << 6)
#define MSTATUS_MPIE (1ULL << 7)
#define MSTATUS_SPP (1ULL << 8)
#define MSTATUS_VS (3ULL << 9)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3ULL << 11)
#define MSTATUS_FS_SHIFT 13
#define MSTATUS_FS (3ULL << 13)
#define MSTATUS_XS (3ULL << 15)
#define MSTATUS_MPRV (1ULL << 17)
#define MSTATUS_SUM (1ULL << 18)
#define MSTATUS_MXR (1ULL << 19)
#define MSTATUS_TVM (1ULL << 20)
#define MSTATUS_TW (1ULL << 21)
#define MSTATUS_TSR (1ULL << 22)
#define MSTATUS_UXL (3ULL << 32)
#define MSTATUS_SXL (3ULL << 34)
#define MSTATUS_SBE (1ULL << 36)
#define MSTATUS_MBE (1ULL << 37)
#define MSTATUS_SD (1ULL << 63)

#define FS_OFF 0
#define FS_INITIAL 1
#define FS_CLEAN 2
#define FS_DIRTY 3

/* The sstatus view of mstatus (priv spec §4.1.1). */
#define SSTATUS_MASK                                                                               \
    (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_UBE | MSTATUS_SPP | MSTATUS_VS | MSTATUS_FS |            \
     MSTATUS_XS | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_UXL | MSTATUS_SD)

#define MIP_SSIP (1ULL << IRQ_S_SOFT)
#define MIP_MSIP (1ULL << IRQ_M_SOFT)
#define MIP_STIP (1ULL << IRQ_S_TIMER)
#define MIP_MTIP (1ULL << IRQ_M_TIMER)
#define MIP_SEIP (1ULL << IRQ_S_EXT)
#define MIP_MEIP (1ULL << IRQ_M_EXT)
#define S_MODE_INTERRUPTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define M_MODE_INTERRUPTS (MIP_MSIP | MIP_MTIP | MIP_MEIP)

/* satp (priv spec §4.1.11) */
#define SATP_MODE_SHIFT 60
#define SATP_ASID_SHIFT 44
#define SATP_ASID_MASK (0xffffULL << SATP_ASID_SHIFT)
#define SATP_PPN_MASK ((1ULL << 44) - 1)
#define SATP_MODE_BARE 0
#define SATP_MODE_SV39 8
#define SATP_MODE_SV48 9
#define SATP_MODE_SV57 10

/* menvcfg (priv spec §3.1.18) */
#define MENVCFG_FIOM (1ULL << 0)
#define MENVCFG_CBIE (3ULL << 4)
#define MENVCFG_CBCFE (1ULL << 6)
#define MENVCFG_CBZE (1ULL << 7)
#define MENVCFG_PBMTE (1ULL << 62)
#define MENVCFG_STCE (1ULL << 63)

/* Counter enable bits. */
#define COUNTEREN_CY (1u << 0)
#define COUNTEREN_TM (1u << 1)
#define COUNTEREN_IR (1u << 2)

/* fcsr */
#define FFLAG_NX (1u << 0)
#define FFLAG_UF (1u << 1)
#define FFLAG_OF (1u << 2)
#define FFLAG_DZ (1u << 3)
#define FFLAG_NV (1u << 4)
#define RM_RNE 0
#define RM_RTZ 1
#define RM_RDN 2
#define RM_RUP 3
#define RM_RMM 4
#define RM_DYN 7

/* TB flags: what translated code is specialised for. */
#define TB_FLAGS_PRIV_MASK 0x3
#define TB_FLAGS_MEM_IDX_SHIFT 2 /* 2 bits: data-access MMU index (priv, or MPP under MPRV) */
#define TB_FLAGS_FS_SHIFT 4      /* 2 bits: mstatus.FS */
#define TB_FLAGS_FRM_INVALID_SHIFT 6 /* frm holds a reserved value: dynamic-rm FP insns trap */

/* MMU index = effective privilege for the access. */
#define MMU_IDX_U PRV_U
#define MMU_IDX_S PRV_S
#define MMU_IDX_M PRV_M

/* cpu.c */
extern const TCGCPUOps riscv_tcg_ops;
int riscv_cpu_mmu_index(CPUState *cs, bool ifetch);
/* Recompute cs->interrupt_request from mip & mie; kick the hart when something is pending. */
void riscv_cpu_update_irq_request(RISCVCPU *cpu);
/* Atomic read-modify-write of mip: returns the old value. */
uint64_t riscv_cpu_update_mip(RISCVCPU *cpu, uint64_t mask, uint64_t value);

/* cpu_helper.c: traps, interrupts, privilege changes. */
bool riscv_cpu_exec_interrupt(CPUState *cs);
void riscv_cpu_do_interrupt(CPUState *cs);
bool riscv_cpu_has_work(CPUState *cs);
void riscv_cpu_set_mode(RISCVCPU *cpu, RISCVPriv priv);
/* The first of the pending interrupts (mip bits) in the default priority order, or -1. */
int riscv_cpu_highest_irq(uint64_t pending);
/* Which interrupt to take now (cause), or -1. */
int riscv_cpu_pending_interrupt(RISCVCPU *cpu);
void riscv_raise_exception(RISCVCPU *cpu, int cause, uint64_t tval, uintptr_t retaddr)
    __attribute__((noreturn));
void riscv_cpu_do_unaligned_access(CPUState *cs, uint64_t vaddr, MMUAccessType access_type,
                                   int mmu_idx, uintptr_t retaddr);

/* mmu.c: address translation. */
bool riscv_cpu_tlb_fill(CPUState *cs, uint64_t vaddr, MMUAccessType access_type, int mmu_idx,
                        bool probe, uintptr_t retaddr, uint64_t *paddr, int *prot,
                        uint64_t *page_size);
/* Translate for the monitor (no side effects); false if unmapped. */
bool riscv_cpu_get_phys_debug(RISCVCPU *cpu, uint64_t vaddr, uint64_t *paddr);
void riscv_cpu_flush_tlb(RISCVCPU *cpu);

/* pmp.c */
/* May a priv-mode access of size bytes at paddr go ahead? *page_prot gets the page's rights. */
bool riscv_pmp_check(RISCVCPU *cpu, uint64_t paddr, unsigned size, MMUAccessType type,
                     RISCVPriv priv, int *page_prot, bool *whole_page);
void riscv_pmp_write_cfg(RISCVCPU *cpu, int reg, uint64_t val);
void riscv_pmp_write_addr(RISCVCPU *cpu, int idx, uint64_t val);
uint64_t riscv_pmp_read_addr(RISCVCPU *cpu, int idx);

/* csr.c */
/*
 * Read-modify-write of a CSR as a CSR instruction does it: new = (old & ~wmask) |
 * (val & wmask); with write false nothing is written. Returns 0 or an exception cause.
 */
int riscv_csrrw(RISCVCPU *cpu, int csrno, uint64_t *ret, uint64_t val, uint64_t wmask,
                bool write);
/* For the monitor: read a CSR by name or number without access checks. */
bool riscv_csr_lookup_name(const char *name, int *csrno);
bool riscv_csr_read_debug(RISCVCPU *cpu, int csrno, uint64_t *val);
const char *riscv_csr_name(int csrno);
uint64_t riscv_cpu_read_time(RISCVCPU *cpu);
void riscv_timer_update_stip(RISCVCPU *cpu);
void riscv_csr_init(RISCVCPU *cpu);

/* Counters. */
uint64_t riscv_host_ticks(void);


/* translate.c */
void riscv_translate_init(void);
void riscv_translate(CPUState *cs, TranslationBlock *tb, int max_insns);

#endif
