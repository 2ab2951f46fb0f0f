/*
 * x86 glue for the KVM accelerator: in-kernel irqchip and PIT, CPUID from
 * KVM's supported list filtered by the CPU model, register transfer, reset
 * of the in-kernel LAPIC/IOAPIC/PIC, and the failure report.
 */
#include "accel/kvm.h"
#include "target/x86/cpu.h"
#include "system/memory.h"
#include "util/error.h"
#include <linux/kvm.h>

#define KVM_TSS_ADDRESS 0xfffbd000
#define KVM_IDENTITY_MAP_ADDRESS 0xfffbc000
#define MAX_CPUID_ENTRIES 256

#define MSR_IA32_TSC 0x10
#define MSR_IA32_MISC_ENABLE 0x1a0
#define MSR_IA32_MISC_ENABLE_FAST_STRING 1
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102

static struct kvm_cpuid2 *supported_cpuid;
/* struct kvm_regs lists the general registers in this order. */
static const int kvm_gpr_order[16] = {R_EAX, R_EBX, R_ECX, R_EDX, R_ESI, R_EDI, R_ESP, R_EBP,
                                      R_R8, R_R9, R_R10, R_R11, R_R12, R_R13, R_R14, R_R15};
static const MachineState *machine;

/*
 * GSI routing as on real PC hardware: ISA IRQs 0-15 reach both 8259s, and the
 * IOAPIC's pins; the PIT (GSI 0) is wired to IOAPIC pin 2, matching the MADT's
 * interrupt source override, and nothing else uses pin 2.
 */
static bool setup_gsi_routing(GError **errp)
{
    g_autofree struct kvm_irq_routing *r =
        g_malloc0(sizeof(*r) + 64 * sizeof(struct kvm_irq_routing_entry));
    int ret;

    for (unsigned gsi = 0; gsi < 16; gsi++) {
        if (gsi == 2) {
            continue; /* the cascade */
        }
        r->entries[r->nr++] = (struct kvm_irq_routing_entry){
            .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = {.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE,
                          .pin = gsi % 8}};
    }
    for (unsigned gsi = 0; gsi < KVM_IOAPIC_NUM_PINS; gsi++) {
        if (gsi == 2) {
            continue;
        }
        r->entries[r->nr++] = (struct kvm_irq_routing_entry){
            .gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
            .u.irqchip = {.irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi == 0 ? 2 : gsi}};
    }
    ret = kvm_vm_ioctl(KVM_SET_GSI_ROUTING, r);
    if (ret < 0) {
        error_setg(errp, "KVM_SET_GSI_ROUTING failed: %s", g_strerror(-ret));
        return false;
    }
    return true;
}

bool kvm_arch_init(MachineState *ms, GError **errp)
{
    struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
    uint64_t identity = KVM_IDENTITY_MAP_ADDRESS;
    int ret;

    machine = ms;
    ret = kvm_vm_ioctl(KVM_SET_IDENTITY_MAP_ADDR, &identity);
    if (ret < 0) {
        error_setg(errp, "KVM_SET_IDENTITY_MAP_ADDR failed: %s", g_strerror(-ret));
        return false;
    }
    ret = kvm_vm_ioctl(KVM_SET_TSS_ADDR, (void *)(uintptr_t)KVM_TSS_ADDRESS);
    if (ret < 0) {
        error_setg(errp, "KVM_SET_TSS_ADDR failed: %s", g_strerror(-ret));
        return false;
    }
    ret = kvm_vm_ioctl(KVM_CREATE_IRQCHIP, NULL);
    if (ret < 0) {
        error_setg(errp, "cannot create the in-kernel interrupt controllers: %s",
                   g_strerror(-ret));
        return false;
    }
    if (!setup_gsi_routing(errp)) {
        return false;
    }
    ret = kvm_vm_ioctl(KVM_CREATE_PIT2, &pit);
    if (ret < 0) {
        error_setg(errp, "cannot create the in-kernel PIT: %s", g_strerror(-ret));
        return false;
    }
    supported_cpuid = g_malloc0(sizeof(*supported_cpuid) +
                                MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2));
    supported_cpuid->nent = MAX_CPUID_ENTRIES;
    ret = kvm_ioctl(KVM_GET_SUPPORTED_CPUID, supported_cpuid);
    if (ret < 0) {
        error_setg(errp, "KVM_GET_SUPPORTED_CPUID failed: %s", g_strerror(-ret));
        return false;
    }
    return true;
}

static unsigned bits_for(unsigned count)
{
    unsigned bits = 0;
    while ((1u << bits) < count) {
        bits++;
    }
    return bits;
}

