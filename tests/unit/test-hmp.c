/*
 * The human monitor: command parsing and output through a buffer monitor,
 * memory dumps in QEMU's layout over RAM set up here, expressions, a fake CPU
 * for registers, x and x/i, the line editor fed raw terminal bytes, monitors
 * on real chardevs (unix socket, and a mux shared with a serial frontend),
 * and garbage that must never crash it.
 *
 * CPU-less tests come first: the fake CPUs, once registered, stay.
 */
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"
#include "core/cpu.h"
#include "core/qdev.h"
#include "system/main-loop.h"
#include "system/memory.h"
#include "system/runstate.h"
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <glib/gstdio.h>

#define RAM_BASE 0x1000
#define RAM_SIZE 0x1000
#define FAKE_VBASE 0xffff800000000000ull
#define WAIT_MS 5000

static MemoryRegion ram;
static char *tmpdir;

/* Run line on a fresh buffer monitor; the output, to free. */
static char *run(const char *line)
{
    Monitor *mon = monitor_new_buffer();
    char *out;

    hmp_execute_line(mon, line);
    out = g_strdup(monitor_buffer_contents(mon));
    monitor_free(mon);
    return out;
}

#define assert_output(line, expected)                                                              \
    do {                                                                                           \
        g_autofree char *out_ = run(line);                                                         \
        g_assert_cmpstr(out_, ==, expected);                                                       \
    } while (0)

#define assert_output_has(line, needle)                                                            \
    do {                                                                                           \
        g_autofree char *out_ = run(line);                                                         \
        if (!strstr(out_, needle)) {                                                               \
            g_test_message("'%s' gave '%s', which lacks '%s'", line, out_, needle);                \
            g_assert_not_reached();                                                                \
        }                                                                                          \
    } while (0)

static int count_lines(const char *s)
{
    int n = 0;

    for (; *s; s++) {
        n += *s == '\n';
    }
    return n;
}

/* ---- help, info, errors ---- */

static void test_help_lists_every_command_once(void)
{
    g_autofree char *out = run("help");
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    int ncmds = 0;

    while (hmp_commands[ncmds].name) {
        ncmds++;
    }
    g_assert_cmpint(count_lines(out), ==, ncmds);
    for (int i = 0; i < ncmds; i++) {
        g_assert_true(g_str_has_prefix(lines[i], hmp_commands[i].name));
        g_assert_nonnull(strstr(lines[i], " -- "));
    }
    g_assert_nonnull(strstr(out, "\nx /fmt addr -- virtual memory dump starting at 'addr'\n"));
    g_assert_nonnull(strstr(out, "\nc|cont -- resume emulation\n"));
    g_assert_nonnull(strstr(out, "\np|print /fmt expr -- "));

    assert_output("help xp", "xp /fmt addr -- physical memory dump starting at 'addr'\n");
    assert_output("? cont", "c|cont -- resume emulation\n");
    assert_output("help info version", "info version -- show the version of mimic\n");
    assert_output_has("help info", "info registers [-a|vcpu] -- ");
    assert_output("help nosuch", "help: no command 'nosuch'; 'help' lists them all\n");
}

static void test_info_version(void)
{
    assert_output("info version", MIMIC_VERSION "\n");
    assert_output("  info   version  ", MIMIC_VERSION "\n");
}

static void test_unknown_command(void)
{
    assert_output("foo", "unknown command: 'foo'\n");
    assert_output("foo bar baz", "unknown command: 'foo'\n");
    assert_output("", "");
    assert_output("   ", "");
    assert_output("info nosuch", "info: unknown subcommand 'nosuch'; 'info' alone lists them\n");
    assert_output("info version extra",
                  "info version: unexpected argument 'extra'; usage: info version\n");
    assert_output("cpu", "cpu: missing argument 'index'; usage: cpu index\n");
}

static void test_info_lists_subcommands(void)
{
    g_autofree char *out = run("info");
    int nsub = 0;

    while (hmp_info_commands[nsub].name) {
        nsub++;
    }
    g_assert_cmpint(count_lines(out), ==, nsub);
    g_assert_true(g_str_has_prefix(out, "info version -- show the version of mimic\n"));
    g_assert_nonnull(strstr(out, "\ninfo mtree [-f] -- "));
    g_assert_nonnull(strstr(out, "\ninfo history -- "));
}

static void test_info_status(void)
{
    g_assert_cmpint(runstate_get(), ==, RUN_STATE_PRELAUNCH);
    assert_output("info status", "VM status: paused (prelaunch)\n");
}

static void test_info_text_commands(void)
{
    assert_output("info kvm", "kvm support: disabled\n");
    assert_output_has("info mtree", "system");
    g_free(run("info qtree"));
    g_free(run("info chardev"));
    g_free(run("info pci"));
    assert_output("nmi", "nmi: no CPU is running yet to take an NMI\n");
}

/* ---- print and expressions ---- */

