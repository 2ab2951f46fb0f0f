/*
 * The gdbstub's packets (GDB manual, appendix "Remote Serial Protocol": §E.4
 * packets, §E.5 qSupported and other general queries, §E.6 vCont, §E.9
 * thread ids, and "Target Descriptions" for qXfer:features:read).
 *
 * Every number, length and thread id comes from the debugger and is checked
 * where it is parsed; a malformed packet gets "E22", an unknown one the empty
 * reply that means "not supported".
 */
#include "gdbstub/internal.h"
#include "accel/accel.h"
#include "system/main-loop.h"
#include "system/runstate.h"

/* Error numbers in "E NN" replies (gdb shows them; only their being errors matters). */
#define GDB_EINVAL "E22"
#define GDB_EFAULT "E14"
#define GDB_ENOSPC "E28"
#define GDB_ESRCH "E03"

/* The most data bytes an 'm' reply carries: two hex digits each. */
#define GDB_MAX_MEM_XFER ((GDB_MAX_PACKET - 4) / 2)

/* ---- parsing ---- */

/* A hex number of at most 16 digits at *p; advances *p. false if there is none. */
static bool parse_hex(const char **p, uint64_t *value)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0;

    while (g_ascii_isxdigit(*s)) {
        if (++n > 16) {
            return false;
        }
        v = (v << 4) | g_ascii_xdigit_value(*s++);
    }
    if (n == 0) {
        return false;
    }
    *value = v;
    *p = s;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c) {
        return false;
    }
    (*p)++;
    return true;
}

/* Hex text to bytes; false unless it is exactly len bytes' worth. */
static bool hex_to_bytes(const char *hex, size_t hex_len, uint8_t *out, size_t len)
{
    if (hex_len != 2 * len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(hex[2 * i]) || !g_ascii_isxdigit(hex[2 * i + 1])) {
            return false;
        }
        out[i] = g_ascii_xdigit_value(hex[2 * i]) << 4 | g_ascii_xdigit_value(hex[2 * i + 1]);
    }
    return true;
}

static void bytes_to_hex(GString *out, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(out, "%02x", buf[i]);
    }
}

/*
 * A thread id (§E.9): -1 = all, 0 = any, N = vCPU N-1; a "pPID." prefix is
 * accepted. *all is set for -1; *cpu is NULL for "any"/"all".
 */
static bool parse_thread_id(const char **p, CPUState **cpu, bool *all)
{
    uint64_t tid;

    *cpu = NULL;
    *all = false;
    if (**p == 'p') {
        (*p)++;
        if (!strncmp(*p, "-1", 2)) {
            *p += 2;
        } else if (!parse_hex(p, &tid)) {
            return false;
        }
        if (!expect(p, '.')) {
            *all = true; /* "pPID": every thread of the one process */
            return true;
        }
    }
    if (!strncmp(*p, "-1", 2)) {
        *p += 2;
        *all = true;
        return true;
    }
    if (!parse_hex(p, &tid)) {
        return false;
    }
    if (tid == 0) {
        return true;
    }
    if (tid > (uint64_t)cpu_count) {
        return false;
    }
    *cpu = cpus[tid - 1];
    return true;
}

static CPUState *g_cpu(void)
{
    return gdb.g_cpu ? gdb.g_cpu : cpus[0];
}

static CPUState *c_cpu(void)
{
    return gdb.c_cpu ? gdb.c_cpu : g_cpu();
}

/* ---- registers ---- */

static void read_registers(GString *reply)
{
    CPUState *cpu = g_cpu();
    g_autoptr(GByteArray) buf = g_byte_array_new();

    cpu_synchronize_state(cpu);
    for (int n = 0; n < cpu->cc->gdb_num_core_regs; n++) {
        cpu->cc->gdb_read_register(cpu, buf, n);
    }
    bytes_to_hex(reply, buf->data, buf->len);
}

static void write_registers(GString *reply, const char *hex, size_t hex_len)
{
    CPUState *cpu = g_cpu();
    g_autofree uint8_t *data = g_malloc(hex_len / 2 + 1);
    size_t len = hex_len / 2, off = 0;

    if (!hex_to_bytes(hex, len * 2, data, len) || hex_len % 2) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    cpu_synchronize_state(cpu);
    for (int n = 0; n < cpu->cc->gdb_num_core_regs && off < len; n++) {
        g_autoptr(GByteArray) cur = g_byte_array_new();
        int size = cpu->cc->gdb_read_register(cpu, cur, n);

        if (size <= 0 || off + size > len) {
            break;
        }
        cpu->cc->gdb_write_register(cpu, data + off, n);
        off += size;
    }
    cpu_synchronize_post_reset(cpu); /* push the new values into the accelerator */
    g_string_append(reply, "OK");
}