/* Topology leaves: how many threads and cores share a package, and this CPU's x2APIC id. */
static void fix_topology(struct kvm_cpuid_entry2 *e, uint32_t apic_id)
{
    const CpuTopology *t = &machine->smp;
    unsigned per_package = t->cores * t->threads;

    switch (e->function) {
    case 1:
        e->ebx = (e->ebx & 0xffff) | (MIN(per_package, 255u) << 16) | (apic_id << 24);
        e->ecx |= 1u << 31; /* running under a hypervisor */
        if (per_package > 1) {
            e->edx |= 1u << 28; /* HTT: the count above is valid */
        }
        break;
    case 4:
        if (e->eax & 0x1f) {
            e->eax = (e->eax & 0x3fff) | ((t->cores - 1) << 26) |
                     ((((e->eax >> 5) & 7) >= 2 ? per_package - 1 : t->threads - 1) << 14);
        }
        break;
    case 0xb:
    case 0x1f:
        e->edx = apic_id;
        if (e->index == 0) {
            e->eax = bits_for(t->threads);
            e->ebx = t->threads;
            e->ecx = (1u << 8) | e->index;
        } else if (e->index == 1) {
            e->eax = bits_for(t->threads) + bits_for(t->cores);
            e->ebx = per_package;
            e->ecx = (2u << 8) | e->index;
        } else {
            e->eax = e->ebx = 0;
            e->ecx = e->index;
        }
        break;
    }
}

static bool setup_cpuid(CPUState *cs, GError **errp)
{
    X86CPU *cpu = X86_CPU(cs);
    g_autofree struct kvm_cpuid2 *cpuid = g_malloc0(
        sizeof(*cpuid) + supported_cpuid->nent * sizeof(struct kvm_cpuid_entry2));
    int ret;

    cpuid->nent = supported_cpuid->nent;
    memcpy(cpuid->entries, supported_cpuid->entries,
           supported_cpuid->nent * sizeof(struct kvm_cpuid_entry2));
    for (uint32_t i = 0; i < cpuid->nent; i++) {
        struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
        fix_topology(e, cs->arch_id);
        if (!x86_cpu_model_is_host(cpu->model)) {
            x86_cpu_model_filter_cpuid(cpu->model, e->function, e->index, &e->eax, &e->ebx,
                                       &e->ecx, &e->edx);
        }
    }
    ret = kvm_vcpu_ioctl(cs, KVM_SET_CPUID2, cpuid);
    if (ret < 0) {
        error_setg(errp, "KVM_SET_CPUID2 failed for vCPU %d: %s", cs->index, g_strerror(-ret));
        return false;
    }
    return true;
}

bool kvm_arch_init_vcpu(CPUState *cs, GError **errp)
{
    return setup_cpuid(cs, errp);
}

static void seg_to_kvm(struct kvm_segment *k, const X86Segment *s)
{
    *k = (struct kvm_segment){
        .base = s->base, .limit = s->limit, .selector = s->selector, .type = s->type,
        .present = s->present, .dpl = s->dpl, .db = s->db, .s = s->s, .l = s->l, .g = s->g,
        .avl = s->avl, .unusable = s->unusable || !s->present,
    };
}

static void seg_from_kvm(X86Segment *s, const struct kvm_segment *k)
{
    *s = (X86Segment){
        .base = k->base, .limit = k->limit, .selector = k->selector, .type = k->type,
        .present = k->present, .dpl = k->dpl, .db = k->db, .s = k->s, .l = k->l, .g = k->g,
        .avl = k->avl, .unusable = k->unusable,
    };
}

static struct kvm_segment *sregs_seg(struct kvm_sregs *sr, int i)
{
    struct kvm_segment *segs[X86_NUM_SEGS] = {&sr->es, &sr->cs, &sr->ss, &sr->ds, &sr->fs,
                                              &sr->gs};
    return segs[i];
}