static void test_print_expressions(void)
{
    assert_output("p 1+2*3", "7\n");
    assert_output("print (1+2)*3", "9\n");
    assert_output("p/x 255", "0xff\n");
    assert_output("p /x 0", "0x0\n");
    assert_output("p/o 8", "010\n");
    assert_output("p/u -1", "18446744073709551615\n");
    assert_output("p -1", "-1\n");
    assert_output("p/x -1", "0xffffffffffffffff\n");
    assert_output("p/c 65", "'A'\n");
    assert_output("p 0x10 + 010", "26\n"); /* a leading 0 is decimal, not octal */
    assert_output("p 1 << 4 | 1", "17\n");
    assert_output("p 0xff00 >> 8 & 0xf", "15\n");
    assert_output("p 6 ^ 3", "5\n");
    assert_output("p ~0 & 0xff", "255\n");
    assert_output("p 7 / 2 * 2 + 7 % 2", "7\n");
    assert_output("p -7 / 2", "-3\n");
    assert_output("p 1 << 64", "0\n");
    assert_output("p 0x8000000000000000 / -1", "-9223372036854775808\n");
    assert_output("p 18446744073709551615", "-1\n");
}

static void test_print_errors(void)
{
    assert_output("p 1+",
                  "p: expected a number, a $register or '(' at the end of the expression\n");
    assert_output("p (1+2", "p: expected ')' at the end of the expression\n");
    assert_output("p 1 2", "p: unexpected argument '2'; usage: p /fmt expr\n");
    assert_output("p 12abc", "p: invalid number '12abc'; use decimal or 0x-prefixed hex\n");
    assert_output("p 5/0", "p: division by zero\n");
    assert_output("p 99999999999999999999", "p: number at '99999999999999999999' does not fit "
                                            "in 64 bits\n");
    assert_output("p $rip", "p: no CPU to read $rip from\n");
    assert_output("p $", "p: expected a register name after '$' at the end of the expression\n");
    assert_output("p/i 1", "p: format 'i' does not apply to a value; use x, d, u, o or c\n");
    assert_output("p/z 1", "p: invalid format 'z'; use /[count][format][size] with format x, d, "
                           "u, o, c, i or s and size b, h, w or g\n");
    assert_output("p", "p: missing argument 'val'; usage: p /fmt expr\n");

    /* Nesting is bounded rather than recursing until the stack runs out. */
    {
        g_autofree char *deep = g_strnfill(100000, '(');
        g_autofree char *line = g_strconcat("p ", deep, "1", NULL);
        g_autofree char *out = run(line);
        g_autofree char *minus = g_strnfill(100000, '-');
        g_autofree char *line2 = g_strconcat("p ", minus, "1", NULL);
        g_autofree char *out2 = run(line2);

        g_assert_nonnull(strstr(out, "nested too deeply"));
        g_assert_nonnull(strstr(out2, "nested too deeply"));
    }
}

/* ---- xp on RAM set up here ---- */

static void setup_ram(void)
{
    g_autoptr(GError) err = NULL;
    uint8_t *p;

    g_assert_true(memory_region_init_ram(&ram, "test-ram", RAM_SIZE, &err));
    g_assert_no_error(err);
    memory_region_add_subregion(get_system_memory(), RAM_BASE, &ram);
    p = memory_region_get_ram_ptr(&ram);
    for (int i = 0; i < 0x100; i++) {
        p[i] = i;
    }
    memcpy(p + 0x100, "hello, \"monitor\"\n", 18);
    memcpy(p + 0x120, "one\0two\0", 8);
    /* Multiboot header magic and flags, as at 0x100000 in a real kernel. */
    memcpy(p + 0x140, "\x02\xb0\xad\x1b\x03\x00\x01\x00", 8);
    /* x86: nop; ret; xor %eax,%eax; */
    memcpy(p + 0x200, "\x90\xc3\x31\xc0", 4);
    /* 64-bit: xorq %rax,%rax; 32-bit: decl %eax; 16-bit: decw %ax. */
    memcpy(p + 0x210, "\x48\x31\xc0", 3);
    memset(p + RAM_SIZE - 4, 'z', 4); /* a string running into unmapped memory */
}

static void test_xp_layout(void)
{
    assert_output("xp /4xb 0x1000", "0000000000001000: 0x00 0x01 0x02 0x03\n");
    assert_output("xp/4xb 0x1000", "0000000000001000: 0x00 0x01 0x02 0x03\n");
    assert_output("xp /2xg 0x1000", "0000000000001000: 0x0706050403020100 0x0f0e0d0c0b0a0908\n");
    assert_output("xp /2xw 0x1140", "0000000000001140: 0x1badb002 0x00010003\n");
    assert_output("xp /3xh 0x1000", "0000000000001000: 0x0100 0x0302 0x0504\n");
    assert_output("xp /10xb 0x1000", "0000000000001000: 0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07\n"
                                     "0000000000001008: 0x08 0x09\n");
    assert_output("xp /6xw 0x1000",
                  "0000000000001000: 0x03020100 0x07060504 0x0b0a0908 0x0f0e0d0c\n"
                  "0000000000001010: 0x13121110 0x17161514\n");
    assert_output("xp /2ub 0x10fe", "00000000000010fe: 254 255\n");
    assert_output("xp /2db 0x10fe", "00000000000010fe:   -2   -1\n");
    assert_output("xp /2dw 0x1000", "0000000000001000:    50462976   117835012\n");
    assert_output("xp /1ob 0x1008", "0000000000001008: 010\n");
    assert_output("xp /4c 0x1100", "0000000000001100: 'h' 'e' 'l' 'l'\n");
    assert_output("xp /1xb 0x1000+4*2", "0000000000001008: 0x08\n");
    assert_output("xp /1xb 0x200000", "0000000000200000: Cannot access memory\n");
    assert_output("xp /0xb 0x1000", "");
    assert_output("xp /4z 0x1000", "xp: invalid format 'z'; use /[count][format][size] with format "
                                   "x, d, u, o, c, i or s and size b, h, w or g\n");
    assert_output("xp /99999999999999xb 0x1000",
                  "xp: count is too large; at most 65536 units at a time\n");
    assert_output("xp", "xp: missing argument 'addr'; usage: xp /fmt addr\n");
}

