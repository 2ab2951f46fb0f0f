/*
 * The KVM accelerator: VM and vCPU creation, memory slots from a memory
 * listener, one thread per vCPU running KVM_RUN and dispatching port and MMIO
 * exits into the memory API, interrupt lines into the in-kernel irqchip, and
 * a clear report for exits nobody can handle.
 */
#include "accel/kvm.h"
#include "gdbstub/gdbstub.h"
#include "system/memory.h"
#include "system/main-loop.h"
#include "system/runstate.h"
#include "util/error.h"
#include "util/log.h"
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define SIG_KICK SIGUSR1

struct AccelCPUState {
    int fd;
    struct kvm_run *run;
    pthread_t tid;
    bool guest_debug_dirty; /* KVM_SET_GUEST_DEBUG before the next KVM_RUN */
};

typedef struct KVMSlot {
    uint64_t gpa;
    uint64_t size;
    void *host;
    uint32_t flags;
    bool used;
} KVMSlot;

static struct {
    int fd;
    int vmfd;
    int run_size;
    KVMSlot *slots;
    int nr_slots;
    MemoryListener listener;
    bool readonly_mem;
    unsigned long exits;
    unsigned long io_exits;
    unsigned long mmio_exits;
    GArray *sw_breakpoints; /* KVMSwBreakpoint */
    uint32_t guest_debug_flags; /* KVM_CAP_SET_GUEST_DEBUG2: what KVM_SET_GUEST_DEBUG takes */
} kvm = {.fd = -1, .vmfd = -1};

static __thread struct kvm_run *this_thread_run;

static int ioctl_errno(int fd, unsigned long request, va_list ap)
{
    void *arg = va_arg(ap, void *);
    int ret = ioctl(fd, request, arg);

    return ret < 0 ? -errno : ret;
}

int kvm_ioctl(unsigned long request, ...)
{
    va_list ap;
    int ret;

    va_start(ap, request);
    ret = ioctl_errno(kvm.fd, request, ap);
    va_end(ap);
    return ret;
}

int kvm_vm_ioctl(unsigned long request, ...)
{
    va_list ap;
    int ret;

    va_start(ap, request);
    ret = ioctl_errno(kvm.vmfd, request, ap);
    va_end(ap);
    return ret;
}

int kvm_vcpu_ioctl(CPUState *cpu, unsigned long request, ...)
{
    va_list ap;
    int ret;

    va_start(ap, request);
    ret = ioctl_errno(cpu->accel->fd, request, ap);
    va_end(ap);
    return ret;
}

int kvm_check_extension(int cap)
{
    int ret = ioctl(kvm.vmfd >= 0 ? kvm.vmfd : kvm.fd, KVM_CHECK_EXTENSION, cap);
    return ret < 0 ? 0 : ret;
}

/* ---- availability ---- */

static int open_kvm_device(GError **errp)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd >= 0) {
        return fd;
    }
    switch (errno) {
    case ENOENT:
        error_setg(errp, "/dev/kvm does not exist: load the kvm module (kvm_intel or kvm_amd) "
                         "and check that VT-x/AMD-V is enabled in the firmware");
        break;
    case EACCES:
    case EPERM:
        error_setg(errp, "no permission to open /dev/kvm: add your user to the 'kvm' group "
                         "(then log in again)");
        break;
    default:
        error_setg_errno(errp, errno, "cannot open /dev/kvm");
    }
    return -1;
}

static bool kvm_available(GError **errp)
{
    int fd = open_kvm_device(errp);
    int version;

    if (fd < 0) {
        return false;
    }
    version = ioctl(fd, KVM_GET_API_VERSION, 0);
    close(fd);
    if (version != KVM_API_VERSION) {
        error_setg(errp, "/dev/kvm speaks API version %d, mimic needs %d", version,
                   KVM_API_VERSION);
        return false;
    }
    return true;
}

/* ---- memory slots ---- */

static bool slot_set(int index, const KVMSlot *s)
{
    struct kvm_userspace_memory_region region = {
        .slot = index,
        .flags = s->flags,
        .guest_phys_addr = s->gpa,
        .memory_size = s->used ? s->size : 0,
        .userspace_addr = (uintptr_t)s->host,
    };
    int ret = kvm_vm_ioctl(KVM_SET_USER_MEMORY_REGION, &region);

    if (ret < 0) {
        error_report("KVM_SET_USER_MEMORY_REGION slot %d at 0x%" PRIx64 " (+0x%" PRIx64
                     ") failed: %s",
                     index, s->gpa, s->size, g_strerror(-ret));
        return false;
    }
    return true;
}