/* The power-on state of what lives only in KVM: LAPIC registers, FPU, a few MSRs. */
static void put_reset_state(CPUState *cs)
{
    struct kvm_lapic_state lapic = {0};
    struct kvm_fpu fpu = {.fcw = 0x37f, .mxcsr = 0x1f80};
    struct {
        struct kvm_msrs hdr;
        struct kvm_msr_entry e[10];
    } msrs = {.hdr.nmsrs = 10,
              .e = {{.index = MSR_IA32_TSC}, {.index = MSR_IA32_MISC_ENABLE,
                                              .data = MSR_IA32_MISC_ENABLE_FAST_STRING},
                    {.index = MSR_IA32_SYSENTER_CS}, {.index = MSR_IA32_SYSENTER_ESP},
                    {.index = MSR_IA32_SYSENTER_EIP}, {.index = MSR_STAR}, {.index = MSR_LSTAR},
                    {.index = MSR_CSTAR}, {.index = MSR_FMASK}, {.index = MSR_KERNEL_GS_BASE}}};
    uint32_t *reg = (uint32_t *)lapic.regs;

    /* Intel SDM vol. 3 §10.4.7.1: LVTs masked, SVR 0xff, DFR all ones, ID kept. */
    reg[0x20 / 4] = (uint32_t)cs->arch_id << 24;
    reg[0xe0 / 4] = 0xffffffff;
    reg[0xf0 / 4] = 0xff;
    for (unsigned off = 0x320; off <= 0x370; off += 0x10) {
        reg[off / 4] = 1u << 16;
    }
    reg[0x2f0 / 4] = 1u << 16; /* LVT CMCI */
    kvm_vcpu_ioctl(cs, KVM_SET_LAPIC, &lapic);
    kvm_vcpu_ioctl(cs, KVM_SET_FPU, &fpu);
    kvm_vcpu_ioctl(cs, KVM_SET_MSRS, &msrs);
}

/* x87/SSE state (the FXSAVE image KVM_GET_FPU gives), for the gdbstub. */
static void get_fpu(CPUState *cs)
{
    X86FPUState *f = &X86_CPU(cs)->fpu;
    struct kvm_fpu fpu;

    if (kvm_vcpu_ioctl(cs, KVM_GET_FPU, &fpu) < 0) {
        return;
    }
    memcpy(f->st, fpu.fpr, sizeof(f->st));
    f->fcw = fpu.fcw;
    f->fsw = fpu.fsw;
    f->ftwx = fpu.ftwx;
    f->fop = fpu.last_opcode;
    f->fip = fpu.last_ip;
    f->fdp = fpu.last_dp;
    memcpy(f->xmm, fpu.xmm, sizeof(f->xmm));
    f->mxcsr = fpu.mxcsr;
}

static void put_fpu(CPUState *cs)
{
    const X86FPUState *f = &X86_CPU(cs)->fpu;
    struct kvm_fpu fpu = {
        .fcw = f->fcw, .fsw = f->fsw, .ftwx = f->ftwx, .last_opcode = f->fop,
        .last_ip = f->fip, .last_dp = f->fdp, .mxcsr = f->mxcsr,
    };

    memcpy(fpu.fpr, f->st, sizeof(fpu.fpr));
    memcpy(fpu.xmm, f->xmm, sizeof(fpu.xmm));
    kvm_vcpu_ioctl(cs, KVM_SET_FPU, &fpu);
}

bool kvm_arch_put_registers(CPUState *cs)
{
    X86CPU *cpu = X86_CPU(cs);
    struct kvm_regs regs = {0};
    struct kvm_sregs sregs = {0};
    struct kvm_mp_state mp = {
        .mp_state = cpu->mp_state == X86_MP_RUNNABLE ? KVM_MP_STATE_RUNNABLE
                                                      : KVM_MP_STATE_UNINITIALIZED,
    };
    __u64 *gpr = &regs.rax;

    if (cpu->reset_pending) {
        put_reset_state(cs);
        cpu->reset_pending = false;
        cpu->fpu_dirty = false;
    }
    if (cpu->fpu_dirty) {
        put_fpu(cs);
        cpu->fpu_dirty = false;
    }
    for (int i = 0; i < 16; i++) {
        gpr[i] = cpu->regs[kvm_gpr_order[i]];
    }
    regs.rip = cpu->rip;
    regs.rflags = cpu->rflags;
    /* sregs first: KVM checks the register state against the mode. */
    if (kvm_vcpu_ioctl(cs, KVM_GET_SREGS, &sregs) < 0) {
        return false;
    }
    for (int i = 0; i < X86_NUM_SEGS; i++) {
        seg_to_kvm(sregs_seg(&sregs, i), &cpu->segs[i]);
    }
    seg_to_kvm(&sregs.ldt, &cpu->ldt);
    seg_to_kvm(&sregs.tr, &cpu->tr);
    sregs.ldt.unusable = false;
    sregs.tr.unusable = false;
    sregs.gdt.base = cpu->gdt.base;
    sregs.gdt.limit = cpu->gdt.limit;
    sregs.idt.base = cpu->idt.base;
    sregs.idt.limit = cpu->idt.limit;
    sregs.cr0 = cpu->cr[0];
    sregs.cr2 = cpu->cr[2];
    sregs.cr3 = cpu->cr[3];
    sregs.cr4 = cpu->cr[4];
    sregs.cr8 = cpu->cr8;
    sregs.efer = cpu->efer;
    sregs.apic_base = cpu->apic_base;
    return kvm_vcpu_ioctl(cs, KVM_SET_SREGS, &sregs) >= 0 &&
           kvm_vcpu_ioctl(cs, KVM_SET_REGS, &regs) >= 0 &&
           kvm_vcpu_ioctl(cs, KVM_SET_MP_STATE, &mp) >= 0;
}