static void test_xp_sticky_format(void)
{
    Monitor *mon = monitor_new_buffer();

    /* Without a /fmt, x and xp reuse the last format and size (QEMU, gdb). */
    hmp_execute_line(mon, "xp 0x1000");
    g_assert_cmpstr(monitor_buffer_contents(mon), ==, "0000000000001000: 0x03020100\n");
    monitor_buffer_clear(mon);
    hmp_execute_line(mon, "xp /2ub 0x1000");
    hmp_execute_line(mon, "xp 0x1004");
    hmp_execute_line(mon, "xp /x 0x1004");
    g_assert_cmpstr(monitor_buffer_contents(mon), ==,
                    "0000000000001000:   0   1\n"
                    "0000000000001004:   4\n"
                    "0000000000001004: 0x04\n");
    monitor_free(mon);
}

static void test_xp_strings(void)
{
    assert_output("xp /s 0x1100", "0000000000001100: \"hello, \\\"monitor\\\"\\n\"\n");
    assert_output("xp /2s 0x1120", "0000000000001120: \"one\"\n0000000000001124: \"two\"\n");
    assert_output("xp /s 0x1ffc", "0000000000001ffc: \"zzzz\" <cannot access memory after this>\n");
    assert_output("xp /s 0x5000", "0000000000005000: Cannot access memory\n");
}

static void test_no_cpu_errors(void)
{
    g_assert_cmpint(cpu_count, ==, 0);
    assert_output("x /4xb 0x1000",
                  "x: no CPU to translate virtual addresses; use xp for physical memory\n");
    assert_output("xp /2i 0x1200", "xp: no CPU to tell which instruction set to disassemble\n");
    assert_output("cpu 7", "cpu: no CPU 7; the machine has none\n");
    assert_output("info registers", "info registers: the machine has no CPU\n");
    assert_output("info cpus", "");
}

/* ---- a fake CPU ---- */

typedef struct FakeCPU {
    CPUState parent;
    uint64_t rip;
} FakeCPU;

/* Protected mode with paging: 64-bit code, since the fake CPU shows no EFER or CR4. */
#define FAKE_CR0_LONG 0x80000011
static uint64_t fake_cr0 = FAKE_CR0_LONG;

static void fake_dump_state(CPUState *cpu, GString *out)
{
    g_string_append_printf(out, "FAKE%d RIP=%016" PRIx64 "\n", cpu->index, ((FakeCPU *)cpu)->rip);
}

static uint64_t fake_get_pc(CPUState *cpu)
{
    return ((FakeCPU *)cpu)->rip;
}

/* Virtual FAKE_VBASE + p maps physical p. */
static bool fake_memory_rw_debug(CPUState *cpu, uint64_t vaddr, void *buf, size_t len,
                                 bool is_write)
{
    if (vaddr < FAKE_VBASE || is_write) {
        return false;
    }
    return address_space_read(&address_space_memory, vaddr - FAKE_VBASE, buf, len) == MEMTX_OK;
}

static bool fake_get_register(CPUState *cpu, const char *name, uint64_t *value)
{
    if (!strcmp(name, "rip") || !strcmp(name, "pc")) {
        *value = ((FakeCPU *)cpu)->rip;
    } else if (!strcmp(name, "eax")) {
        *value = 0x1234;
    } else if (!strcmp(name, "cr0")) {
        *value = fake_cr0;
    } else {
        return false;
    }
    return true;
}

static const CPUClass fake_cpu_class = {
    .arch = "x86_64",
    .dump_state = fake_dump_state,
    .get_pc = fake_get_pc,
    .memory_rw_debug = fake_memory_rw_debug,
    .get_register = fake_get_register,
};

static void ensure_fake_cpus(void)
{
    static FakeCPU fake[2];

    if (cpu_count) {
        return;
    }
    for (int i = 0; i < 2; i++) {
        fake[i].parent.cc = &fake_cpu_class;
        fake[i].rip = 0x1008 + i;
        cpu_register(&fake[i].parent);
    }
    mon_set_current_cpu(0);
}

static void test_cpu_registers_and_expressions(void)
{
    ensure_fake_cpus();
    assert_output("p $rip", "4104\n");
    assert_output("p/x $eax + 1", "0x1235\n");
    assert_output("p $nosuch", "p: no register $nosuch on x86_64; e.g. $pc\n");
    assert_output("info registers", "FAKE0 RIP=0000000000001008\n");
    assert_output("info registers 1", "FAKE1 RIP=0000000000001009\n");
    assert_output("info registers -a",
                  "\nCPU#0\nFAKE0 RIP=0000000000001008\n\nCPU#1\nFAKE1 RIP=0000000000001009\n");
    assert_output("info registers 5", "info registers: no CPU 5; CPUs are numbered 0 to 1\n");
}

