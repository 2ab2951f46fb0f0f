/*
 * The CPU base: what every target's CPU shares, and the hooks the monitor,
 * gdbstub and machines use without knowing the ISA. A target's CPU struct
 * embeds CPUState as its first member.
 */
#ifndef CORE_CPU_H
#define CORE_CPU_H

#include "util/osdep.h"
#include <setjmp.h>

typedef struct CPUState CPUState;
typedef struct TCGCPUOps TCGCPUOps;

/*
 * The softmmu TLB (used by the translator): per MMU mode, a direct-mapped table
 * of guest pages. A hit compares the page-aligned vaddr against addr_read /
 * addr_write / addr_code and adds addend to reach host RAM. Low bits of those
 * fields carry flags that force the slow path. Each mode uses the first
 * 2^CPU_TLB_DYN_MIN_BITS .. 2^CPU_TLB_DYN_MAX_BITS entries of its table, as
 * sized at run time (accel/tcg/cputlb.c: tlb_mode_resize); the tables sit in
 * CPUState at their largest, so that generated code reaches them at a fixed
 * offset from env, and only the used part is ever touched.
 */
#define NB_MMU_MODES 8
#define CPU_TLB_DYN_MIN_BITS 8
#define CPU_TLB_DYN_MAX_BITS 14
#define CPU_TLB_MAX_ENTRIES (1 << CPU_TLB_DYN_MAX_BITS)
#define CPU_TLB_ENTRY_BITS 5 /* log2(sizeof(CPUTLBEntry)) */
#define TARGET_PAGE_BITS 12
#define TARGET_PAGE_SIZE (1ULL << TARGET_PAGE_BITS)
#define TARGET_PAGE_MASK (~(TARGET_PAGE_SIZE - 1))
#define TLB_INVALID_MASK (1ULL << 11) /* no translation cached */
#define TLB_MMIO (1ULL << 10)         /* not RAM: go through the memory API */
#define TLB_NOTDIRTY (1ULL << 9)      /* RAM holding translated code or a page not yet
                                         logged dirty: writes go through the slow path */
#define TLB_WATCHPOINT (1ULL << 8)    /* a debugger watches part of this page */
#define TLB_FLAGS_MASK (TLB_INVALID_MASK | TLB_MMIO | TLB_NOTDIRTY | TLB_WATCHPOINT)

typedef struct CPUTLBEntry {
    uint64_t addr_read;
    uint64_t addr_write;
    uint64_t addr_code;
    uintptr_t addend; /* host address = guest vaddr + addend (RAM pages) */
} CPUTLBEntry;

typedef struct MemoryRegion MemoryRegion;

typedef struct CPUTLBEntryFull {
    uint64_t paddr;     /* guest-physical page address */
    MemoryRegion *ram;  /* RAM pages: the region, for dirty logging; else NULL */
    uint64_t ram_offset; /* the page's offset in it */
} CPUTLBEntryFull;

/* A mode's TLB sizing statistics. */
typedef struct CPUTLBDesc {
    size_t n_used_entries;     /* valid entries now */
    size_t window_max_entries; /* the most valid entries seen at a flush in this window */
    int64_t window_begin_us;
} CPUTLBDesc;
typedef struct AccelCPUState AccelCPUState;

/*
 * Guest debugging (the gdbstub). Breakpoint and watchpoint kinds are the
 * numbers of GDB's Z packets.
 */
enum {
    GDB_BREAKPOINT_SW = 0,
    GDB_BREAKPOINT_HW = 1,
    GDB_WATCHPOINT_WRITE = 2,
    GDB_WATCHPOINT_READ = 3,
    GDB_WATCHPOINT_ACCESS = 4,
};

/* cpu->singlestep_enabled */
#define SSTEP_ENABLE 0x1 /* stop after one instruction */
#define SSTEP_NOIRQ 0x2  /* and take no interrupt meanwhile */

typedef enum CPUDebugReason {
    CPU_DEBUG_NONE,
    CPU_DEBUG_STEP,
    CPU_DEBUG_SWBREAK,
    CPU_DEBUG_HWBREAK,
    CPU_DEBUG_WATCH, /* debug_watch_type/addr say which */
} CPUDebugReason;

typedef struct CPUBreakpoint {
    uint64_t addr;
    uint64_t len;
    int type; /* GDB_BREAKPOINT_* / GDB_WATCHPOINT_* */
} CPUBreakpoint;

