/*
 * The RISC-V disassembler: chosen encodings print as the GNU assembler writes
 * them, and every instruction of the riscv64 test programs (given as
 * arguments) prints as Debian's riscv64-linux-gnu-objdump -d prints it.
 */
#include "target/riscv/disas.h"

static char **elf_paths;

static char *disas_word(uint64_t pc, uint32_t word, int *len)
{
    uint8_t buf[4] = {word, word >> 8, word >> 16, word >> 24};
    GString *out = g_string_new(NULL);

    *len = riscv_disas(pc, buf, sizeof(buf), out);
    return g_string_free(out, false);
}

static void assert_disas(uint32_t word, const char *expected)
{
    int len;
    g_autofree char *text = disas_word(0x80000000, word, &len);

    g_assert_cmpint(len, ==, (word & 3) == 3 ? 4 : 2);
    g_assert_cmpstr(text, ==, expected);
}

static void test_disas_base_forms(void)
{
    assert_disas(0x00150513, "addi\ta0,a0,1");
    assert_disas(0x00813083, "ld\tra,8(sp)");
    assert_disas(0xfe113c23, "sd\tra,-8(sp)");
    assert_disas(0x80000537, "lui\ta0,0x80000");
    assert_disas(0x43f55513, "srai\ta0,a0,0x3f");
    assert_disas(0x40b5053b, "subw\ta0,a0,a1");
    assert_disas(0x02b54533, "div\ta0,a0,a1");
    assert_disas(0x0eb6352f, "amoswap.d.aqrl\ta0,a1,(a2)");
    assert_disas(0x1005a52f, "lr.w\ta0,(a1)");
    assert_disas(0x6ac5f543, "fmadd.d\tfa0,fa1,fa2,fa3");
    assert_disas(0xc2001553, "fcvt.w.d\ta0,ft0,rtz");
    assert_disas(0xd2050553, "fcvt.d.w\tfa0,a0");
    assert_disas(0x0100000f, "fence\tw,unknown");
    assert_disas(0x0000100f, "fence.i");
    assert_disas(0x30200073, "mret");
    assert_disas(0x12b50073, "sfence.vma\ta0,a1");
    assert_disas(0x00000000, "unimp");
    assert_disas(0x0000000b, ".4byte\t0xb");
}

static void test_disas_aliases(void)
{
    assert_disas(0x00000013, "nop");
    assert_disas(0xfff00513, "li\ta0,-1");
    assert_disas(0x00058513, "mv\ta0,a1");
    assert_disas(0x00008067, "ret");
    assert_disas(0x000500e7, "jalr\ta0");
    assert_disas(0x00450567, "jalr\ta0,4(a0)");
    assert_disas(0x40a00533, "neg\ta0,a0");
    assert_disas(0x0005051b, "sext.w\ta0,a0");
    assert_disas(0x30529073, "csrw\tmtvec,t0");
    assert_disas(0x341022f3, "csrr\tt0,mepc");
    assert_disas(0x7c002573, "csrr\ta0,0x7c0");
    assert_disas(0x30046073, "csrsi\tmstatus,8");
    assert_disas(0xc0102973, "rdtime\ts2");
    assert_disas(0xc0001073, "unimp");
    assert_disas(0x22a51553, "fneg.d\tfa0,fa0");
    assert_disas(0x0ff0000f, "fence");
    assert_disas(0x8330000f, "fence.tso");
}

static void test_disas_branch_targets(void)
{
    int len;
    g_autofree char *back = disas_word(0x80000010, 0xfe050ee3, &len); /* beq a0,zero,-4 */
    g_autofree char *fwd = disas_word(0x80000010, 0x0080006f, &len);  /* jal zero,8 */
    g_autofree char *call = disas_word(0x80000010, 0x008000ef, &len); /* jal ra,8 */

    g_assert_cmpstr(back, ==, "beqz\ta0,8000000c");
    g_assert_cmpstr(fwd, ==, "j\t80000018");
    g_assert_cmpstr(call, ==, "jal\t80000018");
}

static void test_disas_compressed(void)
{
    assert_disas(0x0808, "addi\ta0,sp,16"); /* c.addi4spn */
    assert_disas(0x60a2, "ld\tra,8(sp)");   /* c.ldsp */
    assert_disas(0x852e, "mv\ta0,a1");      /* c.mv */
    assert_disas(0x952e, "add\ta0,a0,a1");  /* c.add */
    assert_disas(0x8082, "ret");            /* c.jr ra */
    assert_disas(0x9002, "ebreak");         /* c.ebreak */
    assert_disas(0x0001, "nop");            /* c.nop */
    assert_disas(0x8000, ".2byte\t0x8000"); /* quadrant 0, funct3 4: reserved */
}

static void test_disas_short_buffer(void)
{
    uint8_t word[4] = {0x13, 0x05, 0x15, 0x00};
    g_autoptr(GString) out = g_string_new(NULL);

    g_assert_cmpint(riscv_disas(0, word, 3, out), ==, 0);
    g_assert_cmpint(riscv_disas(0, word, 1, out), ==, 0);
    g_assert_cmpint(out->len, ==, 0);
}