static void test_cpu_select(void)
{
    ensure_fake_cpus();
    assert_output("info cpus", "* CPU #0:\n  CPU #1:\n");
    assert_output("cpu 7", "cpu: no CPU 7; there are 2\n");
    assert_output("cpu -1", "cpu: no CPU -1; there are 2\n");
    assert_output("cpu 1", "");
    assert_output("info cpus", "  CPU #0:\n* CPU #1:\n");
    assert_output("p/x $pc", "0x1009\n");
    assert_output("cpu 0", "");
}

static void test_x_virtual(void)
{
    ensure_fake_cpus();
    assert_output("x /4xb 0xffff800000001000", "ffff800000001000: 0x00 0x01 0x02 0x03\n");
    assert_output("x /2xw 0xffff800000001140", "ffff800000001140: 0x1badb002 0x00010003\n");
    assert_output("x /s 0xffff800000001120", "ffff800000001120: \"one\"\n");
    assert_output("x /xb 0x1000", "0000000000001000: Cannot access memory\n");
}

static void test_x_disassembles(void)
{
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;

    ensure_fake_cpus();
    out = run("x /3i 0xffff800000001200");
    lines = g_strsplit(out, "\n", -1);
    g_assert_cmpint(count_lines(out), ==, 3);
    g_assert_true(g_str_has_prefix(lines[0], "0xffff800000001200:  90 "));
    g_assert_nonnull(strstr(lines[0], "nop"));
    g_assert_true(g_str_has_prefix(lines[1], "0xffff800000001201:  c3 "));
    g_assert_nonnull(strstr(lines[1], "ret"));
    g_assert_true(g_str_has_prefix(lines[2], "0xffff800000001202:  31 c0 "));
    g_assert_nonnull(strstr(lines[2], "xorl"));
    g_assert_nonnull(strstr(lines[2], "%eax, %eax"));

    /* The instruction set follows the CPU's mode, or the /ih /iw /ig override. */
    g_free(out);
    out = run("xp /1i 0x1210");
    g_assert_nonnull(strstr(out, "xorq"));
    fake_cr0 = 0x11; /* protected mode, no paging */
    g_free(out);
    out = run("xp /1i 0x1210");
    g_assert_nonnull(strstr(out, "decl"));
    fake_cr0 = 0x10; /* real mode */
    g_free(out);
    out = run("xp /1i 0x1210");
    g_assert_nonnull(strstr(out, "decw"));
    g_free(out);
    out = run("xp /1ig 0x1210");
    g_assert_nonnull(strstr(out, "xorq"));
    fake_cr0 = FAKE_CR0_LONG;

    /* Physical, forced to 16-bit code: 31 c0 is xorw %ax, %ax. */
    g_free(out);
    out = run("xp /1ih 0x1202");
    g_assert_nonnull(strstr(out, "xorw"));
    assert_output("xp /1i 0x300000", "0x00300000:  Cannot access memory\n");
}

static void test_stop_cont_status(void)
{
    ensure_fake_cpus();
    assert_output("stop", "");
    assert_output("info status", "VM status: paused (prelaunch)\n");
    assert_output("c", "");
    assert_output("info status", "VM status: running\n");
    /* While running, register reads pause the (fake) vCPUs around the read. */
    assert_output("p/x $rip", "0x1008\n");
    g_assert_false(cpus[0]->stop);
    assert_output("stop", "");
    assert_output("info status", "VM status: paused\n");
    assert_output("cont", "");
    assert_output("stop", "");
}

/* ---- readline ---- */

typedef struct RLTest {
    ReadLineState *rs;
    GString *echo;
    GPtrArray *lines;
} RLTest;

static void rlt_print(void *opaque, const char *text)
{
    g_string_append(((RLTest *)opaque)->echo, text);
}

static void rlt_exec(void *opaque, const char *line)
{
    g_ptr_array_add(((RLTest *)opaque)->lines, g_strdup(line));
}

static void rlt_complete(void *opaque, const char *line, GPtrArray *out)
{
    hmp_complete(NULL, line, out);
}

static RLTest *rlt_new(void)
{
    RLTest *t = g_new0(RLTest, 1);

    t->rs = readline_new(rlt_print, rlt_exec, rlt_complete, t);
    readline_set_prompt(t->rs, "(mimic) ");
    t->echo = g_string_new(NULL);
    t->lines = g_ptr_array_new_with_free_func(g_free);
    return t;
}

static void rlt_free(RLTest *t)
{
    readline_free(t->rs);
    g_string_free(t->echo, TRUE);
    g_ptr_array_unref(t->lines);
    g_free(t);
}

static void rlt_type(RLTest *t, const char *bytes)
{
    for (const char *p = bytes; *p; p++) {
        readline_handle_byte(t->rs, (uint8_t)*p);
    }
}

/* Type bytes, then Enter; the line that was executed must be expected. */
static void rlt_expect(RLTest *t, const char *bytes, const char *expected)
{
    guint before = t->lines->len;

    rlt_type(t, bytes);
    rlt_type(t, "\r");
    g_assert_cmpuint(t->lines->len, ==, before + 1);
    g_assert_cmpstr(g_ptr_array_index(t->lines, before), ==, expected);
}