typedef struct CPUClass {
    const char *arch; /* "x86_64", "riscv64" */
    /* Architectural reset to power-on state (accelerator state is pushed afterwards). */
    void (*reset)(CPUState *cpu);
    /* info registers */
    void (*dump_state)(CPUState *cpu, GString *out);
    uint64_t (*get_pc)(CPUState *cpu);
    /* Read/write guest memory by virtual address through the CPU's page tables. */
    bool (*memory_rw_debug)(CPUState *cpu, uint64_t vaddr, void *buf, size_t len, bool is_write);
    /* Value of a register by name for the monitor's expressions; false if unknown. */
    bool (*get_register)(CPUState *cpu, const char *name, uint64_t *value);
    /*
     * Disassemble the instruction at pc from len bytes: append "mnemonic\toperands"
     * to out, return its length (0: len too short). NULL: capstone knows the ISA.
     */
    int (*disas_insn)(uint64_t pc, const uint8_t *buf, size_t len, GString *out);
    /* The translator's hooks (NULL for CPUs only KVM runs). */
    const TCGCPUOps *tcg_ops;

    /*
     * gdbstub: the target description and registers in the numbering its XML
     * gives (regnum). 'g' carries registers 0 .. gdb_num_core_regs - 1.
     */
    int gdb_num_core_regs;
    int gdb_num_regs;
    int gdb_pc_regnum; /* the 64-bit pc among them ('c ADDR') */
    /* The XML document annex ("target.xml" is the root), or NULL if there is none. */
    const char *(*gdb_get_xml)(CPUState *cpu, const char *annex);
    /* Append register n in target byte order; returns its size, 0 if there is no such register. */
    int (*gdb_read_register)(CPUState *cpu, GByteArray *buf, int n);
    /* Set register n from mem (its size in bytes); returns the size, 0 if it cannot be set. */
    int (*gdb_write_register)(CPUState *cpu, const uint8_t *mem, int n);
} CPUClass;

struct CPUState {
    const CPUClass *cc;
    int index;          /* 0..smp-1 */
    uint64_t arch_id;   /* APIC id, hart id */
    GThread *thread;
    AccelCPUState *accel;

    /* Pause protocol, guarded by the big lock. */
    bool created;
    bool stop;    /* asked to stop */
    bool stopped; /* acknowledged */
    bool exit_thread;
    /* The accelerator's register cache is newer than this struct. */
    bool regs_dirty_in_accel;
    int thread_id; /* host thread id of the vCPU thread (info cpus) */

    /* Translator state. */
    int exception_index;  /* target-defined; -1 when none */
    bool halted;          /* WFI / HLT: waits for an interrupt */
    uint32_t interrupt_request; /* target-defined pending bits, set from any thread */
    int32_t exit_request; /* checked at TB entry: leave generated code soon */
    sigjmp_buf jmp_env;
    /* Per mode: (entries in use - 1) << CPU_TLB_ENTRY_BITS, set by tlb_init(); 0 before. */
    uintptr_t tlb_mask[NB_MMU_MODES];
    CPUTLBDesc tlb_desc[NB_MMU_MODES];
    CPUTLBEntry tlb_table[NB_MMU_MODES][CPU_TLB_MAX_ENTRIES];
    CPUTLBEntryFull tlb_full[NB_MMU_MODES][CPU_TLB_MAX_ENTRIES];

    /* Guest debugging: big lock; changed only while the vCPUs are stopped. */
    int singlestep_enabled;       /* SSTEP_* */
    GArray *breakpoints;          /* CPUBreakpoint; the translator's (KVM keeps its own) */
    GArray *watchpoints;          /* CPUBreakpoint; translator only */
    CPUDebugReason debug_reason;  /* why it last stopped for the debugger */
    int debug_watch_type;         /* CPU_DEBUG_WATCH: GDB_WATCHPOINT_* that fired */
    uint64_t debug_watch_addr;    /* and the address it watches */
};

/* The translator's breakpoint at pc, or NULL. */
static inline const CPUBreakpoint *cpu_breakpoint_find(CPUState *cpu, uint64_t pc)
{
    for (guint i = 0; cpu->breakpoints && i < cpu->breakpoints->len; i++) {
        const CPUBreakpoint *bp = &g_array_index(cpu->breakpoints, CPUBreakpoint, i);
        if (bp->addr == pc) {
            return bp;
        }
    }
    return NULL;
}

#define MAX_CPUS 256
extern CPUState *cpus[MAX_CPUS];
extern int cpu_count;

void cpu_register(CPUState *cpu);
CPUState *cpu_by_index(int index);

/* vCPU thread side: park here while a stop is requested. Called with the big lock held. */
void cpu_wait_while_stopped(CPUState *cpu);
/* Whether this vCPU should leave its run loop to stop. */
static inline bool cpu_should_stop(CPUState *cpu)
{
    return __atomic_load_n(&cpu->stop, __ATOMIC_ACQUIRE) ||
           __atomic_load_n(&cpu->exit_thread, __ATOMIC_ACQUIRE);
}
/* Wake everyone waiting on a vCPU state change; wait for one (big lock held). */
void cpu_state_changed(void);
void cpu_wait_state_change(void);

/* Main-loop side (big lock held). */
void cpus_pause_all(void);
void cpus_resume_all(void);
/* Ask every vCPU to stop at its next exit without waiting (from a vCPU thread too). */
void cpus_request_stop(void);
bool cpus_all_stopped(void);
void cpus_stop_threads(void);

/* Make a fresh copy of accelerator registers visible in cpu (monitor, gdbstub). */
void cpu_synchronize_state(CPUState *cpu);
/* Push cpu's (modified) state into the accelerator. */
void cpu_synchronize_post_reset(CPUState *cpu);

/* Provided by the target linked into this emulator: -cpu help text. */
char *target_cpu_models_help(void);

/* The monitor's current CPU. */
CPUState *mon_current_cpu(void);
void mon_set_current_cpu(int index);

#endif
