/*
 * The TB cache: the code buffer (mapped twice, writable and executable, so no
 * page is ever both), translation of new TBs, the global hash in front of which
 * every vCPU keeps a jump cache, chaining, and invalidation when guest code
 * pages are written. The translator runs on one thread (round-robin vCPUs), so
 * these tables need no locks.
 */
#include "accel/tcg/internal.h"
#include "system/memory.h"
#include "util/error.h"
#include "util/log.h"
#include <capstone/capstone.h>
#include <sys/mman.h>
#include <unistd.h>

#define CODE_GEN_BUFFER_SIZE (64 * MiB)
#define TB_HASH_BITS 15
#define TB_HASH_SIZE (1 << TB_HASH_BITS)

TCGStats tcg_stats;
uint64_t tb_code_page_gen;
const TCGBackend *tcg_backend;
int tcg_max_insns = TCG_MAX_INSNS;

/*
 * A guest-physical page that holds translated code: its TBs, and which of its
 * bytes they cover, so that a write to data sharing the page (common in
 * bare-metal programs and kernels) leaves the code alone. QEMU, too,
 * invalidates only the TBs that overlap the bytes written.
 */
typedef struct CodePage {
    uint64_t page;
    MemoryRegion *ram; /* where the page is RAM (else NULL), for the dirty log's code client */
    uint64_t ram_offset;
    GPtrArray *tbs;
    uint64_t bitmap[TARGET_PAGE_SIZE / 64]; /* one bit per code byte */
} CodePage;

static struct {
    uint8_t *rw, *rx;
    size_t size, used, prologue_size;
    TranslationBlock *hash[TB_HASH_SIZE];
    GHashTable *code_pages; /* phys page -> CodePage */
    GPtrArray *all_tbs;
    TCGContext ctx;
} tbc;

static void code_page_free(gpointer p)
{
    CodePage *cp = p;

    g_ptr_array_unref(cp->tbs);
    g_free(cp);
}

