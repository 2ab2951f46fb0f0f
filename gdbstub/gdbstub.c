/*
 * The GDB remote serial protocol server: the connection (a chardev frontend,
 * like the monitor), packet framing, and run control. GDB's manual, appendix
 * "Remote Serial Protocol": §E.1 overview (framing, checksums, acks, escapes,
 * run-length encoding), §E.3 stop replies, §E.11 interrupts, §E.12 no-ack mode.
 *
 * All-stop mode only: a stop stops every vCPU; gdb sees one thread per vCPU.
 * Everything here runs in the main loop with the big lock held, except
 * gdb_cpu_debug_event(), which a vCPU thread calls (also with the lock).
 *
 * A debugger that connects stops the VM; one that detaches or disconnects
 * takes its breakpoints with it and lets the VM run on (QEMU leaves it
 * stopped on a disconnect; a vanished debugger should not hang the guest).
 */
#include "gdbstub/internal.h"
#include "accel/accel.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "util/error.h"

GDBState gdb;

/* ---- output ---- */

/*
 * Frame and send a reply: "$" body "#" checksum, with '#', '$', '}' and '*'
 * escaped (§E.1: '}' then the byte XOR 0x20), so binary data (qXfer) is safe.
 */
void gdb_put_packet(const char *payload, size_t len)
{
    GString *out = g_string_sized_new(len + 4);
    uint8_t sum = 0;

    g_string_append_c(out, '$');
    for (size_t i = 0; i < len; i++) {
        char c = payload[i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            g_string_append_c(out, '}');
            sum += '}';
            c ^= 0x20;
        }
        g_string_append_c(out, c);
        sum += (uint8_t)c;
    }
    g_string_append_printf(out, "#%02x", sum);
    if (gdb.last_reply) {
        g_string_free(gdb.last_reply, TRUE);
    }
    gdb.last_reply = out;
    if (gdb.attached) {
        chr_fe_write_all(&gdb.fe, (const uint8_t *)out->str, out->len);
    }
}

void gdb_put_str(const char *payload)
{
    gdb_put_packet(payload, strlen(payload));
}

static void gdb_put_byte(char c)
{
    if (gdb.attached) {
        chr_fe_write_all(&gdb.fe, (const uint8_t *)&c, 1);
    }
}

/* ---- run control ---- */

static void set_single_step(CPUState *cpu, int flags)
{
    const AccelOps *accel = current_accel();

    if (cpu->singlestep_enabled == flags) {
        return;
    }
    cpu->singlestep_enabled = flags;
    if (accel && accel->update_guest_debug) {
        accel->update_guest_debug(cpu);
    }
}

void gdb_resume(CPUState *step_cpu)
{
    RunState state = runstate_get();

    if (state == RUN_STATE_SHUTDOWN || state == RUN_STATE_INTERNAL_ERROR ||
        state == RUN_STATE_GUEST_PANICKED) {
        gdb_put_str("W00"); /* nothing left to run: report the end */
        return;
    }
    for (int i = 0; i < cpu_count; i++) {
        /* Interrupts stay masked during a step, as in QEMU's default sstep flags. */
        set_single_step(cpus[i], cpus[i] == step_cpu ? SSTEP_ENABLE | SSTEP_NOIRQ : 0);
        cpus[i]->debug_reason = CPU_DEBUG_NONE;
    }
    gdb.stop_cpu = NULL;
    gdb.waiting_stop = true;
    vm_start();
}

void gdb_stop_reply(GString *out)
{
    CPUState *cpu = gdb.stop_cpu ? gdb.stop_cpu : gdb.c_cpu ? gdb.c_cpu : cpus[0];

    if (!cpu) {
        g_string_append(out, "W00");
        return;
    }
    if (!gdb.stop_cpu) {
        /* Ctrl-C, the monitor's stop, or the state at connection time. */
        g_string_append_printf(out, "T%02xthread:%x;",
                               gdb.waiting_stop ? GDB_SIGNAL_INT : GDB_SIGNAL_TRAP,
                               gdb_thread_id(cpu));
        return;
    }
    g_string_append_printf(out, "T%02xthread:%x;", GDB_SIGNAL_TRAP, gdb_thread_id(cpu));
    switch (cpu->debug_reason) {
    case CPU_DEBUG_SWBREAK:
        g_string_append(out, "swbreak:;");
        break;
    case CPU_DEBUG_HWBREAK:
        g_string_append(out, "hwbreak:;");
        break;
    case CPU_DEBUG_WATCH:
        g_string_append_printf(out, "%s:%" PRIx64 ";",
                               cpu->debug_watch_type == GDB_WATCHPOINT_READ     ? "rwatch"
                               : cpu->debug_watch_type == GDB_WATCHPOINT_ACCESS ? "awatch"
                                                                                : "watch",
                               cpu->debug_watch_addr);
        break;
    default:
        break;
    }
}

/* The VM stopped (or ended) while gdb waits for it: tell gdb. */
static void send_stop_reply(void)
{
    g_autoptr(GString) reply = g_string_new(NULL);

    gdb_stop_reply(reply);
    gdb.waiting_stop = false;
    /* gdb takes the reporting thread as its current one. */
    if (gdb.stop_cpu) {
        gdb.g_cpu = gdb.c_cpu = gdb.stop_cpu;
    }
    gdb_put_packet(reply->str, reply->len);
}