static void test_readline_editing(void)
{
    RLTest *t = rlt_new();

    rlt_expect(t, "info version", "info version");
    rlt_expect(t, "infx\x7fo", "info");
    rlt_expect(t, "infx\bo", "info");
    /* Left arrow, then insert in the middle. */
    rlt_expect(t, "info vrsion\x1b[D\x1b[D\x1b[D\x1b[D\x1b[De", "info version");
    rlt_expect(t, "info vrsion\x1b[D\x1b[D\x1b[D\x1b[D\x1b[D\x1b[C\x1b[De", "info version");
    rlt_expect(t, "info verxsion\x1b[D\x1b[D\x1b[D\x1b[D\x7f", "info version");
    rlt_expect(t, "garbage\x15info status", "info status");
    rlt_expect(t, "abcdef\x1b[D\x1b[D\x1b[D\x15", "def");
    rlt_expect(t, "abcdef\x1b[D\x1b[D\x1b[D\x0b", "abc");
    rlt_expect(t, "info  version\x17\x17", "");
    rlt_expect(t, "one two\x17three", "one three");
    /* Home and End in their several spellings. */
    rlt_expect(t, "world\x1b[Hhello \x1b[F!", "hello world!");
    rlt_expect(t, "b\x1b[1~a\x1b[4~c", "abc");
    rlt_expect(t, "b\x1bOHa\x1bOFc", "abc");
    rlt_expect(t,
               "b\x01"
               "a\x05"
               "c",
               "abc");
    rlt_expect(t, "b\x1b[7~a\x1b[8~c", "abc");
    /* Delete under the cursor: ESC[3~ and Ctrl-D. */
    rlt_expect(t, "axbc\x1b[H\x1b[C\x1b[3~", "abc");
    rlt_expect(t, "axbc\x1b[H\x06\x04", "abc");
    /* An unknown sequence is swallowed whole; a modifier sequence still moves. */
    rlt_expect(t, "ab\x1b[99zc\x1b[1;5D\x1b[1;5D!", "a!bc");
    /* Only printable ASCII enters the line. */
    rlt_expect(t,
               "a\x80\xff\x7f"
               "b",
               "b");
    rlt_free(t);
}

static void test_readline_enter_variants(void)
{
    RLTest *t = rlt_new();

    rlt_type(t, "a\r\nb\nc\r\r");
    g_assert_cmpuint(t->lines->len, ==, 4);
    g_assert_cmpstr(t->lines->pdata[0], ==, "a");
    g_assert_cmpstr(t->lines->pdata[1], ==, "b");
    g_assert_cmpstr(t->lines->pdata[2], ==, "c");
    g_assert_cmpstr(t->lines->pdata[3], ==, "");
    rlt_free(t);
}

static void test_readline_history(void)
{
    RLTest *t = rlt_new();

    rlt_expect(t, "first", "first");
    rlt_expect(t, "second", "second");
    rlt_expect(t, "\x1b[A", "second");
    /* "second" is not stored twice: two steps up reach "first". */
    rlt_expect(t, "\x1b[A\x1b[A", "first");
    rlt_expect(t, "\x1b[A\x1b[A\x1b[A\x1b[A\x1b[B", "first"); /* stops at the oldest */
    rlt_expect(t, "\x10 again", "first again");
    /* Down past the newest entry gives back what was being typed. */
    rlt_expect(t, "draft\x1b[A\x1b[A\x1b[B\x1b[B", "draft");
    rlt_expect(t, "\x1b[B", "");
    g_assert_cmpstr(readline_get_history(t->rs, 0), ==, "second");
    g_assert_cmpstr(readline_get_history(t->rs, 1), ==, "first");
    g_assert_cmpstr(readline_get_history(t->rs, 2), ==, "first again");
    g_assert_cmpstr(readline_get_history(t->rs, 3), ==, "draft");
    g_assert_null(readline_get_history(t->rs, 4));

    /* Bounded: the oldest entries go. */
    for (int i = 0; i < 100; i++) {
        g_autofree char *line = g_strdup_printf("line %d", i);
        rlt_expect(t, line, line);
    }
    g_assert_cmpstr(readline_get_history(t->rs, 0), ==, "line 36");
    g_assert_cmpstr(readline_get_history(t->rs, READLINE_MAX_HISTORY - 1), ==, "line 99");
    g_assert_null(readline_get_history(t->rs, READLINE_MAX_HISTORY));
    rlt_free(t);
}

/* A device the completion of device_add (its class) and device_del (its ids) can offer. */
static DeviceClass completion_test_class = {
    .name = "completion-test-dev",
    .desc = "a device for completion tests",
    .instance_size = sizeof(DeviceState),
    .bus_type = BUS_SYSTEM,
    .user_creatable = true,
};