static bool code_buffer_alloc(GError **errp)
{
    int fd = memfd_create("mimic-jit", MFD_CLOEXEC);

    if (fd < 0 || ftruncate(fd, CODE_GEN_BUFFER_SIZE) < 0) {
        error_setg_errno(errp, errno, "cannot create the translator's code buffer");
        return false;
    }
    tbc.rw = mmap(NULL, CODE_GEN_BUFFER_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    tbc.rx = mmap(NULL, CODE_GEN_BUFFER_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    close(fd);
    if (tbc.rw == MAP_FAILED || tbc.rx == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot map the translator's code buffer");
        return false;
    }
    tbc.size = CODE_GEN_BUFFER_SIZE;
    return true;
}

void tcg_runtime_init(const TCGBackend *backend, GError **errp)
{
    ssize_t n;

    tcg_backend = backend;
    if (!code_buffer_alloc(errp)) {
        return;
    }
    n = backend->gen_prologue(tbc.rw, tbc.rx, tbc.size);
    g_assert(n >= 0);
    tbc.prologue_size = tbc.used = ROUND_UP((size_t)n, 64);
    tbc.code_pages = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, code_page_free);
    tbc.all_tbs = g_ptr_array_new();
    tcg_context_init(&tbc.ctx);
}

static unsigned tb_hash(uint64_t phys_pc, uint64_t pc, uint64_t flags)
{
    uint64_t h = phys_pc * 0x9e3779b97f4a7c15ULL ^ pc ^ (flags * 0xff51afd7ed558ccdULL);
    return (h ^ (h >> 29)) & (TB_HASH_SIZE - 1);
}

static void tb_free(TranslationBlock *tb)
{
    if (tb->jmp_incoming) {
        g_array_unref(tb->jmp_incoming);
    }
    g_free(tb->insn_pc);
    g_free(tb->insn_host_end);
    g_free(tb);
}

void tb_flush_jmp_caches(void)
{
    for (int i = 0; i < cpu_count; i++) {
        if (cpus[i]->accel) {
            memset(cpus[i]->accel->jmp_cache, 0, sizeof(cpus[i]->accel->jmp_cache));
        }
    }
}

/* Forget every TB (code buffer full, or a global flush with no vCPU in generated code). */
void tb_flush_everything(void)
{
    for (guint i = 0; i < tbc.all_tbs->len; i++) {
        tb_free(g_ptr_array_index(tbc.all_tbs, i));
    }
    g_ptr_array_set_size(tbc.all_tbs, 0);
    memset(tbc.hash, 0, sizeof(tbc.hash));
    g_hash_table_remove_all(tbc.code_pages);
    tb_flush_jmp_caches();
    tbc.used = tbc.prologue_size;
    tcg_stats.flushes++;
}


static TranslationBlock *hash_find(uint64_t phys_pc, uint64_t pc, uint64_t flags)
{
    for (TranslationBlock *tb = tbc.hash[tb_hash(phys_pc, pc, flags)]; tb; tb = tb->hash_next) {
        if (tb->pc == pc && tb->flags == flags && tb->phys_pc == phys_pc) {
            return tb;
        }
    }
    return NULL;
}

/* The bytes [*lo, *hi) of page (offsets in it) that tb's guest code covers. */
static void tb_page_range(const TranslationBlock *tb, uint64_t page, unsigned *lo, unsigned *hi)
{
    uint64_t first = tb->phys_pc & TARGET_PAGE_MASK;
    uint64_t end = (tb->phys_pc & ~TARGET_PAGE_MASK) + tb->size; /* from first's start */

    if (page == first) {
        *lo = tb->phys_pc & ~TARGET_PAGE_MASK;
        *hi = MIN(end, TARGET_PAGE_SIZE);
    } else {
        /* The second page of a TB whose last instruction crosses into it. */
        *lo = 0;
        *hi = end > TARGET_PAGE_SIZE ? MIN(end - TARGET_PAGE_SIZE, TARGET_PAGE_SIZE)
                                     : TARGET_PAGE_SIZE;
    }
}

static void code_page_mark(CodePage *cp, const TranslationBlock *tb)
{
    unsigned lo, hi;

    tb_page_range(tb, cp->page, &lo, &hi);
    for (unsigned i = lo; i < hi; i++) {
        cp->bitmap[i / 64] |= 1ULL << (i % 64);
    }
}

static bool code_page_hit(const CodePage *cp, unsigned lo, unsigned hi)
{
    for (unsigned i = lo; i < hi; i++) {
        if (cp->bitmap[i / 64] & (1ULL << (i % 64))) {
            return true;
        }
    }
    return false;
}

static void page_add_tb(uint64_t page, TranslationBlock *tb)
{
    CodePage *cp = g_hash_table_lookup(tbc.code_pages, &page);
    bool readonly;

    if (!cp) {
        cp = g_new0(CodePage, 1);
        cp->page = page;
        cp->tbs = g_ptr_array_new();
        cp->ram = phys_page_ram(page, &cp->ram_offset, &readonly);
        if (cp->ram) {
            /* what was written before is in the translation: watch from here on */
            memory_region_clear_dirty(cp->ram, cp->ram_offset, TARGET_PAGE_SIZE,
                                      DIRTY_MEMORY_CODE);
        }
        g_hash_table_insert(tbc.code_pages, &cp->page, cp);
        /* From now on writes to this page must take the slow path. */
        tlb_flush_for_code_page(page);
        tb_code_page_gen++;
    }
    g_ptr_array_add(cp->tbs, tb);
    code_page_mark(cp, tb);
}

bool tb_page_has_code(uint64_t paddr)
{
    uint64_t page = paddr & TARGET_PAGE_MASK;
    return g_hash_table_contains(tbc.code_pages, &page);
}

static void tb_unlink_outgoing(TranslationBlock *tb)
{
    for (int n = 0; n < 2; n++) {
        TranslationBlock *dest = tb->jmp_dest[n];
        if (!dest) {
            continue;
        }
        for (guint i = 0; dest->jmp_incoming && i < dest->jmp_incoming->len; i++) {
            if (g_array_index(dest->jmp_incoming, uintptr_t, i) == ((uintptr_t)tb | n)) {
                g_array_remove_index_fast(dest->jmp_incoming, i);
                break;
            }
        }
        tcg_backend->set_jump(tb, n, NULL);
        tb->jmp_dest[n] = NULL;
    }
}

static void tb_invalidate(TranslationBlock *tb)
{
    TranslationBlock **pp = &tbc.hash[tb_hash(tb->phys_pc, tb->pc, tb->flags)];

    if (tb->invalid) {
        return;
    }
    tb->invalid = true;
    tcg_stats.invalidations++;
    for (; *pp; pp = &(*pp)->hash_next) {
        if (*pp == tb) {
            *pp = tb->hash_next;
            break;
        }
    }
    /* Whoever jumps here goes back to the exec loop instead. */
    for (guint i = 0; tb->jmp_incoming && i < tb->jmp_incoming->len; i++) {
        uintptr_t e = g_array_index(tb->jmp_incoming, uintptr_t, i);
        TranslationBlock *src = (TranslationBlock *)(e & ~(uintptr_t)1);
        tcg_backend->set_jump(src, e & 1, NULL);
        src->jmp_dest[e & 1] = NULL;
    }
    if (tb->jmp_incoming) {
        g_array_set_size(tb->jmp_incoming, 0);
    }
    tb_unlink_outgoing(tb);
    for (int i = 0; i < cpu_count; i++) {
        AccelCPUState *acs = cpus[i]->accel;
        if (acs && acs->jmp_cache[tb_jmp_cache_hash(tb->pc)] == tb) {
            acs->jmp_cache[tb_jmp_cache_hash(tb->pc)] = NULL;
        }
    }
}

void tb_invalidate_phys_range(uint64_t paddr, uint64_t len)
{
    uint64_t first = paddr & TARGET_PAGE_MASK, last = (paddr + len - 1) & TARGET_PAGE_MASK;

    for (uint64_t page = first; page <= last; page += TARGET_PAGE_SIZE) {
        CodePage *cp = g_hash_table_lookup(tbc.code_pages, &page);
        unsigned lo = page == first ? paddr & ~TARGET_PAGE_MASK : 0;
        unsigned hi = page == last ? ((paddr + len - 1) & ~TARGET_PAGE_MASK) + 1
                                   : TARGET_PAGE_SIZE;

        if (!cp || !code_page_hit(cp, lo, hi)) {
            continue; /* data next to code: nothing to do */
        }
        /* Every TB overlapping the bytes written goes (and any already invalidated
         * through its other page). The structs stay allocated until the next full
         * flush, as a vCPU may still return through one. */
        memset(cp->bitmap, 0, sizeof(cp->bitmap));
        for (guint i = 0; i < cp->tbs->len;) {
            TranslationBlock *tb = g_ptr_array_index(cp->tbs, i);
            unsigned tlo, thi;

            tb_page_range(tb, page, &tlo, &thi);
            if (!tb->invalid && (tlo >= hi || thi <= lo)) {
                code_page_mark(cp, tb);
                i++;
                continue;
            }
            tb_invalidate(tb);
            g_ptr_array_remove_index_fast(cp->tbs, i);
        }
        if (cp->tbs->len == 0) {
            g_hash_table_remove(tbc.code_pages, &page);
        }
    }
}

void tb_invalidate_written_code(void)
{
    g_autoptr(GArray) written = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    GHashTableIter it;
    CodePage *cp;

    g_hash_table_iter_init(&it, tbc.code_pages);
    while (g_hash_table_iter_next(&it, NULL, (gpointer *)&cp)) {
        if (cp->ram && memory_region_get_dirty(cp->ram, cp->ram_offset, TARGET_PAGE_SIZE,
                                               DIRTY_MEMORY_CODE)) {
            memory_region_clear_dirty(cp->ram, cp->ram_offset, TARGET_PAGE_SIZE,
                                      DIRTY_MEMORY_CODE);
            g_array_append_val(written, cp->page);
        }
    }
    for (guint i = 0; i < written->len; i++) {
        tb_invalidate_phys_range(g_array_index(written, uint64_t, i), TARGET_PAGE_SIZE);
    }
}

void tb_add_jump(TranslationBlock *tb, int n, TranslationBlock *dest)
{
    uintptr_t entry = (uintptr_t)tb | n;

    if (tb->invalid || dest->invalid || tb->jmp_dest[n]) {
        return;
    }
    if (!dest->jmp_incoming) {
        dest->jmp_incoming = g_array_new(FALSE, FALSE, sizeof(uintptr_t));
    }
    g_array_append_val(dest->jmp_incoming, entry);
    tb->jmp_dest[n] = dest;
    tcg_backend->set_jump(tb, n, dest);
    tcg_stats.chained++;
}

static void log_tb(CPUState *cpu, TranslationBlock *tb, const char *what)
{
    g_autoptr(GString) out = g_string_new(NULL);

    g_string_append_printf(out, "%s TB %016" PRIx64 " (flags %" PRIx64 ", %u insns):\n", what,
                           tb->pc, tb->flags, tb->icount);
    tcg_dump_ops(tcg_ctx, out);
    log_printf("%s\n", out->str);
}

/* -d in_asm: each guest instruction, disassembled where the CPU class can. */
static void log_in_asm(CPUState *cpu, TranslationBlock *tb)
{
    g_autoptr(GString) out = g_string_new(NULL);

    g_string_append_printf(out, "IN: %016" PRIx64 "\n", tb->pc);
    for (int k = 0; k < tb->icount; k++) {
        uint64_t end = k + 1 < tb->icount ? tb->insn_pc[k + 1] : tb->pc + tb->size;
        uint8_t bytes[16];
        size_t len = MIN(end - tb->insn_pc[k], sizeof(bytes));
        g_autoptr(GString) hex = g_string_new(NULL);

        if (!tcg_memory_rw_debug(cpu, tb->insn_pc[k], bytes, len, false)) {
            g_string_append_printf(out, "  %016" PRIx64 ": (cannot read)\n", tb->insn_pc[k]);
            continue;
        }
        for (size_t i = len; i-- > 0;) {
            g_string_append_printf(hex, "%02x", bytes[i]);
        }
        g_string_append_printf(out, "  %016" PRIx64 ": %-8s  ", tb->insn_pc[k], hex->str);
        if (cpu->cc->disas_insn) {
            cpu->cc->disas_insn(tb->insn_pc[k], bytes, len, out);
        }
        g_string_append_c(out, '\n');
    }
    log_printf("%s\n", out->str);
}

/* -d out_asm: the host code, disassembled by capstone when it is x86-64 code. */
static void log_out_asm(TranslationBlock *tb)
{
    csh handle;
    cs_insn *insn;
    size_t count;

    log_printf("OUT: [%s] %zu bytes for TB %016" PRIx64 "\n", tcg_backend->name, tb->tc_size,
               tb->pc);
    if (tcg_backend != &tcg_backend_x86_64 || cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
        return;
    }
    count = cs_disasm(handle, tb->tc_ptr, tb->tc_size, (uintptr_t)tb->tc_ptr, 0, &insn);
    for (size_t i = 0; i < count; i++) {
        log_printf("  0x%" PRIx64 ": %s %s\n", insn[i].address, insn[i].mnemonic, insn[i].op_str);
    }
    cs_free(insn, count);
    cs_close(&handle);
    log_printf("\n");
}

static TranslationBlock *tb_gen_code(CPUState *cpu, uint64_t pc, uint64_t flags,
                                     uint64_t phys_pc)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;
    int max_insns = (flags & TB_FLAG_DEBUG_STEP) ? 1 : tcg_max_insns;
    TranslationBlock *tb;
    ssize_t n;

    tcg_ctx = &tbc.ctx;
    for (;;) {
        tb = g_new0(TranslationBlock, 1);
        tb->pc = pc;
        tb->flags = flags;
        tb->phys_pc = phys_pc;
        tcg_func_start(tcg_ctx);
        ops->translate(cpu, tb, max_insns);
        if (tcg_ctx->overflow && max_insns > 1) {
            /* Too many ops for one TB: try again with fewer instructions. */
            max_insns = MAX(1, tcg_ctx->nb_insns / 2);
            tb_free(tb);
            continue;
        }
        g_assert(!tcg_ctx->overflow);
        if (log_enabled(LOG_TB_OP)) {
            log_tb(cpu, tb, "op");
        }
        tcg_optimize(tcg_ctx);
        tcg_liveness(tcg_ctx);
        if (log_enabled(LOG_TB_OP_OPT)) {
            log_tb(cpu, tb, "op_opt");
        }
        tb->icount = tcg_ctx->nb_insns;
        tb->insn_host_end = g_new0(uint32_t, MAX(tb->icount, 1));
        n = tcg_backend->gen_code(tcg_ctx, tb, tbc.rw + tbc.used, tbc.rx + tbc.used,
                                  tbc.size - tbc.used);
        if (n >= 0) {
            break;
        }
        tb_free(tb);
        tb_flush_everything(); /* buffer full: start over */
    }
    tb->insn_pc = g_new0(uint64_t, MAX(tb->icount, 1));
    for (int i = 0, k = 0; i < tcg_ctx->nb_ops && k < tb->icount; i++) {
        if (tcg_ctx->ops[i].opc == INDEX_op_insn_start) {
            tb->insn_pc[k++] = tcg_ctx->ops[i].args[0];
        }
    }
    if (log_enabled(LOG_TB_IN_ASM)) {
        log_in_asm(cpu, tb);
    }
    if (log_enabled(LOG_TB_OUT_ASM)) {
        log_out_asm(tb);
    }
    tbc.used = ROUND_UP(tbc.used + (size_t)n, 64);
    tcg_stats.tbs_translated++;
    tcg_stats.code_bytes += n;

    g_ptr_array_add(tbc.all_tbs, tb);
    {
        unsigned h = tb_hash(phys_pc, pc, flags);
        tb->hash_next = tbc.hash[h];
        tbc.hash[h] = tb;
    }
    page_add_tb(phys_pc & TARGET_PAGE_MASK, tb);
    if (((phys_pc + tb->size - 1) & TARGET_PAGE_MASK) != (phys_pc & TARGET_PAGE_MASK)) {
        page_add_tb((phys_pc + tb->size - 1) & TARGET_PAGE_MASK, tb);
    }
    return tb;
}

