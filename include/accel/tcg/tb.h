/*
 * Translation blocks: one translated run of guest code, its host code (or IR
 * program for the interpreter), and the links that chain it to its successors.
 */
#ifndef ACCEL_TCG_TB_H
#define ACCEL_TCG_TB_H

#include "util/osdep.h"

typedef struct TranslationBlock TranslationBlock;

/*
 * Generated code returns (uintptr_t)tb | TB_EXIT_*: through chaining slot 0 or 1
 * (the exec loop may then patch the slot to jump straight to the next TB), or for
 * any other reason (TB_EXIT_REQUESTED: exit_request was set on entry).
 */
enum {
    TB_EXIT_SLOT0 = 0,
    TB_EXIT_SLOT1 = 1,
    TB_EXIT_NOCHAIN = 2,
    TB_EXIT_REQUESTED = 3,
    TB_EXIT_MASK = 3,
};

/*
 * A TB flag the runtime owns (targets keep their own flags in the low bits):
 * one guest instruction, no chaining, then back to the exec loop. Used for a
 * debugger's single step and to re-run an access that hit a watchpoint.
 */
#define TB_FLAG_DEBUG_STEP (1ULL << 63)

struct TranslationBlock {
    uint64_t pc;
    uint64_t flags;   /* target CPU state the code was specialised for */
    uint64_t phys_pc; /* guest-physical address of pc, for invalidation */
    uint32_t size;    /* guest bytes covered */
    uint16_t icount;  /* guest instructions */
    bool invalid;

    /* Backend output. */
    void *tc_ptr;     /* executable entry (x86_64) or interpreter program */
    size_t tc_size;
    /* x86_64: offsets in the code of each slot's 32-bit jump displacement, and
     * where the unchained slot's code continues (the initial jump target). */
    uint32_t jmp_insn_offset[2];
    uint32_t jmp_reset_offset[2];
    /* Where each slot currently leads (NULL: back to the exec loop). */
    TranslationBlock *jmp_dest[2];
    /* TBs whose slots lead here: (tb << 1 | slot) entries, for unchaining on invalidation. */
    GArray *jmp_incoming;

    /* Guest pc of each instruction, and where its host code ends (pc recovery). */
    uint64_t *insn_pc;
    uint32_t *insn_host_end;

    TranslationBlock *hash_next; /* in the global hash table */
    TranslationBlock *page_next; /* in the list of TBs of its first guest page */
};

/* Which host registers/fields of the backend the generated code must not assume:
 * none; the backend owns its entire frame. */

#endif