static void test_readline_completion(void)
{
    RLTest *t = rlt_new();

    rlt_expect(t, "inf\t", "info ");
    rlt_expect(t, "inf\tve\t", "info version ");
    rlt_expect(t, "help inf\tre\t", "help info registers ");
    g_string_truncate(t->echo, 0);
    rlt_expect(t, "x\t", "x"); /* "x" and "xp": listed, nothing to add */
    g_assert_nonnull(strstr(t->echo->str, "\nx   xp\n(mimic) x"));

    g_string_truncate(t->echo, 0);
    rlt_type(t, "sy\t");
    /* Extended to the common prefix, and both listed, then the prompt and line again. */
    g_assert_nonnull(strstr(t->echo->str, "system_powerdown"));
    g_assert_nonnull(strstr(t->echo->str, "system_reset"));
    g_assert_true(g_str_has_suffix(t->echo->str, "(mimic) system_"));
    rlt_expect(t, "r\t", "system_reset ");
    rlt_expect(t, "nosuch\t", "nosuch");
    rlt_expect(t, "info version extra\t", "info version extra");
    /* Completion in mid-line completes the word before the cursor. */
    rlt_expect(t, "inf version\x1b[H\x1b[C\x1b[C\x1b[C\t", "info  version");
    /* Arguments: key names after the last '-', device drivers. */
    rlt_expect(t, "sendkey ctrl-alt-del\t", "sendkey ctrl-alt-delete ");
    rlt_expect(t, "sendkey backsp\t", "sendkey backspace ");
    device_class_register(&completion_test_class);
    rlt_expect(t, "device_add completion-t\t", "device_add completion-test-dev ");
    rlt_expect(t, "device_add completion-test-dev,i\t", "device_add completion-test-dev,i");
    g_assert_nonnull(qdev_device_add("completion-test-dev,id=disk-ctl", NULL));
    rlt_expect(t, "device_del dis\t", "device_del disk-ctl ");
    rlt_free(t);
}

static void test_readline_echo(void)
{
    RLTest *t = rlt_new();

    readline_show_prompt(t->rs);
    rlt_type(t, "ab");
    g_assert_cmpstr(t->echo->str, ==, "(mimic) ab");
    g_string_truncate(t->echo, 0);
    rlt_type(t, "\x1b[D");
    g_assert_cmpstr(t->echo->str, ==, "\033[1D");
    g_string_truncate(t->echo, 0);
    rlt_type(t, "X");
    /* Inserted mid-line: X and the rest are rewritten, then the cursor goes back. */
    g_assert_cmpstr(t->echo->str, ==, "Xb\033[1D");
    g_string_truncate(t->echo, 0);
    rlt_type(t, "\x15");
    g_assert_cmpstr(t->echo->str, ==, "\033[2Db\033[K\033[1D");
    g_string_truncate(t->echo, 0);
    rlt_type(t, "\r");
    g_assert_cmpstr(t->echo->str, ==, "\n(mimic) ");
    rlt_free(t);
}

static void test_monitor_feed_runs_commands(void)
{
    Monitor *mon = monitor_new_buffer();

    monitor_feed_input(mon, (const uint8_t *)"inf\tve\t\r", 8);
    g_assert_nonnull(strstr(monitor_buffer_contents(mon), "\n" MIMIC_VERSION "\n(mimic) "));
    monitor_buffer_clear(mon);
    hmp_execute_line(mon, "info history");
    g_assert_cmpstr(monitor_buffer_contents(mon), ==, "0: 'info version '\n");
    monitor_free(mon);
}

/* ---- monitors on real chardevs ---- */

static gboolean set_flag(gpointer opaque)
{
    *(bool *)opaque = true;
    return G_SOURCE_REMOVE;
}

static int unix_connect(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    g_strlcpy(sa.sun_path, path, sizeof(sa.sun_path));
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
    return fd;
}

/* Run the main loop and read fd into acc until acc holds needle (or time runs out). */
static bool peer_read_until(int fd, GString *acc, const char *needle)
{
    bool timed_out = false;
    guint id = g_timeout_add(WAIT_MS, set_flag, &timed_out);

    while (!strstr(acc->str, needle) && !timed_out) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char buf[512];

        g_main_context_iteration(NULL, FALSE);
        if (poll(&pfd, 1, 10) == 1) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n <= 0) {
                break;
            }
            g_string_append_len(acc, buf, n);
        }
    }
    if (!timed_out) {
        g_source_remove(id);
    }
    if (!strstr(acc->str, needle)) {
        g_test_message("waited for '%s', got '%s'", needle, acc->str);
        return false;
    }
    return true;
}

/* Whatever arrives within ms. */
static void peer_drain(int fd, GString *acc, int ms)
{
    gint64 end = g_get_monotonic_time() + ms * 1000;

    while (g_get_monotonic_time() < end) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        char buf[512];

        g_main_context_iteration(NULL, FALSE);
        if (poll(&pfd, 1, 5) == 1) {
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n <= 0) {
                return;
            }
            g_string_append_len(acc, buf, n);
        }
    }
}

static void peer_send(int fd, const char *s)
{
    g_assert_cmpint(write(fd, s, strlen(s)), ==, (ssize_t)strlen(s));
}

#define BANNER "mimic " MIMIC_VERSION " monitor - type 'help' for more information\r\n"

static void test_monitor_on_unix_socket(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "mon.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) got = g_string_new(NULL);
    Chardev *chr = chardev_new_legacy("montest", spec, &err);
    Monitor *mon;
    int fd;

    g_assert_no_error(err);
    mon = monitor_new_hmp(chr, true, &err);
    g_assert_no_error(err);

    fd = unix_connect(path);
    g_assert_true(peer_read_until(fd, got, "(mimic) "));
    g_assert_cmpstr(got->str, ==, BANNER "(mimic) ");

    g_string_truncate(got, 0);
    peer_send(fd, "info ver\tx\x7f\r\n");
    g_assert_true(peer_read_until(fd, got, "\r\n(mimic) "));
    g_assert_cmpstr(got->str, ==, "info version x\033[1D\033[K\r\n" MIMIC_VERSION "\r\n(mimic) ");

    /* A client that goes away mid-line; the next one is greeted afresh. */
    peer_send(fd, "info sta");
    peer_drain(fd, got, 50);
    close(fd);
    fd = unix_connect(path);
    g_string_truncate(got, 0);
    g_assert_true(peer_read_until(fd, got, "(mimic) "));
    g_assert_cmpstr(got->str, ==, BANNER "(mimic) ");
    g_string_truncate(got, 0);
    peer_send(fd, "tus\r");
    g_assert_true(peer_read_until(fd, got, "(mimic) "));
    g_assert_cmpstr(got->str, ==, "tus\r\nunknown command: 'tus'\r\n(mimic) ");

    close(fd);
    monitor_free(mon);
    chardev_close_all();
}