static bool section_is_mappable(const MemoryRegionSection *s)
{
    return s->mr->kind == MR_RAM && !((s->offset_within_address_space | s->size) & 0xfff) &&
           (!s->readonly || kvm.readonly_mem);
}

/* The slot that holds section s, or -1. */
static int slot_of_section(const MemoryRegionSection *s)
{
    for (int i = 0; i < kvm.nr_slots; i++) {
        const KVMSlot *slot = &kvm.slots[i];

        if (slot->used && slot->gpa == s->offset_within_address_space && slot->size == s->size) {
            return i;
        }
    }
    return -1;
}

static void kvm_region_add(MemoryListener *l, MemoryRegionSection *s)
{
    /* Non-page-aligned RAM stays out of the slots: it exits as MMIO and the memory API
     * serves it, slower but correct. */
    if (!section_is_mappable(s)) {
        return;
    }
    for (int i = 0; i < kvm.nr_slots; i++) {
        if (!kvm.slots[i].used) {
            kvm.slots[i] = (KVMSlot){
                .gpa = s->offset_within_address_space,
                .size = s->size,
                .host = s->mr->ram + s->offset_within_region,
                .flags = (s->readonly ? KVM_MEM_READONLY : 0) |
                         (s->mr->dirty_log_mask ? KVM_MEM_LOG_DIRTY_PAGES : 0),
                .used = true,
            };
            if (!slot_set(i, &kvm.slots[i])) {
                kvm.slots[i].used = false;
            }
            return;
        }
    }
    error_report("out of KVM memory slots (%d) for 0x%" PRIx64, kvm.nr_slots,
                 s->offset_within_address_space);
}

static void kvm_region_del(MemoryListener *l, MemoryRegionSection *s)
{
    int i = slot_of_section(s);

    if (i >= 0) {
        kvm.slots[i].used = false;
        slot_set(i, &kvm.slots[i]);
    }
}

/* Dirty logging on or off for a slot: only its flags change (KVM API, KVM_MEM_LOG_DIRTY_PAGES). */
static void kvm_log_toggle(MemoryRegionSection *s, bool on)
{
    int i = slot_of_section(s);

    if (i < 0) {
        return; /* not in a slot: its writes exit as MMIO and the memory API logs them */
    }
    kvm.slots[i].flags = (kvm.slots[i].flags & ~KVM_MEM_LOG_DIRTY_PAGES) |
                         (on ? KVM_MEM_LOG_DIRTY_PAGES : 0);
    slot_set(i, &kvm.slots[i]);
}

static void kvm_log_start(MemoryListener *l, MemoryRegionSection *s)
{
    kvm_log_toggle(s, true);
}

static void kvm_log_stop(MemoryListener *l, MemoryRegionSection *s)
{
    kvm_log_toggle(s, false);
}

/* KVM_GET_DIRTY_LOG hands over (and clears) the pages the guest wrote since the last call. */
static void kvm_log_sync(MemoryListener *l, MemoryRegionSection *s)
{
    int i = slot_of_section(s);
    uint64_t pages = s->size / DIRTY_PAGE_SIZE;
    g_autofree unsigned long *bitmap = NULL;
    struct kvm_dirty_log log = {.slot = i};
    int ret;

    if (i < 0 || !(kvm.slots[i].flags & KVM_MEM_LOG_DIRTY_PAGES)) {
        return;
    }
    /* KVM writes whole 64-bit words */
    bitmap = g_new0(unsigned long, ROUND_UP(pages, 64) / (8 * sizeof(unsigned long)));
    log.dirty_bitmap = bitmap;
    ret = kvm_vm_ioctl(KVM_GET_DIRTY_LOG, &log);
    if (ret < 0) {
        error_report("KVM_GET_DIRTY_LOG slot %d failed: %s", i, g_strerror(-ret));
        return;
    }
    for (uint64_t p = 0; p < pages; p++) {
        if (bitmap[p / (8 * sizeof(unsigned long))] >> (p % (8 * sizeof(unsigned long))) & 1) {
            memory_region_set_dirty(s->mr, s->offset_within_region + p * DIRTY_PAGE_SIZE, 1);
        }
    }
}