static void gdb_vm_state_change(void *opaque, bool running, RunState state)
{
    if (running) {
        return;
    }
    /* A step is over once the VM stops, however it stopped. */
    for (int i = 0; i < cpu_count; i++) {
        set_single_step(cpus[i], 0);
    }
    if (!gdb.connected || !gdb.waiting_stop) {
        return;
    }
    if (state == RUN_STATE_SHUTDOWN) {
        gdb.waiting_stop = false;
        gdb_put_str("W00");
        return;
    }
    send_stop_reply();
}

/* Main loop: a vCPU reported a debug event; stop the VM around it. */
static void gdb_debug_stop(void *opaque)
{
    gdb.debug_stop_queued = false;
    if (!gdb.connected) {
        /* The debugger left meanwhile: nothing to report; let the vCPU go on. */
        gdb.stop_cpu = NULL;
        if (runstate_is_running()) {
            cpus_resume_all();
        }
        return;
    }
    if (runstate_is_running()) {
        vm_stop(RUN_STATE_PAUSED); /* the state notifier sends the stop reply */
    } else if (gdb.waiting_stop) {
        send_stop_reply();
    }
}

void gdb_cpu_debug_event(CPUState *cpu)
{
    __atomic_store_n(&cpu->stop, true, __ATOMIC_RELEASE); /* park this vCPU now */
    if (!gdb.stop_cpu) {
        gdb.stop_cpu = cpu;
    }
    if (!gdb.debug_stop_queued) {
        gdb.debug_stop_queued = true;
        main_loop_defer(gdb_debug_stop, NULL);
    }
}

void gdb_detach(void)
{
    const AccelOps *accel = current_accel();
    RunState state = runstate_get();
    bool running = runstate_is_running();

    /* Breakpoints change only with the vCPUs stopped (the translator drops its code). */
    if (running) {
        cpus_pause_all();
    }
    if (accel && accel->remove_all_breakpoints) {
        accel->remove_all_breakpoints();
    }
    for (int i = 0; i < cpu_count; i++) {
        set_single_step(cpus[i], 0);
        cpus[i]->debug_reason = CPU_DEBUG_NONE;
    }
    if (running) {
        cpus_resume_all();
    }
    gdb.stop_cpu = NULL;
    gdb.waiting_stop = false;
    if (state == RUN_STATE_PAUSED || state == RUN_STATE_PRELAUNCH) {
        vm_start();
    }
}

/* ---- input ---- */

static void line_add(char c)
{
    if (gdb.line_len < GDB_MAX_PACKET) {
        gdb.line[gdb.line_len++] = c;
    } else {
        gdb.overflow = true;
    }
}

/* Ctrl-C (§E.11): stop the VM; the stop reply says SIGINT. */
static void gdb_interrupt(void)
{
    if (runstate_is_running()) {
        gdb.stop_cpu = NULL;
        vm_stop(RUN_STATE_PAUSED);
    } else if (gdb.waiting_stop) {
        send_stop_reply();
    }
}

static void packet_complete(void)
{
    bool paused = false;

    if (gdb.overflow) {
        /* Longer than the PacketSize we advertised: refuse it without acting. */
        if (!gdb.noack) {
            gdb_put_byte('+');
        }
        gdb_put_str("E22");
        return;
    }
    if (gdb.csum != gdb.sum) {
        if (!gdb.noack) {
            gdb_put_byte('-'); /* gdb sends it again */
        }
        return;
    }
    if (!gdb.noack) {
        gdb_put_byte('+');
    }
    gdb.line[gdb.line_len] = '\0';
    /*
     * gdb only sends commands to a stopped target in all-stop mode; a client
     * that does otherwise gets them answered with the vCPUs paused around.
     */
    if (runstate_is_running()) {
        cpus_pause_all();
        paused = true;
    }
    gdb_handle_packet(gdb.line, gdb.line_len);
    if (paused && runstate_is_running()) {
        cpus_resume_all();
    }
}