TranslationBlock *tb_lookup_slow(CPUState *cpu, uint64_t pc, uint64_t flags, bool translate)
{
    uint64_t phys_pc = get_page_addr_code(cpu, pc, NULL, !translate);
    TranslationBlock *tb;

    if (phys_pc == (uint64_t)-1) {
        return NULL; /* no translation yet (lookup_and_goto_ptr must not fault) */
    }
    tb = hash_find(phys_pc, pc, flags);
    if (!tb) {
        if (!translate) {
            return NULL;
        }
        tb = tb_gen_code(cpu, pc, flags, phys_pc);
    }
    cpu->accel->jmp_cache[tb_jmp_cache_hash(pc)] = tb;
    return tb;
}

TranslationBlock *tb_lookup(CPUState *cpu, uint64_t pc, uint64_t flags, bool translate)
{
    TranslationBlock *tb = tb_lookup_cached(cpu, pc, flags);

    tcg_stats.tb_lookups++;
    if (likely(tb)) {
        tcg_stats.jmp_cache_hits++;
        return tb;
    }
    return tb_lookup_slow(cpu, pc, flags, translate);
}

/*
 * The TB whose host code contains rx offset off. TBs are appended in code-buffer
 * order (the array is emptied when the buffer is), so a binary search finds it:
 * every guest exception raised from generated code comes through here.
 */