/* ---- machine ---- */

static bool kvm_init_machine(MachineState *ms, GError **errp)
{
    int ret;

    kvm.fd = open_kvm_device(errp);
    if (kvm.fd < 0) {
        return false;
    }
    do {
        kvm.vmfd = ioctl(kvm.fd, KVM_CREATE_VM, 0);
    } while (kvm.vmfd < 0 && errno == EINTR);
    if (kvm.vmfd < 0) {
        error_setg_errno(errp, errno, "KVM_CREATE_VM failed");
        return false;
    }
    if (!kvm_check_extension(KVM_CAP_USER_MEMORY) || !kvm_check_extension(KVM_CAP_IMMEDIATE_EXIT)) {
        error_setg(errp, "the host's KVM is too old: it lacks user memory or immediate exit");
        return false;
    }
    ret = ioctl(kvm.fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (ret < (int)sizeof(struct kvm_run)) {
        error_setg(errp, "KVM_GET_VCPU_MMAP_SIZE returned %d", ret);
        return false;
    }
    kvm.run_size = ret;
    kvm.nr_slots = kvm_check_extension(KVM_CAP_NR_MEMSLOTS);
    if (kvm.nr_slots <= 0) {
        kvm.nr_slots = 32;
    }
    kvm.slots = g_new0(KVMSlot, kvm.nr_slots);
    kvm.readonly_mem = kvm_check_extension(KVM_CAP_READONLY_MEM) > 0;
    kvm.guest_debug_flags = kvm_check_extension(KVM_CAP_SET_GUEST_DEBUG2);
    if (!kvm_arch_init(ms, errp)) {
        return false;
    }
    kvm.listener = (MemoryListener){.region_add = kvm_region_add,
                                    .region_del = kvm_region_del,
                                    .log_start = kvm_log_start,
                                    .log_stop = kvm_log_stop,
                                    .log_sync = kvm_log_sync,
                                    .priority = 10};
    memory_listener_register(&kvm.listener, &address_space_memory);
    return true;
}

/* ---- vCPUs ---- */

static void kick_handler(int sig)
{
    /* Make a KVM_RUN that is about to start return at once; one in progress gets EINTR. */
    if (this_thread_run) {
        this_thread_run->immediate_exit = 1;
    }
}

static void report_fatal_exit(CPUState *cpu, const char *what)
{
    g_autoptr(GString) out = g_string_new(NULL);

    kvm_arch_get_registers(cpu);
    g_string_append_printf(out, "vCPU %d: %s\n", cpu->index, what);
    kvm_arch_describe_failure(cpu, out);
    fputs(out->str, stderr);
    fflush(stderr);
}

static void dispatch_io(struct kvm_run *run)
{
    uint8_t *data = (uint8_t *)run + run->io.data_offset;
    bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

    for (uint32_t i = 0; i < run->io.count; i++) {
        MemTxResult r = address_space_rw(&address_space_io, run->io.port, data, run->io.size,
                                         is_write);
        if (r == MEMTX_DECODE_ERROR) {
            log_mask_printf(LOG_IOPORT, "unassigned port %s 0x%x size %u\n",
                            is_write ? "write" : "read", run->io.port, run->io.size);
        }
        data += run->io.size;
    }
}

/* Handle one exit with the big lock held; false when the vCPU must stop. */
static bool handle_exit(CPUState *cpu, struct kvm_run *run)
{
    g_autofree char *what = NULL;

    kvm.exits++;
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        kvm.io_exits++;
        dispatch_io(run);
        return true;
    case KVM_EXIT_MMIO:
        kvm.mmio_exits++;
        address_space_rw(&address_space_memory, run->mmio.phys_addr, run->mmio.data,
                         run->mmio.len, run->mmio.is_write);
        return true;
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_DEBUG:
        if (kvm_arch_handle_debug(cpu, run)) {
            gdb_cpu_debug_event(cpu);
        }
        return true;
    case KVM_EXIT_SHUTDOWN:
        /* A triple fault: real hardware resets. */
        if (no_reboot) {
            report_fatal_exit(cpu, "triple fault (KVM_EXIT_SHUTDOWN); -no-reboot given, exiting");
        }
        system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        return true;
    case KVM_EXIT_SYSTEM_EVENT:
        if (run->system_event.type == KVM_SYSTEM_EVENT_RESET) {
            system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        } else {
            system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        }
        return true;
    case KVM_EXIT_INTERNAL_ERROR:
        if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
            kvm.sw_breakpoints && kvm.sw_breakpoints->len) {
            /*
             * Some hosts' KVM (PVM-based nested KVM, for one) cannot exit on the
             * #BP of KVM_GUESTDBG_USE_SW_BP and report an emulation failure at
             * the int3 instead: that is our breakpoint.
             */
            kvm_arch_get_registers(cpu);
            if (kvm_sw_breakpoint_at(cpu->cc->get_pc(cpu))) {
                cpu->debug_reason = CPU_DEBUG_SWBREAK;
                gdb_cpu_debug_event(cpu);
                return true;
            }
        }
        what = g_strdup_printf(
            "KVM_EXIT_INTERNAL_ERROR, suberror %u (%s): the host's KVM could not emulate or "
            "deliver what the guest did; the guest cannot continue on this host",
            run->internal.suberror,
            run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? "emulation failure"
            : run->internal.suberror == KVM_INTERNAL_ERROR_SIMUL_EX ? "exception while delivering an exception"
            : run->internal.suberror == KVM_INTERNAL_ERROR_DELIVERY_EV ? "event delivery failed"
            : "unknown");
        break;
    case KVM_EXIT_FAIL_ENTRY:
        what = g_strdup_printf("KVM_EXIT_FAIL_ENTRY, hardware reason 0x%llx: the CPU refused to "
                               "enter the guest with this register state",
                               (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        break;
    default:
        if (kvm_arch_handle_exit(cpu, run)) {
            return true;
        }
        what = g_strdup_printf("unhandled KVM exit reason %u", run->exit_reason);
        break;
    }
    report_fatal_exit(cpu, what);
    return false;
}

/* ---- guest debugging ---- */

/*
 * KVM_SET_GUEST_DEBUG (Documentation/virt/kvm/api.rst 4.59): the #BP of our
 * software breakpoints, the debug registers and single step (TF, hidden from
 * the guest) exit with KVM_EXIT_DEBUG. While stepping, interrupts stay
 * blocked where KVM can do that (KVM_GUESTDBG_BLOCKIRQ), so a step does not
 * land in an interrupt handler.
 */
static void kvm_set_guest_debug(CPUState *cpu)
{
    struct kvm_guest_debug dbg = {0};
    int ret;

    if (cpu->singlestep_enabled) {
        dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
#ifdef KVM_GUESTDBG_BLOCKIRQ
        if ((cpu->singlestep_enabled & SSTEP_NOIRQ) &&
            (kvm.guest_debug_flags & KVM_GUESTDBG_BLOCKIRQ)) {
            dbg.control |= KVM_GUESTDBG_BLOCKIRQ;
        }
#endif
    }
    if (kvm.sw_breakpoints && kvm.sw_breakpoints->len) {
        dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP;
    }
    kvm_arch_update_guest_debug(cpu, &dbg);
    ret = kvm_vcpu_ioctl(cpu, KVM_SET_GUEST_DEBUG, &dbg);
    if (ret < 0) {
        error_report("vCPU %d: KVM_SET_GUEST_DEBUG failed: %s", cpu->index, g_strerror(-ret));
    }
}

static void kvm_guest_debug_changed(void)
{
    for (int i = 0; i < cpu_count; i++) {
        cpus[i]->accel->guest_debug_dirty = true;
    }
}

static KVMSwBreakpoint *sw_breakpoint_find(uint64_t addr, guint *index)
{
    for (guint i = 0; kvm.sw_breakpoints && i < kvm.sw_breakpoints->len; i++) {
        KVMSwBreakpoint *bp = &g_array_index(kvm.sw_breakpoints, KVMSwBreakpoint, i);
        if (bp->addr == addr) {
            if (index) {
                *index = i;
            }
            return bp;
        }
    }
    return NULL;
}

bool kvm_sw_breakpoint_at(uint64_t addr)
{
    return sw_breakpoint_find(addr, NULL) != NULL;
}

static int kvm_insert_breakpoint(CPUState *cpu, int type, uint64_t addr, uint64_t len)
{
    if (type == GDB_BREAKPOINT_SW) {
        KVMSwBreakpoint *found = sw_breakpoint_find(addr, NULL);
        KVMSwBreakpoint bp = {.addr = addr, .refs = 1};

        if (found) {
            found->refs++;
            return 0;
        }
        cpu_synchronize_state(cpu); /* the page tables the address goes through */
        if (!kvm_arch_insert_sw_breakpoint(cpu, &bp)) {
            return -EFAULT;
        }
        if (!kvm.sw_breakpoints) {
            kvm.sw_breakpoints = g_array_new(FALSE, FALSE, sizeof(KVMSwBreakpoint));
        }
        g_array_append_val(kvm.sw_breakpoints, bp);
    } else {
        int ret = kvm_arch_insert_hw_breakpoint(type, addr, len);
        if (ret < 0) {
            return ret;
        }
    }
    kvm_guest_debug_changed();
    return 0;
}

static int kvm_remove_breakpoint(CPUState *cpu, int type, uint64_t addr, uint64_t len)
{
    if (type == GDB_BREAKPOINT_SW) {
        guint index;
        KVMSwBreakpoint *bp = sw_breakpoint_find(addr, &index);

        if (!bp) {
            return -ENOENT;
        }
        if (--bp->refs > 0) {
            return 0;
        }
        cpu_synchronize_state(cpu);
        kvm_arch_remove_sw_breakpoint(cpu, bp);
        g_array_remove_index(kvm.sw_breakpoints, index);
    } else {
        int ret = kvm_arch_remove_hw_breakpoint(type, addr, len);
        if (ret < 0) {
            return ret;
        }
    }
    kvm_guest_debug_changed();
    return 0;
}

static void kvm_remove_all_breakpoints(void)
{
    while (kvm.sw_breakpoints && kvm.sw_breakpoints->len) {
        KVMSwBreakpoint *bp = &g_array_index(kvm.sw_breakpoints, KVMSwBreakpoint,
                                             kvm.sw_breakpoints->len - 1);

        /* Any vCPU whose page tables map it will do; try each until one does. */
        for (int i = 0; i < cpu_count; i++) {
            cpu_synchronize_state(cpus[i]);
            if (kvm_arch_remove_sw_breakpoint(cpus[i], bp)) {
                break;
            }
        }
        g_array_set_size(kvm.sw_breakpoints, kvm.sw_breakpoints->len - 1);
    }
    kvm_arch_remove_all_hw_breakpoints();
    kvm_guest_debug_changed();
}

static void kvm_update_guest_debug(CPUState *cpu)
{
    cpu->accel->guest_debug_dirty = true;
}

static gpointer kvm_vcpu_thread(gpointer opaque)
{
    CPUState *cpu = opaque;
    struct kvm_run *run = cpu->accel->run;

    this_thread_run = run;
    bql_lock();
    cpu->accel->tid = pthread_self();
    cpu->thread_id = gettid();
    cpu->created = true;
    cpu_state_changed();
    while (!cpu->exit_thread) {
        int ret;

        cpu_wait_while_stopped(cpu);
        if (cpu->exit_thread) {
            break;
        }
        if (cpu->regs_dirty_in_accel) {
            kvm_arch_put_registers(cpu);
            cpu->regs_dirty_in_accel = false;
        }
        if (cpu->accel->guest_debug_dirty) {
            cpu->accel->guest_debug_dirty = false;
            kvm_set_guest_debug(cpu);
        }
        bql_unlock();
        if (cpu_should_stop(cpu)) {
            run->immediate_exit = 1;
        }
        ret = ioctl(cpu->accel->fd, KVM_RUN, 0);
        run->immediate_exit = 0;
        bql_lock();
        if (ret < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            error_report("vCPU %d: KVM_RUN failed: %s", cpu->index, g_strerror(errno));
            cpu->stop = true;
            system_guest_error();
            continue;
        }
        if (!handle_exit(cpu, run)) {
            /* Park this vCPU; the main loop stops the VM (or exits). */
            cpu->stop = true;
            system_guest_error();
        }
    }
    cpu->created = false;
    cpu_state_changed();
    bql_unlock();
    return NULL;
}

static bool kvm_vcpu_create(CPUState *cpu, GError **errp)
{
    AccelCPUState *acs = g_new0(AccelCPUState, 1);
    g_autofree char *name = g_strdup_printf("CPU %d/KVM", cpu->index);

    acs->fd = ioctl(kvm.vmfd, KVM_CREATE_VCPU, (unsigned long)cpu->arch_id);
    if (acs->fd < 0) {
        error_setg_errno(errp, errno, "KVM_CREATE_VCPU %d failed", cpu->index);
        g_free(acs);
        return false;
    }
    acs->run = mmap(NULL, kvm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, acs->fd, 0);
    if (acs->run == MAP_FAILED) {
        error_setg_errno(errp, errno, "cannot map the kvm_run area of vCPU %d", cpu->index);
        close(acs->fd);
        g_free(acs);
        return false;
    }
    cpu->accel = acs;
    if (!kvm_arch_init_vcpu(cpu, errp)) {
        return false;
    }
    cpu->regs_dirty_in_accel = true;
    cpu->stop = true; /* parked until the VM starts */
    cpu->thread = g_thread_new(name, kvm_vcpu_thread, cpu);
    while (!cpu->created) {
        cpu_wait_state_change();
    }
    return true;
}

static void kvm_kick(CPUState *cpu)
{
    if (cpu->created) {
        pthread_kill(cpu->accel->tid, SIG_KICK);
    }
}

static void kvm_sync_regs_from(CPUState *cpu)
{
    if (cpu->regs_dirty_in_accel) {
        return; /* CPUState is already the newest copy */
    }
    kvm_arch_get_registers(cpu);
}

static void kvm_sync_regs_to(CPUState *cpu)
{
    /* Written back by the vCPU thread before its next KVM_RUN. */
    cpu->regs_dirty_in_accel = true;
}

static void kvm_set_irq(int gsi, int level)
{
    struct kvm_irq_level irq = {.irq = gsi, .level = level};
    int ret = kvm_vm_ioctl(KVM_IRQ_LINE, &irq);

    if (ret < 0) {
        guest_error_once("KVM_IRQ_LINE gsi %d failed: %s", gsi, g_strerror(-ret));
    }
}

static void kvm_send_msi(uint64_t addr, uint32_t data)
{
    struct kvm_msi msi = {.address_lo = (uint32_t)addr, .address_hi = addr >> 32, .data = data};
    int ret = kvm_vm_ioctl(KVM_SIGNAL_MSI, &msi);

    /* 0 means the message reached no APIC that accepts it: the guest's own doing. */
    if (ret < 0) {
        guest_error_once("KVM_SIGNAL_MSI to 0x%" PRIx64 " failed: %s", addr, g_strerror(-ret));
    }
}

static void kvm_inject_nmi(void)
{
    for (int i = 0; i < cpu_count; i++) {
        kvm_vcpu_ioctl(cpus[i], KVM_NMI);
    }
}

static void kvm_reset_vm(void)
{
    kvm_arch_reset_vm();
}

static void kvm_info(GString *out)
{
    g_string_append_printf(out, "kvm support: enabled\n");
    g_string_append_printf(out, "memory slots: %d\n", kvm.nr_slots);
    g_string_append_printf(out, "exits: %lu (port I/O %lu, MMIO %lu)\n", kvm.exits, kvm.io_exits,
                           kvm.mmio_exits);
    kvm_arch_info(out);
}

static const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .available = kvm_available,
    .init_machine = kvm_init_machine,
    .vcpu_create = kvm_vcpu_create,
    .kick = kvm_kick,
    .sync_regs_from = kvm_sync_regs_from,
    .sync_regs_to = kvm_sync_regs_to,
    .set_irq = kvm_set_irq,
    .send_msi = kvm_send_msi,
    .inject_nmi = kvm_inject_nmi,
    .info = kvm_info,
    .reset_vm = kvm_reset_vm,
    .insert_breakpoint = kvm_insert_breakpoint,
    .remove_breakpoint = kvm_remove_breakpoint,
    .remove_all_breakpoints = kvm_remove_all_breakpoints,
    .update_guest_debug = kvm_update_guest_debug,
    .has_irqchip = true,
};

MIMIC_INIT(kvm_accel_register)
{
    struct sigaction sa = {.sa_handler = kick_handler};

    sigemptyset(&sa.sa_mask);
    sigaction(SIG_KICK, &sa, NULL);
    accel_register(&kvm_accel_ops);
}
