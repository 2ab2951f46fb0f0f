/*
 * x, xp and print: guest memory and values for people, in QEMU's layout
 * (monitor/misc.c memory_dump() and hmp_print()):
 *
 *   (mimic) xp /4xw 0x100000
 *   0000000000100000: 0x1badb002 0x00010003 0xe4514ffb 0x00100000
 *
 * The format is /[count][format][size]: formats x d u o c (values), i
 * (instructions, disassembled by the CPU class or capstone) and s (NUL-terminated strings);
 * sizes b h w g. Without a /fmt, x and xp reuse the last format and size, as
 * in QEMU and gdb. A line holds 8 bytes' worth of b units, 16 of larger ones.
 * Units are read little-endian: every mimic target (x86, RISC-V, Arm) is.
 *
 * Deliberate differences from QEMU: d is signed at the unit's size (QEMU
 * zero-extends), c dumps 16 characters a line whatever size was sticky, s
 * is new (gdb's x/s), and print defaults to decimal rather than the sticky
 * x format.
 */
#include "monitor/monitor-internal.h"
#include "core/cpu.h"
#include "system/memory.h"
#include <capstone.h>

#define DUMP_STRING_MAX 1024 /* x/s stops a string here */
#define DISAS_MAX_INSN 16    /* longest instruction we read (x86: 15) */

#define X86_CR0_PE (1ull << 0)
#define X86_CR0_PG (1ull << 31)
#define X86_CR4_PAE (1ull << 5)
#define X86_EFER_LMA (1ull << 10)

static bool dump_read(CPUState *cpu, bool physical, uint64_t addr, void *buf, size_t len)
{
    if (physical) {
        return address_space_read(&address_space_memory, addr, buf, len) == MEMTX_OK;
    }
    return cpu->cc->memory_rw_debug && cpu->cc->memory_rw_debug(cpu, addr, buf, len, false);
}

static uint64_t dump_load_le(const uint8_t *p, int size)
{
    uint64_t v = 0;

    for (int i = size - 1; i >= 0; i--) {
        v = (v << 8) | p[i];
    }
    return v;
}

/* QEMU's monitor_printc(): 'a', '\n', '\x01'. */
static void dump_append_char(GString *out, uint8_t c)
{
    g_string_append_c(out, '\'');
    switch (c) {
    case '\'':
        g_string_append(out, "\\'");
        break;
    case '\\':
        g_string_append(out, "\\\\");
        break;
    case '\n':
        g_string_append(out, "\\n");
        break;
    case '\r':
        g_string_append(out, "\\r");
        break;
    default:
        if (c >= 32 && c <= 126) {
            g_string_append_c(out, c);
        } else {
            g_string_append_printf(out, "\\x%02x", c);
        }
        break;
    }
    g_string_append_c(out, '\'');
}

static void dump_append_value(GString *out, char format, int size, uint64_t v)
{
    int bits = size * 8;

    switch (format) {
    case 'o':
        g_string_append_printf(out, "%#*" PRIo64, DIV_ROUND_UP(bits, 3), v);
        break;
    case 'u':
        g_string_append_printf(out, "%*" PRIu64, DIV_ROUND_UP(bits * 10, 33), v);
        break;
    case 'd': {
        int64_t s = bits < 64 && (v >> (bits - 1)) ? (int64_t)(v | (~0ull << bits)) : (int64_t)v;

        g_string_append_printf(out, "%*" PRId64, DIV_ROUND_UP(bits * 10, 33) + 1, s);
        break;
    }
    case 'c':
        dump_append_char(out, (uint8_t)v);
        break;
    default:
        g_string_append_printf(out, "0x%0*" PRIx64, bits / 4, v);
        break;
    }
}