static void read_register(GString *reply, const char *p)
{
    CPUState *cpu = g_cpu();
    g_autoptr(GByteArray) buf = g_byte_array_new();
    uint64_t n;

    if (!parse_hex(&p, &n) || *p || n >= (uint64_t)cpu->cc->gdb_num_regs) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    cpu_synchronize_state(cpu);
    if (cpu->cc->gdb_read_register(cpu, buf, n) <= 0) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    bytes_to_hex(reply, buf->data, buf->len);
}

static void write_register(GString *reply, const char *p)
{
    CPUState *cpu = g_cpu();
    g_autoptr(GByteArray) cur = g_byte_array_new();
    uint8_t data[64];
    uint64_t n;
    int size;

    if (!parse_hex(&p, &n) || !expect(&p, '=') || n >= (uint64_t)cpu->cc->gdb_num_regs) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    cpu_synchronize_state(cpu);
    size = cpu->cc->gdb_read_register(cpu, cur, n);
    if (size <= 0 || size > (int)sizeof(data) || !hex_to_bytes(p, strlen(p), data, size) ||
        cpu->cc->gdb_write_register(cpu, data, n) <= 0) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    cpu_synchronize_post_reset(cpu);
    g_string_append(reply, "OK");
}

/* ---- memory ---- */

static void read_memory(GString *reply, const char *p)
{
    CPUState *cpu = g_cpu();
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;

    if (!parse_hex(&p, &addr) || !expect(&p, ',') || !parse_hex(&p, &len) || *p) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    len = MIN(len, GDB_MAX_MEM_XFER); /* gdb asks again for the rest */
    buf = g_malloc(MAX(len, 1));
    cpu_synchronize_state(cpu);
    if (len && !cpu->cc->memory_rw_debug(cpu, addr, buf, len, false)) {
        /* Give what can be read up to the first unmapped page, as gdb allows. */
        uint64_t ok = 0;
        while (ok < len && cpu->cc->memory_rw_debug(cpu, addr + ok, buf + ok, 1, false)) {
            ok++;
        }
        if (ok == 0) {
            g_string_append(reply, GDB_EFAULT);
            return;
        }
        len = ok;
    }
    bytes_to_hex(reply, buf, len);
}

static void write_memory(GString *reply, const char *p)
{
    CPUState *cpu = g_cpu();
    uint64_t addr, len;
    g_autofree uint8_t *buf = NULL;

    if (!parse_hex(&p, &addr) || !expect(&p, ',') || !parse_hex(&p, &len) || !expect(&p, ':') ||
        len > GDB_MAX_PACKET) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    buf = g_malloc(MAX(len, 1));
    if (!hex_to_bytes(p, strlen(p), buf, len)) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    cpu_synchronize_state(cpu);
    if (len && !cpu->cc->memory_rw_debug(cpu, addr, buf, len, true)) {
        g_string_append(reply, GDB_EFAULT);
        return;
    }
    g_string_append(reply, "OK");
}

/* ---- breakpoints ---- */