static TranslationBlock *tb_find_by_host_offset(uintptr_t off)
{
    guint lo = 0, hi = tbc.all_tbs->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        TranslationBlock *tb = g_ptr_array_index(tbc.all_tbs, mid);
        uintptr_t start = (uintptr_t)tb->tc_ptr - (uintptr_t)tbc.rx;

        if (off < start) {
            hi = mid;
        } else if (off >= start + tb->tc_size) {
            lo = mid + 1;
        } else {
            return tb;
        }
    }
    return NULL;
}

bool cpu_restore_state(CPUState *cpu, uintptr_t retaddr)
{
    const TCGCPUOps *ops = cpu->cc->tcg_ops;

    if (retaddr >= (uintptr_t)tbc.rx && retaddr < (uintptr_t)tbc.rx + tbc.used) {
        uintptr_t off = retaddr - (uintptr_t)tbc.rx;
        TranslationBlock *tb = tb_find_by_host_offset(off);

        if (tb) {
            uintptr_t start = (uintptr_t)tb->tc_ptr - (uintptr_t)tbc.rx;
            /* The instruction whose code contains retaddr - 1 (the call). */
            for (int k = 0; k < tb->icount; k++) {
                if (off - start <= tb->insn_host_end[k]) {
                    ops->restore_pc(cpu, tb->insn_pc[k]);
                    return true;
                }
            }
            ops->restore_pc(cpu, tb->insn_pc[tb->icount - 1]);
            return true;
        }
    }
    if (tcg_interp_active) {
        ops->restore_pc(cpu, tcg_interp_pc);
        return true;
    }
    return false;
}