static int serial_can_read(void *opaque)
{
    return 64;
}

static void serial_read(void *opaque, const uint8_t *buf, int size)
{
    g_string_append_len(opaque, (const char *)buf, size);
}

static void test_monitor_on_mux(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "mux.sock", NULL);
    g_autofree char *spec = g_strdup_printf("mon:unix:%s,server=on,wait=off", path);
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) got = g_string_new(NULL);
    g_autoptr(GString) serial_in = g_string_new(NULL);
    Chardev *mux = chardev_new_legacy("muxtest", spec, &err);
    CharFrontend serial = {0};
    Monitor *mon;
    int fd;

    g_assert_no_error(err);
    /* As -nographic: the serial port attaches first and keeps the focus. */
    g_assert_true(chr_fe_init(&serial, mux, &err));
    chr_fe_set_handlers(&serial, serial_can_read, serial_read, NULL, serial_in);
    mon = monitor_new_hmp(mux, true, &err);
    g_assert_no_error(err);

    fd = unix_connect(path);
    peer_drain(fd, got, 100);
    g_assert_cmpstr(got->str, ==, ""); /* the monitor keeps quiet in the background */
    peer_send(fd, "guest");
    peer_drain(fd, got, 50);
    g_assert_cmpstr(serial_in->str, ==, "guest");

    /* Ctrl-A c: the monitor greets on its first focus. */
    peer_send(fd, "\x01"
                  "c");
    g_assert_true(peer_read_until(fd, got, "(mimic) "));
    g_assert_cmpstr(got->str, ==, BANNER "(mimic) ");
    g_string_truncate(got, 0);
    peer_send(fd, "info version\r");
    g_assert_true(peer_read_until(fd, got, "\r\n(mimic) "));
    g_assert_cmpstr(got->str, ==, "info version\r\n" MIMIC_VERSION "\r\n(mimic) ");

    /* Away (the line is ended), typing reaches the guest, back (the prompt again). */
    g_string_truncate(got, 0);
    peer_send(fd, "p 1");
    g_assert_true(peer_read_until(fd, got, "p 1"));
    peer_send(fd, "\x01"
                  "c");
    g_assert_true(peer_read_until(fd, got, "p 1\r\n"));
    peer_send(fd, "more");
    peer_drain(fd, got, 50);
    g_assert_cmpstr(serial_in->str, ==, "guestmore");
    g_string_truncate(got, 0);
    peer_send(fd, "\x01"
                  "c");
    g_assert_true(peer_read_until(fd, got, "(mimic) p 1"));
    g_assert_cmpstr(got->str, ==, "(mimic) p 1");
    g_string_truncate(got, 0);
    peer_send(fd, "+1\r");
    g_assert_true(peer_read_until(fd, got, "2\r\n(mimic) "));

    close(fd);
    monitor_free(mon);
    chr_fe_deinit(&serial);
    chardev_close_all();
}

static void test_monitor_without_readline(void)
{
    g_autofree char *path = g_build_filename(tmpdir, "raw.sock", NULL);
    g_autofree char *spec = g_strdup_printf("unix:%s,server=on,wait=off", path);
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) got = g_string_new(NULL);
    Chardev *chr = chardev_new_legacy("rawtest", spec, &err);
    Monitor *mon;
    int fd;

    g_assert_no_error(err);
    mon = monitor_new_hmp(chr, false, &err);
    g_assert_no_error(err);
    fd = unix_connect(path);
    g_assert_true(peer_read_until(fd, got, BANNER));
    g_string_truncate(got, 0);
    peer_send(fd, "p 2*21\r\ninfo version\n");
    g_assert_true(peer_read_until(fd, got, MIMIC_VERSION "\r\n"));
    g_assert_cmpstr(got->str, ==, "42\r\n" MIMIC_VERSION "\r\n");
    close(fd);
    monitor_free(mon);
    chardev_close_all();

    g_assert_null(monitor_new_hmp(NULL, true, &err));
    g_assert_nonnull(err);
}

/* ---- garbage ---- */