bool kvm_arch_get_registers(CPUState *cs)
{
    X86CPU *cpu = X86_CPU(cs);
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    struct kvm_mp_state mp;
    __u64 *gpr = &regs.rax;

    if (kvm_vcpu_ioctl(cs, KVM_GET_REGS, &regs) < 0 ||
        kvm_vcpu_ioctl(cs, KVM_GET_SREGS, &sregs) < 0) {
        return false;
    }
    for (int i = 0; i < 16; i++) {
        cpu->regs[kvm_gpr_order[i]] = gpr[i];
    }
    cpu->rip = regs.rip;
    cpu->rflags = regs.rflags;
    for (int i = 0; i < X86_NUM_SEGS; i++) {
        seg_from_kvm(&cpu->segs[i], sregs_seg(&sregs, i));
    }
    seg_from_kvm(&cpu->ldt, &sregs.ldt);
    seg_from_kvm(&cpu->tr, &sregs.tr);
    cpu->gdt = (X86DescTable){sregs.gdt.base, sregs.gdt.limit};
    cpu->idt = (X86DescTable){sregs.idt.base, sregs.idt.limit};
    cpu->cr[0] = sregs.cr0;
    cpu->cr[2] = sregs.cr2;
    cpu->cr[3] = sregs.cr3;
    cpu->cr[4] = sregs.cr4;
    cpu->cr8 = sregs.cr8;
    cpu->efer = sregs.efer;
    cpu->apic_base = sregs.apic_base;
    get_fpu(cs);
    if (kvm_vcpu_ioctl(cs, KVM_GET_MP_STATE, &mp) >= 0) {
        cpu->mp_state = mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||
                                mp.mp_state == KVM_MP_STATE_INIT_RECEIVED
                            ? X86_MP_WAIT_SIPI
                            : X86_MP_RUNNABLE;
    }
    return true;
}

/* ---- guest debugging ---- */

#define X86_INT3 0xcc
#define EXCP_DB 1
#define EXCP_BP 3
#define DR6_BS (1u << 14) /* single step */
#define DR7_GE (1u << 9)
#define DR7_FIXED_1 (1u << 10)

/* DR0-DR3 (Intel SDM vol. 3 §17.2): one instruction breakpoint each. */
static struct {
    bool used;
    uint64_t addr;
} hw_bp[4];

bool kvm_arch_insert_sw_breakpoint(CPUState *cs, KVMSwBreakpoint *bp)
{
    static const uint8_t int3 = X86_INT3;

    return cs->cc->memory_rw_debug(cs, bp->addr, bp->saved, 1, false) &&
           cs->cc->memory_rw_debug(cs, bp->addr, (void *)&int3, 1, true);
}

bool kvm_arch_remove_sw_breakpoint(CPUState *cs, KVMSwBreakpoint *bp)
{
    uint8_t now;

    if (!cs->cc->memory_rw_debug(cs, bp->addr, &now, 1, false)) {
        return false;
    }
    /* Restore only what we wrote: the guest may have replaced the code since. */
    return now != X86_INT3 || cs->cc->memory_rw_debug(cs, bp->addr, bp->saved, 1, true);
}

int kvm_arch_insert_hw_breakpoint(int type, uint64_t addr, uint64_t len)
{
    /*
     * Instruction breakpoints only. Data watchpoints through DR7 were left
     * out: the nested KVM this was developed on never delivers their #DB, and
     * gdb falls back to watching by single-stepping, slow but right.
     */
    if (type != GDB_BREAKPOINT_HW) {
        return -ENOSYS;
    }
    for (int i = 0; i < 4; i++) {
        if (!hw_bp[i].used) {
            hw_bp[i].used = true;
            hw_bp[i].addr = addr;
            return 0;
        }
    }
    return -ENOSPC;
}

int kvm_arch_remove_hw_breakpoint(int type, uint64_t addr, uint64_t len)
{
    for (int i = 0; i < 4; i++) {
        if (type == GDB_BREAKPOINT_HW && hw_bp[i].used && hw_bp[i].addr == addr) {
            hw_bp[i].used = false;
            return 0;
        }
    }
    return -ENOENT;
}