/*
 * objdump's line, made comparable: " <symbol+off>" after a target and
 * "# address <symbol>" comments come from the ELF's symbols, which riscv_disas
 * does not see. binutils 2.40 also names I-type and CSR-immediate instructions
 * after their register forms when it prints them ("add a0,a0,1" for addi,
 * "csrrw a5,mscratch,31" for csrrwi); riscv_disas uses the ISA's names, so
 * those become the i-suffixed mnemonic.
 */
static char *objdump_normalize(const char *mnemonic, const char *operands)
{
    static const char *const reg_forms[] = {
        "add",  "and",  "or",   "xor",   "sll",   "srl",   "sra",  "slt",  "sltu", "addw",
        "sllw", "srlw", "sraw", "csrrw", "csrrs", "csrrc", "csrw", "csrs", "csrc",
    };
    g_autoptr(GRegex) sym = g_regex_new(" *(<[^>]*>|#.*)$", 0, 0, NULL);
    g_autofree char *ops = g_regex_replace_literal(sym, operands, -1, 0, "", 0, NULL);
    const char *last = strrchr(ops, ',');
    bool imm_last = last && (g_ascii_isdigit(last[1]) || last[1] == '-');
    g_autofree char *name = g_strdup(mnemonic);

    for (size_t i = 0; imm_last && i < G_N_ELEMENTS(reg_forms); i++) {
        if (!strcmp(name, reg_forms[i])) {
            g_free(name);
            name = strlen(mnemonic) > 3 && mnemonic[strlen(mnemonic) - 1] == 'w' &&
                           strncmp(mnemonic, "csr", 3)
                       ? g_strdup_printf("%.*si%s", (int)strlen(mnemonic) - 1, mnemonic, "w")
                       : g_strdup_printf("%si", mnemonic);
            break;
        }
    }
    return *ops ? g_strdup_printf("%s\t%s", name, ops) : g_steal_pointer(&name);
}

/* Compare one ELF's disassembly; returns the number of instructions compared. */
static int compare_with_objdump(const char *objdump, const char *elf)
{
    const char *argv[] = {objdump, "-d", elf, NULL};
    g_autofree char *dump = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GRegex) line_re = g_regex_new(
        "^ *([0-9a-f]+):\t([0-9a-f]+) *\t([^\t\n]+)(?:\t([^\n]*))?$", G_REGEX_MULTILINE, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;
    int status, compared = 0;

    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               &dump, NULL, &status, &err));
    g_assert_cmpint(status, ==, 0);
    for (g_regex_match(line_re, dump, 0, &m); g_match_info_matches(m); g_match_info_next(m, NULL)) {
        g_autofree char *addr = g_match_info_fetch(m, 1);
        g_autofree char *hex = g_match_info_fetch(m, 2);
        g_autofree char *mnemonic = g_match_info_fetch(m, 3);
        g_autofree char *operands = g_match_info_fetch(m, 4);
        uint32_t word = strtoul(hex, NULL, 16);
        g_autofree char *expected = NULL, *ours = NULL;
        int len;

        /* .word/.short/.byte: data the assembler put in the text (mapping symbols say so) */
        if (!strcmp(mnemonic, ".word") || !strcmp(mnemonic, ".short") ||
            !strcmp(mnemonic, ".byte")) {
            continue;
        }
        expected = objdump_normalize(mnemonic, operands ? operands : "");
        ours = disas_word(strtoull(addr, NULL, 16), word, &len);
        g_assert_cmpint(len, ==, strlen(hex) / 2);
        if (strcmp(ours, expected)) {
            g_test_message("%s at %s (%s): objdump \"%s\", ours \"%s\"", elf, addr, hex, expected,
                           ours);
        }
        g_assert_cmpstr(ours, ==, expected);
        compared++;
    }
    return compared;
}

static void test_disas_matches_objdump(void)
{
    g_autofree char *objdump = g_find_program_in_path("riscv64-linux-gnu-objdump");
    int total = 0;

    if (!objdump) {
        g_test_skip("riscv64-linux-gnu-objdump not installed (binutils-riscv64-linux-gnu)");
        return;
    }
    if (!elf_paths || !elf_paths[0]) {
        g_test_skip("no riscv64 test programs given (riscv64-linux-gnu-gcc missing?)");
        return;
    }
    for (char **p = elf_paths; *p; p++) {
        int n = compare_with_objdump(objdump, *p);

        g_assert_cmpint(n, >, 0); /* the flash programs are a few dozen instructions */
        total += n;
    }
    g_assert_cmpint(total, >, 5000);
    g_test_message("%d instructions identical to objdump's", total);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    elf_paths = argv + 1; /* what g_test_init left: the programs */
    g_test_add_func("/riscv-disas/base-forms", test_disas_base_forms);
    g_test_add_func("/riscv-disas/aliases", test_disas_aliases);
    g_test_add_func("/riscv-disas/branch-targets", test_disas_branch_targets);
    g_test_add_func("/riscv-disas/compressed", test_disas_compressed);
    g_test_add_func("/riscv-disas/short-buffer", test_disas_short_buffer);
    g_test_add_func("/riscv-disas/matches-objdump", test_disas_matches_objdump);
    return g_test_run();
}