/* Values: x d u o c. */
static void dump_units(Monitor *mon, CPUState *cpu, bool physical, uint64_t addr, int64_t count,
                       char format, int size)
{
    int line_size = size == 1 ? 8 : 16;
    uint64_t len = (uint64_t)count * size;

    if (format == 'c') {
        line_size = 16;
    }
    while (len > 0) {
        g_autoptr(GString) out = g_string_new(NULL);
        uint8_t buf[16];
        int l = (int)MIN(len, (uint64_t)line_size);

        g_string_append_printf(out, "%016" PRIx64 ":", addr);
        if (!dump_read(cpu, physical, addr, buf, l)) {
            monitor_printf(mon, "%s Cannot access memory\n", out->str);
            return;
        }
        for (int i = 0; i < l; i += size) {
            g_string_append_c(out, ' ');
            dump_append_value(out, format, size, dump_load_le(buf + i, size));
        }
        monitor_printf(mon, "%s\n", out->str);
        addr += l;
        len -= l;
    }
}

/* How many bytes from addr on can be read, up to len: an object may end at an unmapped page. */
static size_t dump_read_partial(CPUState *cpu, bool physical, uint64_t addr, uint8_t *buf,
                                size_t len)
{
    size_t n = 0;

    if (dump_read(cpu, physical, addr, buf, len)) {
        return len;
    }
    while (n < len && dump_read(cpu, physical, addr + n, buf + n, 1)) {
        n++;
    }
    return n;
}

/* Strings: x/s, like gdb's. */
static void dump_strings(Monitor *mon, CPUState *cpu, bool physical, uint64_t addr, int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        g_autoptr(GString) out = g_string_new(NULL);
        bool fault = false, ended = false;
        size_t n = 0;

        g_string_append_printf(out, "%016" PRIx64 ": \"", addr);
        while (n < DUMP_STRING_MAX && !ended && !fault) {
            uint8_t chunk[64];
            size_t got = dump_read_partial(cpu, physical, addr + n, chunk, sizeof(chunk));

            fault = got < sizeof(chunk);
            for (size_t k = 0; k < got && n < DUMP_STRING_MAX; k++, n++) {
                uint8_t c = chunk[k];

                if (!c) {
                    ended = true;
                    break;
                }
                if (c == '"' || c == '\\') {
                    g_string_append_printf(out, "\\%c", c);
                } else if (c >= 32 && c <= 126) {
                    g_string_append_c(out, c);
                } else if (c == '\n') {
                    g_string_append(out, "\\n");
                } else {
                    g_string_append_printf(out, "\\x%02x", c);
                }
            }
        }
        if (!ended && fault && n == 0) {
            monitor_printf(mon, "%016" PRIx64 ": Cannot access memory\n", addr);
            return;
        }
        g_string_append_c(out, '"');
        if (!ended && fault) {
            g_string_append(out, " <cannot access memory after this>");
        } else if (!ended) {
            g_string_append(out, "...");
        }
        monitor_printf(mon, "%s\n", out->str);
        if (!ended && fault) {
            return;
        }
        /* A string cut at DUMP_STRING_MAX goes on in the next one, as gdb. */
        addr += n + ended;
    }
}

/* A register the CPU may or may not show the monitor. */
static bool disas_reg(CPUState *cpu, const char *name, uint64_t *value)
{
    return cpu->cc->get_register && cpu->cc->get_register(cpu, name, value);
}

/*
 * The capstone mode for x86: /ih, /iw, /ig force 16, 32, 64-bit code (as QEMU).
 * Otherwise from the CPU (Intel SDM vol. 3 §2.2, operating modes): real mode
 * without CR0.PE; long mode needs EFER.LMA, which needs CR0.PG and CR4.PAE, so
 * a CPU that shows none of EFER or CR4 is taken to be in 64-bit mode once
 * paging is on. CS.L and CS.D (compatibility mode, 16-bit protected mode) are
 * not shown by CPUs, so those cases need the /ih or /iw override.
 */