void kvm_arch_remove_all_hw_breakpoints(void)
{
    memset(hw_bp, 0, sizeof(hw_bp));
}

void kvm_arch_update_guest_debug(CPUState *cs, struct kvm_guest_debug *dbg)
{
    uint64_t dr7 = DR7_GE | DR7_FIXED_1;
    bool any = false;

    for (int i = 0; i < 4; i++) {
        if (!hw_bp[i].used) {
            continue;
        }
        any = true;
        dbg->arch.debugreg[i] = hw_bp[i].addr;
        dr7 |= 2ULL << (i * 2); /* Gi; R/Wi = 00 (execute) and LENi = 00 (1 byte) */
    }
    if (any) {
        dbg->control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
        dbg->arch.debugreg[7] = dr7;
    }
}

/* An exception the debugger does not own goes to the guest as if never intercepted. */
static void reinject_exception(CPUState *cs, unsigned nr)
{
    struct kvm_vcpu_events events;

    if (kvm_vcpu_ioctl(cs, KVM_GET_VCPU_EVENTS, &events) < 0) {
        return;
    }
    events.exception.injected = 1;
    events.exception.nr = nr;
    events.exception.has_error_code = 0;
    events.exception.error_code = 0;
    events.flags = 0;
    kvm_vcpu_ioctl(cs, KVM_SET_VCPU_EVENTS, &events);
}

bool kvm_arch_handle_debug(CPUState *cs, struct kvm_run *run)
{
    const struct kvm_debug_exit_arch *a = &run->debug.arch;

    if (a->exception == EXCP_DB) {
        if ((a->dr6 & DR6_BS) && cs->singlestep_enabled) {
            cs->debug_reason = CPU_DEBUG_STEP;
            return true;
        }
        for (int i = 0; i < 4; i++) {
            if (!(a->dr6 & (1u << i)) || !hw_bp[i].used) {
                continue;
            }
            cs->debug_reason = CPU_DEBUG_HWBREAK;
            return true;
        }
    } else if (a->exception == EXCP_BP && kvm_sw_breakpoint_at(a->pc)) {
        cs->debug_reason = CPU_DEBUG_SWBREAK;
        return true;
    }
    reinject_exception(cs, a->exception);
    return false;
}

bool kvm_arch_handle_exit(CPUState *cpu, struct kvm_run *run)
{
    return false; /* everything x86 needs is handled generically with the in-kernel irqchip */
}

void kvm_arch_describe_failure(CPUState *cs, GString *out)
{
    uint8_t code[16];
    uint64_t pc = cs->cc->get_pc(cs);

    cs->cc->dump_state(cs, out);
    if (cs->cc->memory_rw_debug(cs, pc, code, sizeof(code), false)) {
        g_string_append(out, "Code at RIP:");
        for (size_t i = 0; i < sizeof(code); i++) {
            g_string_append_printf(out, " %02x", code[i]);
        }
        g_string_append_c(out, '\n');
    } else {
        g_string_append_printf(out, "Code at RIP: (address 0x%" PRIx64 " is not mapped)\n", pc);
    }
}

/* IOAPIC: every pin masked; PIC: everything masked and idle (as after power-on). */
void kvm_arch_reset_vm(void)
{
    struct kvm_irqchip chip = {.chip_id = KVM_IRQCHIP_IOAPIC};

    if (kvm_vm_ioctl(KVM_GET_IRQCHIP, &chip) == 0) {
        for (int i = 0; i < KVM_IOAPIC_NUM_PINS; i++) {
            chip.chip.ioapic.redirtbl[i].bits = 1ULL << 16;
        }
        chip.chip.ioapic.irr = 0;
        kvm_vm_ioctl(KVM_SET_IRQCHIP, &chip);
    }
    for (int id = KVM_IRQCHIP_PIC_MASTER; id <= KVM_IRQCHIP_PIC_SLAVE; id++) {
        struct kvm_irqchip pic = {.chip_id = id};
        if (kvm_vm_ioctl(KVM_GET_IRQCHIP, &pic) == 0) {
            pic.chip.pic.imr = 0xff;
            pic.chip.pic.irr = 0;
            pic.chip.pic.isr = 0;
            pic.chip.pic.init_state = 0;
            kvm_vm_ioctl(KVM_SET_IRQCHIP, &pic);
        }
    }
}

void kvm_arch_info(GString *out)
{
    g_string_append(out, "irqchip: in-kernel (PIC, IOAPIC, LAPIC, PIT)\n");
}