/* The TBs in the cache now: how many, their average size, how many are chained onward. */
static void tb_info_live(GString *out)
{
    uint64_t live = 0, insns = 0, host_bytes = 0, chained = 0;

    for (guint i = 0; tbc.all_tbs && i < tbc.all_tbs->len; i++) {
        const TranslationBlock *tb = g_ptr_array_index(tbc.all_tbs, i);

        if (tb->invalid) {
            continue;
        }
        live++;
        insns += tb->icount;
        host_bytes += tb->tc_size;
        chained += tb->jmp_dest[0] || tb->jmp_dest[1];
    }
    g_string_append_printf(out,
                           "TBs in the cache: %" PRIu64 " (%.1f guest insns, %.0f host bytes "
                           "each), chained to a successor: %" PRIu64 " (%.1f%%)\n",
                           live, live ? (double)insns / live : 0.0,
                           live ? (double)host_bytes / live : 0.0, chained,
                           live ? 100.0 * chained / live : 0.0);
}

void tcg_info(GString *out);
void tcg_info(GString *out)
{
    g_string_append_printf(out, "translator backend: %s\n", tcg_backend ? tcg_backend->name : "-");
    tb_info_live(out);
    g_string_append_printf(out, "TBs translated: %" PRIu64 ", code size %" PRIu64
                                " bytes (buffer %zu/%zu used)\n",
                           tcg_stats.tbs_translated, tcg_stats.code_bytes, tbc.used, tbc.size);
    g_string_append_printf(out, "buffer flushes: %" PRIu64 ", TB invalidations: %" PRIu64 "\n",
                           tcg_stats.flushes, tcg_stats.invalidations);
    g_string_append_printf(out, "chained jumps: %" PRIu64 ", exec-loop lookups: %" PRIu64
                                " (jump cache hit %.1f%%)\n",
                           tcg_stats.chained, tcg_stats.tb_lookups,
                           tcg_stats.tb_lookups ? 100.0 * tcg_stats.jmp_cache_hits /
                                                      tcg_stats.tb_lookups
                                                : 0.0);
    g_string_append_printf(out,
                           "TLB misses: %" PRIu64 " (second-level TLB hits %" PRIu64
                           "), TLB resizes: %" PRIu64 "\n",
                           tcg_stats.tlb_misses, tcg_stats.tlb_l2_hits, tcg_stats.tlb_resizes);
    for (int i = 0; i < cpu_count; i++) {
        g_string_append_printf(out, "cpu %d TLB entries per MMU mode:", i);
        for (int m = 0; m < NB_MMU_MODES; m++) {
            g_string_append_printf(out, " %zu", tlb_n_entries(cpus[i], m));
        }
        g_string_append_c(out, '\n');
    }
}