static cs_mode disas_x86_mode(CPUState *cpu, int size)
{
    uint64_t reg;

    if (size == 2 || size == 4 || size == 8) {
        return size == 2 ? CS_MODE_16 : size == 4 ? CS_MODE_32 : CS_MODE_64;
    }
    if (disas_reg(cpu, "cr0", &reg)) {
        if (!(reg & X86_CR0_PE)) {
            return CS_MODE_16;
        }
        if (!(reg & X86_CR0_PG)) {
            return CS_MODE_32;
        }
    }
    if (disas_reg(cpu, "efer", &reg)) {
        return reg & X86_EFER_LMA ? CS_MODE_64 : CS_MODE_32;
    }
    if (disas_reg(cpu, "cr4", &reg) && !(reg & X86_CR4_PAE)) {
        return CS_MODE_32;
    }
    return CS_MODE_64;
}

static bool disas_open(CPUState *cpu, int size, csh *handle, GError **errp)
{
    const char *arch = cpu->cc->arch ? cpu->cc->arch : "?";
    cs_arch cs_arch;
    cs_mode mode;
    cs_err err;

    if (!strcmp(arch, "x86_64")) {
        cs_arch = CS_ARCH_X86;
        mode = disas_x86_mode(cpu, size);
    } else if (!strcmp(arch, "aarch64")) {
        cs_arch = CS_ARCH_ARM64;
        mode = CS_MODE_LITTLE_ENDIAN;
    } else {
        error_setg(errp,
                   "cannot disassemble %s code: this capstone (%d.%d) has no %s "
                   "disassembler",
                   arch, CS_API_MAJOR, CS_API_MINOR, arch);
        return false;
    }
    err = cs_open(cs_arch, mode, handle);
    if (err != CS_ERR_OK) {
        error_setg(errp, "capstone cannot disassemble %s code: %s", arch, cs_strerror(err));
        return false;
    }
    if (cs_arch == CS_ARCH_X86) {
        cs_option(*handle, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT); /* QEMU's x86 syntax */
    }
    return true;
}

/* One x/i line in QEMU's layout: "0x00100000:  31 c0     xorl %eax, %eax". */
static void print_insn(Monitor *mon, uint64_t addr, const uint8_t *bytes, int size,
                       const char *mnemonic, const char *operands)
{
    g_autoptr(GString) hex = g_string_new(NULL);
    g_autofree char *line = NULL;

    for (int b = 0; b < size; b++) {
        g_string_append_printf(hex, "%s%02x", b ? " " : "", bytes[b]);
    }
    line = g_strdup_printf("0x%08" PRIx64 ":  %-24s %-7s %s", addr, hex->str, mnemonic, operands);
    monitor_printf(mon, "%s\n", g_strchomp(line));
}

/* x/i through the CPU class's own disassembler (ISAs capstone 4 lacks). */
static void dump_insns_cpu(Monitor *mon, CPUState *cpu, bool physical, uint64_t addr,
                           int64_t count)
{
    for (int64_t i = 0; i < count; i++) {
        g_autoptr(GString) text = g_string_new(NULL);
        uint8_t buf[DISAS_MAX_INSN];
        size_t n = dump_read_partial(cpu, physical, addr, buf, sizeof(buf));
        int size = n ? cpu->cc->disas_insn(addr, buf, n, text) : 0;
        char *tab;

        if (size == 0) {
            monitor_printf(mon, "0x%08" PRIx64 ":  Cannot access memory\n", addr);
            break;
        }
        tab = strchr(text->str, '\t');
        if (tab) {
            *tab++ = '\0';
        }
        print_insn(mon, addr, buf, size, text->str, tab ? tab : "");
        addr += size;
    }
}