/* Z/z TYPE,ADDR,KIND (§E.4): KIND is the length of a watchpoint. */
static void breakpoint(GString *reply, const char *p, bool insert)
{
    const AccelOps *accel = current_accel();
    uint64_t type, addr, kind;
    int ret;

    if (!parse_hex(&p, &type) || !expect(&p, ',') || !parse_hex(&p, &addr) || !expect(&p, ',') ||
        !parse_hex(&p, &kind)) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    /* Conditions and commands (";X...") are gdb's business: ignore them. */
    if (*p && *p != ';') {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    if (type > GDB_WATCHPOINT_ACCESS || !accel || !accel->insert_breakpoint) {
        return; /* empty: not supported, gdb falls back or says so */
    }
    ret = insert ? accel->insert_breakpoint(g_cpu(), type, addr, kind)
                 : accel->remove_breakpoint(g_cpu(), type, addr, kind);
    if (ret == -ENOSYS) {
        return;
    }
    g_string_append(reply, ret == 0         ? "OK"
                           : ret == -ENOSPC ? GDB_ENOSPC
                           : ret == -EFAULT ? GDB_EFAULT
                                            : GDB_EINVAL);
}

/* ---- run control ---- */

/* c [ADDR], s [ADDR], C SIG[;ADDR], S SIG[;ADDR]: resume at ADDR if given. */
static bool resume_address(const char *p, bool with_signal)
{
    CPUState *cpu = c_cpu();
    uint64_t addr, sig;
    uint8_t le[8];

    if (with_signal) {
        if (!parse_hex(&p, &sig)) {
            return false;
        }
        if (!*p) {
            return true;
        }
        if (!expect(&p, ';')) {
            return false;
        }
    }
    if (!*p) {
        return true;
    }
    if (!parse_hex(&p, &addr) || *p) {
        return false;
    }
    for (int i = 0; i < 8; i++) {
        le[i] = addr >> (8 * i);
    }
    cpu_synchronize_state(cpu);
    if (cpu->cc->gdb_write_register(cpu, le, cpu->cc->gdb_pc_regnum) <= 0) {
        return false;
    }
    cpu_synchronize_post_reset(cpu);
    return true;
}

/*
 * vCont;ACTION[:TID];... (§E.6). All-stop: every vCPU runs; the one with an
 * 's' action single-steps (the first such, as gdb steps one thread at a time).
 */
static bool vcont(GString *reply, const char *p)
{
    CPUState *step = NULL;
    bool any = false;

    while (*p == ';') {
        char action;
        CPUState *cpu = NULL;
        bool all = true;

        p++;
        action = *p++;
        if (action == 'C' || action == 'S') {
            uint64_t sig;
            if (!parse_hex(&p, &sig)) {
                g_string_append(reply, GDB_EINVAL);
                return false;
            }
            action = action == 'C' ? 'c' : 's';
        } else if (action != 'c' && action != 's') {
            g_string_append(reply, GDB_EINVAL); /* 't', 'r': not offered by vCont? */
            return false;
        }
        if (*p == ':') {
            p++;
            if (!parse_thread_id(&p, &cpu, &all)) {
                g_string_append(reply, GDB_ESRCH);
                return false;
            }
        }
        if (*p && *p != ';') {
            g_string_append(reply, GDB_EINVAL);
            return false;
        }
        if (action == 's' && !step) {
            step = cpu ? cpu : c_cpu();
        }
        any = true;
    }
    if (!any || *p) {
        g_string_append(reply, GDB_EINVAL);
        return false;
    }
    gdb_resume(step);
    return true;
}

static void detach(void)
{
    gdb_put_str("OK");
    gdb_detach();
}

static void kill_vm(void)
{
    /* No reply (§E.4 'k'): the emulator goes. */
    gdb.connected = false;
    gdb_detach();
    system_exit_request(0);
}

/* H op TID: which vCPU later g/G/m/M (op 'g') or c/s (op 'c') act on. */
static void set_thread(GString *reply, const char *p)
{
    char op = *p++;
    CPUState *cpu;
    bool all;

    if ((op != 'g' && op != 'c') || !parse_thread_id(&p, &cpu, &all) || *p) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    if (!cpu) {
        cpu = op == 'c' && all ? NULL : cpus[0];
    }
    if (op == 'g') {
        gdb.g_cpu = cpu ? cpu : cpus[0];
    } else {
        gdb.c_cpu = cpu;
    }
    g_string_append(reply, "OK");
}

static void thread_alive(GString *reply, const char *p)
{
    CPUState *cpu;
    bool all;

    if (!parse_thread_id(&p, &cpu, &all) || *p || (!cpu && !all)) {
        g_string_append(reply, GDB_ESRCH);
        return;
    }
    g_string_append(reply, "OK");
}

/* ---- queries ---- */

/* qXfer:features:read:ANNEX:OFFSET,LENGTH */
static void xfer_features(GString *reply, const char *p)
{
    CPUState *cpu = g_cpu();
    const char *colon = strchr(p, ':');
    g_autofree char *annex = NULL;
    const char *xml;
    uint64_t offset, length;
    size_t total;

    if (!colon) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    annex = g_strndup(p, colon - p);
    p = colon + 1;
    if (!parse_hex(&p, &offset) || !expect(&p, ',') || !parse_hex(&p, &length) || *p) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    xml = cpu->cc->gdb_get_xml ? cpu->cc->gdb_get_xml(cpu, annex) : NULL;
    if (!xml) {
        g_string_append(reply, "E00"); /* no such annex */
        return;
    }
    total = strlen(xml);
    if (offset > total) {
        g_string_append(reply, GDB_EINVAL);
        return;
    }
    /* Leave room for escapes: the reply must fit in the packet size. */
    length = MIN(length, GDB_MAX_PACKET / 2);
    if (offset + length < total) {
        g_string_append_c(reply, 'm');
        g_string_append_len(reply, xml + offset, length);
    } else {
        g_string_append_c(reply, 'l');
        g_string_append_len(reply, xml + offset, total - offset);
    }
}

static void thread_extra_info(GString *reply, const char *p)
{
    CPUState *cpu;
    bool all;
    g_autofree char *text = NULL;

    if (!parse_thread_id(&p, &cpu, &all) || !cpu || *p) {
        g_string_append(reply, GDB_ESRCH);
        return;
    }
    text = g_strdup_printf("CPU#%d [%s]", cpu->index, cpu->halted ? "halted" : "running");
    bytes_to_hex(reply, (const uint8_t *)text, strlen(text));
}

static void query(GString *reply, const char *p)
{
    if (g_str_has_prefix(p, "qSupported")) {
        g_string_append_printf(reply,
                               "PacketSize=%x;qXfer:features:read%c;vContSupported+;"
                               "QStartNoAckMode+;swbreak+;hwbreak+",
                               GDB_MAX_PACKET, g_cpu()->cc->gdb_get_xml ? '+' : '-');
    } else if (g_str_has_prefix(p, "qXfer:features:read:")) {
        xfer_features(reply, p + strlen("qXfer:features:read:"));
    } else if (!strcmp(p, "qAttached") || g_str_has_prefix(p, "qAttached:")) {
        g_string_append(reply, "1"); /* attached to an existing "process": detach on quit */
    } else if (!strcmp(p, "qC")) {
        g_string_append_printf(reply, "QC%x", gdb_thread_id(g_cpu()));
    } else if (!strcmp(p, "qfThreadInfo")) {
        g_string_append_c(reply, 'm');
        for (int i = 0; i < cpu_count; i++) {
            g_string_append_printf(reply, "%s%x", i ? "," : "", gdb_thread_id(cpus[i]));
        }
    } else if (!strcmp(p, "qsThreadInfo")) {
        g_string_append_c(reply, 'l');
    } else if (g_str_has_prefix(p, "qThreadExtraInfo,")) {
        thread_extra_info(reply, p + strlen("qThreadExtraInfo,"));
    } else if (g_str_has_prefix(p, "qSymbol")) {
        g_string_append(reply, "OK"); /* no symbols wanted */
    }
    /* Anything else (qOffsets, qTStatus, qRcmd, ...): empty, not supported. */
}

/* v packets; false when the reply is not due now (resumed, or the emulator quits). */
static bool v_packet(GString *reply, const char *p)
{
    if (!strcmp(p, "vCont?")) {
        g_string_append(reply, "vCont;c;C;s;S");
    } else if (g_str_has_prefix(p, "vCont;")) {
        return !vcont(reply, p + strlen("vCont"));
    } else if (g_str_has_prefix(p, "vKill")) {
        gdb_put_str("OK");
        kill_vm();
        return false;
    }
    /* vMustReplyEmpty, vFile, vRun, vAttach, ...: empty. */
    return true;
}

/* ---- dispatch ---- */

void gdb_handle_packet(const char *pkt, size_t len)
{
    g_autoptr(GString) reply = g_string_new(NULL);
    const char *args = pkt + 1;

    if (len == 0 || strlen(pkt) != len) {
        gdb_put_str(GDB_EINVAL); /* empty, or a NUL inside */
        return;
    }
    if (cpu_count == 0) {
        gdb_put_str(GDB_ESRCH);
        return;
    }
    switch (pkt[0]) {
    case '?':
        gdb_stop_reply(reply);
        break;
    case 'c':
    case 's':
    case 'C':
    case 'S':
        if (!resume_address(args, pkt[0] == 'C' || pkt[0] == 'S')) {
            g_string_append(reply, GDB_EINVAL);
            break;
        }
        gdb_resume(pkt[0] == 's' || pkt[0] == 'S' ? c_cpu() : NULL);
        return; /* the stop reply comes when the VM stops */
    case 'D':
        detach();
        return;
    case 'k':
        kill_vm();
        return;
    case 'g':
        read_registers(reply);
        break;
    case 'G':
        write_registers(reply, args, len - 1);
        break;
    case 'p':
        read_register(reply, args);
        break;
    case 'P':
        write_register(reply, args);
        break;
    case 'm':
        read_memory(reply, args);
        break;
    case 'M':
        write_memory(reply, args);
        break;
    case 'Z':
    case 'z':
        breakpoint(reply, args, pkt[0] == 'Z');
        break;
    case 'H':
        set_thread(reply, args);
        break;
    case 'T':
        thread_alive(reply, args);
        break;
    case 'q':
        query(reply, pkt);
        break;
    case 'Q':
        if (!strcmp(pkt, "QStartNoAckMode")) {
            gdb_put_str("OK"); /* acknowledged in the old mode, then no more acks */
            gdb.noack = true;
            return;
        }
        break;
    case 'v':
        if (!v_packet(reply, pkt)) {
            return;
        }
        break;
    default:
        break; /* unknown: the empty reply */
    }
    gdb_put_packet(reply->str, reply->len);
}