static void gdb_read_byte(uint8_t c)
{
    int d;

    switch (gdb.state) {
    case RS_IDLE:
        if (c == '$') {
            gdb.state = RS_GETLINE;
            gdb.line_len = 0;
            gdb.overflow = false;
            gdb.sum = 0;
        } else if (c == 0x03) {
            gdb_interrupt();
        } else if (c == '-' && !gdb.noack && gdb.last_reply && gdb.attached) {
            chr_fe_write_all(&gdb.fe, (const uint8_t *)gdb.last_reply->str, gdb.last_reply->len);
        }
        /* '+' and anything else between packets: nothing to do. */
        break;
    case RS_GETLINE:
        if (c == '#') {
            gdb.state = RS_CHKSUM1;
        } else if (c == '$') {
            /* A new packet before this one ended: the rest of it got lost. */
            gdb.line_len = 0;
            gdb.overflow = false;
            gdb.sum = 0;
        } else if (c == '}') {
            gdb.sum += c;
            gdb.state = RS_ESCAPE;
        } else if (c == '*') {
            gdb.sum += c;
            gdb.state = RS_REPEAT;
        } else {
            gdb.sum += c;
            line_add(c);
        }
        break;
    case RS_ESCAPE:
        gdb.sum += c;
        line_add(c ^ 0x20);
        gdb.state = RS_GETLINE;
        break;
    case RS_REPEAT:
        /* "X*N": N - 29 more copies of X (printable counts only). */
        gdb.sum += c;
        if (c < 29 + 3 || c > 126 || gdb.line_len == 0) {
            gdb.overflow = true; /* malformed: the packet is refused */
        } else {
            for (int n = c - 29; n > 0; n--) {
                line_add(gdb.line_len ? gdb.line[gdb.line_len - 1] : 0);
            }
        }
        gdb.state = RS_GETLINE;
        break;
    case RS_CHKSUM1:
        d = g_ascii_xdigit_value(c);
        gdb.csum = d < 0 ? 0 : d << 4;
        gdb.state = d < 0 ? RS_IDLE : RS_CHKSUM2;
        if (d < 0 && !gdb.noack) {
            gdb_put_byte('-');
        }
        break;
    case RS_CHKSUM2:
        d = g_ascii_xdigit_value(c);
        gdb.state = RS_IDLE;
        if (d < 0) {
            if (!gdb.noack) {
                gdb_put_byte('-');
            }
            break;
        }
        gdb.csum |= d;
        packet_complete();
        break;
    }
}

static int gdb_can_read(void *opaque)
{
    return GDB_MAX_PACKET;
}

static void gdb_read(void *opaque, const uint8_t *buf, int size)
{
    for (int i = 0; i < size; i++) {
        gdb_read_byte(buf[i]);
    }
}

static void gdb_reset_connection(void)
{
    gdb.state = RS_IDLE;
    gdb.line_len = 0;
    gdb.overflow = false;
    gdb.noack = false;
    gdb.waiting_stop = false;
    gdb.stop_cpu = NULL;
    gdb.g_cpu = gdb.c_cpu = cpu_by_index(0);
    if (gdb.last_reply) {
        g_string_free(gdb.last_reply, TRUE);
        gdb.last_reply = NULL;
    }
}

static void gdb_event(void *opaque, ChrEvent event)
{
    switch (event) {
    case CHR_EVENT_OPENED:
        gdb_reset_connection();
        gdb.connected = true;
        /* A debugger expects a stopped target ('?' comes first). */
        if (runstate_is_running()) {
            vm_stop(RUN_STATE_PAUSED);
        }
        break;
    case CHR_EVENT_CLOSED:
        if (gdb.connected) {
            gdb.connected = false;
            gdb_detach();
        }
        gdb_reset_connection();
        break;
    default:
        break;
    }
}

/* ---- start ---- */

/* QEMU's -gdb spelling: tcp: and unix: mean a server that does not wait. */
static char *device_spec(const char *device)
{
    if ((g_str_has_prefix(device, "tcp:") || g_str_has_prefix(device, "unix:")) &&
        !strstr(device, "server")) {
        return g_strdup_printf("%s,server=on,wait=off", device);
    }
    return g_strdup(device);
}

bool gdbserver_start(const char *device, GError **errp)
{
    static bool notifier_added;
    g_autofree char *spec = NULL;
    g_autofree char *label = NULL;
    GError *err = NULL;
    Chardev *chr;

    if (!device || !*device) {
        error_setg(errp, "gdbserver: name a device, e.g. tcp::1234 or unix:/tmp/gdb.sock");
        return false;
    }
    if (gdb.attached && !strcmp(device, gdb.device)) {
        return true; /* already there */
    }
    if (strcmp(device, "none") != 0) {
        spec = device_spec(device);
        label = gdb.generation ? g_strdup_printf("gdb%d", gdb.generation) : g_strdup("gdb");
        chr = chardev_new_legacy(label, spec, &err);
        if (!chr) {
            error_setg(errp, "gdb device '%s': %s", device,
                       err ? err->message : "no such character device");
            g_clear_error(&err);
            return false;
        }
        gdb.generation++;
    }
    if (gdb.attached) {
        /* A new device replaces the old one; its debugger is detached. */
        if (gdb.connected) {
            gdb.connected = false;
            gdb_detach();
        }
        chr_fe_deinit(&gdb.fe);
        gdb.attached = false;
        g_clear_pointer(&gdb.device, g_free);
    }
    if (!spec) {
        return true; /* "none" */
    }
    if (!notifier_added) {
        vm_state_notifier_add(gdb_vm_state_change, NULL);
        notifier_added = true;
    }
    gdb_reset_connection();
    if (!chr_fe_init(&gdb.fe, chr, errp)) {
        return false;
    }
    gdb.attached = true;
    gdb.device = g_strdup(device);
    chr_fe_set_handlers(&gdb.fe, gdb_can_read, gdb_read, gdb_event, NULL);
    return true;
}

const char *gdbserver_device(void)
{
    return gdb.attached ? gdb.device : "";
}