/* Instructions: x/i, disassembled by capstone. */
static bool dump_insns(Monitor *mon, CPUState *cpu, bool physical, uint64_t addr, int64_t count,
                       int size, GError **errp)
{
    csh handle;
    cs_insn *insn;

    if (cpu->cc->disas_insn) {
        dump_insns_cpu(mon, cpu, physical, addr, count);
        return true;
    }
    if (!disas_open(cpu, size, &handle, errp)) {
        return false;
    }
    insn = cs_malloc(handle);
    for (int64_t i = 0; i < count; i++) {
        uint8_t buf[DISAS_MAX_INSN];
        const uint8_t *code = buf;
        size_t n;
        uint64_t pc = addr;

        n = dump_read_partial(cpu, physical, addr, buf, sizeof(buf));
        if (n == 0) {
            monitor_printf(mon, "0x%08" PRIx64 ":  Cannot access memory\n", addr);
            break;
        }
        if (!cs_disasm_iter(handle, &code, &n, &pc, insn)) {
            monitor_printf(mon, "0x%08" PRIx64 ":  %02x                       (bad)\n", addr,
                           buf[0]);
            addr++;
            continue;
        }
        print_insn(mon, addr, insn->bytes, insn->size, insn->mnemonic, insn->op_str);
        addr += insn->size;
    }
    cs_free(insn, 1);
    cs_close(&handle);
    return true;
}

static bool hmp_memory_dump(Monitor *mon, const MonArgs *args, bool physical, GError **errp)
{
    const char *fmt = mon_args_get_str(args, "format");
    char format = fmt ? fmt[0] : mon->fmt_format;
    int64_t count = mon_args_get_int(args, "count", 1);
    int size = (int)mon_args_get_int(args, "size", -1);
    uint64_t addr = (uint64_t)mon_args_get_int(args, "addr", 0);
    CPUState *cpu = mon_current_cpu();
    bool paused, ok = true;

    /* The HMP parser only makes these; the check is for other callers. */
    if (!format || !strchr("xduocis", format) ||
        (size != -1 && size != 1 && size != 2 && size != 4 && size != 8)) {
        error_setg(errp, "invalid format; use /[count][format][size]");
        return false;
    }
    /* The sticky defaults, as QEMU: a size given with /i is not remembered. */
    mon->fmt_format = format;
    if (format != 'i' && format != 's') {
        if (size < 0) {
            size = mon->fmt_size;
        } else {
            mon->fmt_size = size;
        }
    }
    if (format == 'c') {
        size = 1;
    }
    if (!cpu && !physical) {
        error_setg(errp, "no CPU to translate virtual addresses; use xp for physical memory");
        return false;
    }
    if (!cpu && format == 'i') {
        error_setg(errp, "no CPU to tell which instruction set to disassemble");
        return false;
    }
    if (physical && !address_space_memory.view) {
        error_setg(errp, "the machine has no memory map yet");
        return false;
    }
    if (count <= 0) {
        return true;
    }
    /* Virtual addresses go through the CPU's page tables: read them fresh, vCPUs still. */
    paused = mon_vcpus_pause();
    if (cpu) {
        cpu_synchronize_state(cpu);
    }
    if (format == 'i') {
        ok = dump_insns(mon, cpu, physical, addr, count, size, errp);
    } else if (format == 's') {
        dump_strings(mon, cpu, physical, addr, count);
    } else {
        dump_units(mon, cpu, physical, addr, count, format, size);
    }
    mon_vcpus_resume(paused);
    return ok;
}

bool hmp_x(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    return hmp_memory_dump(mon, args, false, errp);
}

bool hmp_xp(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    return hmp_memory_dump(mon, args, true, errp);
}

bool hmp_print(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *fmt = mon_args_get_str(args, "format");
    char format = fmt ? fmt[0] : 'd';
    uint64_t v = (uint64_t)mon_args_get_int(args, "val", 0);
    g_autoptr(GString) out = g_string_new(NULL);

    switch (format) {
    case 'x':
        g_string_append_printf(out, "0x%" PRIx64, v);
        break;
    case 'o':
        g_string_append_printf(out, "0%" PRIo64, v);
        break;
    case 'u':
        g_string_append_printf(out, "%" PRIu64, v);
        break;
    case 'd':
        g_string_append_printf(out, "%" PRId64, (int64_t)v);
        break;
    case 'c':
        dump_append_char(out, (uint8_t)v);
        break;
    default:
        error_setg(errp, "format '%c' does not apply to a value; use x, d, u, o or c", format);
        return false;
    }
    monitor_printf(mon, "%s\n", out->str);
    return true;
}
