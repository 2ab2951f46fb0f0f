/*
 * The machine base: a machine type builds the board (memory map, CPUs, devices,
 * firmware/kernel loading) from the user's configuration in MachineState.
 */
#ifndef CORE_MACHINE_H
#define CORE_MACHINE_H

#include "util/osdep.h"
#include "util/option.h"

typedef struct MachineState MachineState;

typedef struct CpuTopology {
    unsigned cpus;
    unsigned max_cpus;
    unsigned sockets;
    unsigned cores;
    unsigned threads;
} CpuTopology;

typedef struct MachineClass {
    const char *name;
    const char *alias; /* e.g. "pc" for "pc-mimic-1.0" */
    const char *desc;
    bool is_default;
    uint64_t default_ram_size;
    unsigned max_cpus;
    const char *default_cpu_type;
    const char *default_accel; /* "kvm:tcg" */
    const char *default_nic_model; /* -nic / -net nic without model=; NULL: model= needed */
    /* Without -nic, -net or -netdev (and -nodefaults): a default_nic_model NIC on -nic user. */
    bool default_net;
    const char *default_block_interface; /* if= of -drive without one and -hda; NULL: virtio */
    bool (*init)(MachineState *ms, GError **errp);
    /* Whole-machine reset: devices, CPUs, reloaded images. */
    void (*reset)(MachineState *ms);
    /* Extra -machine key=value options (e.g. dumpdtb); return false on error. */
    bool (*set_option)(MachineState *ms, const char *key, const char *value, GError **errp);
    const char *extra_options; /* names for help/errors */
} MachineClass;

struct MachineState {
    const MachineClass *mc;
    uint64_t ram_size;
    CpuTopology smp;
    const char *cpu_type;
    const char *kernel_filename;
    const char *initrd_filename;
    const char *kernel_cmdline;
    const char *firmware; /* -bios */
    const char *accel_list;
    char *name;
    void *board; /* the machine type's own state */
};

void machine_class_register(const MachineClass *mc);
const MachineClass *machine_class_find(const char *name);
const MachineClass *machine_class_default(void);
char *machine_help(void);

extern MachineState *current_machine;

/* Reset everything: machine hook (devices, then CPUs). Big lock held, vCPUs stopped. */
void machine_reset(MachineState *ms);

/* -smp "2" / "cpus=4,sockets=2,cores=2,threads=1,maxcpus=8" */
bool smp_parse(CpuTopology *topo, const char *str, unsigned max_cpus, GError **errp);

#endif