static void test_garbage_lines_never_crash(void)
{
    static const char *const seeds[] = {
        "x /4xb 0xffff800000001000",
        "xp /2xg 0x1000",
        "p 1+2*3",
        "info registers -a",
        "help info",
        "cpu 1",
        "p/x $rip + ($eax << 2)",
        "xp /3i 0x1200",
        "x /2s 0xffff800000001120",
        "info mtree -f",
        "xp /s 0x1ffc",
        "print /c 0x41",
        "help help",
        "info",
        "? x",
        "xp /10xh 0x1ff8",
        "x /3ig 0xffff800000001200",
        "device_del nosuch",
        "info cpus",
    };
    static const char alphabet[] = "xp/0123456789abcdefghiw $()+-*&|^~<>\"\\ info\t";
    Monitor *mon = monitor_new_buffer();

    ensure_fake_cpus();
    for (int i = 0; i < 3000; i++) {
        g_autoptr(GString) line = g_string_new(NULL);
        int len = g_test_rand_int_range(0, 64);

        if (i % 2) {
            for (int k = 0; k < len; k++) {
                g_string_append_c(line, (char)g_test_rand_int_range(1, 256));
            }
        } else {
            g_string_assign(line, seeds[g_test_rand_int_range(0, G_N_ELEMENTS(seeds))]);
            for (int k = g_test_rand_int_range(1, 4); k > 0; k--) {
                int pos = g_test_rand_int_range(0, (int)line->len + 1);
                char c = alphabet[g_test_rand_int_range(0, sizeof(alphabet) - 1)];

                switch (g_test_rand_int_range(0, 3)) {
                case 0:
                    g_string_insert_c(line, pos, c);
                    break;
                case 1:
                    if (pos < (int)line->len) {
                        line->str[pos] = c;
                    }
                    break;
                default:
                    if (pos < (int)line->len) {
                        g_string_erase(line, pos, 1);
                    }
                    break;
                }
            }
        }
        hmp_execute_line(mon, line->str);
        monitor_buffer_clear(mon);
    }
    monitor_free(mon);
    mon_set_current_cpu(0);
}

static void test_garbage_bytes_never_crash(void)
{
    Monitor *mon = monitor_new_buffer();
    g_autofree uint8_t *bytes = g_malloc(64 * 1024);
    g_autofree char *longline = g_strnfill(10000, 'a');

    ensure_fake_cpus();
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 64 * 1024; i++) {
            /* Weight the bytes the editor treats specially. */
            static const uint8_t special[] = {0x1b, '[', 'O', '\t', '\r', '\n', 0x7f, 0x08, '~',
                                              '1',  '3', 'A', 'B',  'C',  'D',  0x15, 0x17, 0x0b};
            bytes[i] = g_test_rand_int_range(0, 4) ? special[g_test_rand_int_range(0, 18)]
                                                   : (uint8_t)g_test_rand_int_range(0, 256);
        }
        monitor_feed_input(mon, bytes, 64 * 1024);
        monitor_buffer_clear(mon);
    }
    /* A line longer than the editor's buffer is cut, not overrun. */
    monitor_feed_input(mon, (const uint8_t *)longline, strlen(longline));
    monitor_feed_input(mon, (const uint8_t *)"\x1b[H\x15\r", 5);
    monitor_free(mon);
    mon_set_current_cpu(0);
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-hmp-XXXXXX", &err);
    g_assert_no_error(err);
    memory_map_init();
    setup_ram();
    bql_lock(); /* the monitor runs with the big lock held */

    g_test_add_func("/hmp/help/lists-every-command-once", test_help_lists_every_command_once);
    g_test_add_func("/hmp/info/version", test_info_version);
    g_test_add_func("/hmp/errors/unknown-command", test_unknown_command);
    g_test_add_func("/hmp/info/lists-subcommands", test_info_lists_subcommands);
    g_test_add_func("/hmp/info/status", test_info_status);
    g_test_add_func("/hmp/info/text-commands", test_info_text_commands);
    g_test_add_func("/hmp/print/expressions", test_print_expressions);
    g_test_add_func("/hmp/print/errors", test_print_errors);
    g_test_add_func("/hmp/xp/qemu-layout", test_xp_layout);
    g_test_add_func("/hmp/xp/sticky-format", test_xp_sticky_format);
    g_test_add_func("/hmp/xp/strings", test_xp_strings);
    g_test_add_func("/hmp/no-cpu/errors", test_no_cpu_errors);
    g_test_add_func("/hmp/cpu/registers-and-expressions", test_cpu_registers_and_expressions);
    g_test_add_func("/hmp/cpu/select", test_cpu_select);
    g_test_add_func("/hmp/cpu/x-virtual", test_x_virtual);
    g_test_add_func("/hmp/cpu/x-disassembles", test_x_disassembles);
    g_test_add_func("/hmp/cpu/stop-cont-status", test_stop_cont_status);
    g_test_add_func("/hmp/readline/editing", test_readline_editing);
    g_test_add_func("/hmp/readline/enter-variants", test_readline_enter_variants);
    g_test_add_func("/hmp/readline/history", test_readline_history);
    g_test_add_func("/hmp/readline/completion", test_readline_completion);
    g_test_add_func("/hmp/readline/echo", test_readline_echo);
    g_test_add_func("/hmp/readline/feeds-commands", test_monitor_feed_runs_commands);
    g_test_add_func("/hmp/chardev/unix-socket", test_monitor_on_unix_socket);
    g_test_add_func("/hmp/chardev/mux", test_monitor_on_mux);
    g_test_add_func("/hmp/chardev/without-readline", test_monitor_without_readline);
    g_test_add_func("/hmp/garbage/lines", test_garbage_lines_never_crash);
    g_test_add_func("/hmp/garbage/bytes", test_garbage_bytes_never_crash);

    ret = g_test_run();
    bql_unlock();
    g_rmdir(tmpdir);
    return ret;
}
