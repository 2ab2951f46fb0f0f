/*
 * The gdbstub's shared state: gdbstub.c owns the connection, the packet
 * framing and run control; packets.c answers the packets.
 */
#ifndef GDBSTUB_INTERNAL_H
#define GDBSTUB_INTERNAL_H

#include "gdbstub/gdbstub.h"
#include "chardev/char.h"

/*
 * The largest packet payload either side sends: what qSupported advertises as
 * PacketSize. Longer input is dropped with an error reply, never buffered.
 */
#define GDB_MAX_PACKET 4096

/* GDB's signal numbers (include/gdb/signals.def). */
#define GDB_SIGNAL_INT 2
#define GDB_SIGNAL_TRAP 5

typedef enum GDBReadState {
    RS_IDLE,    /* between packets: '$', acks and Ctrl-C */
    RS_GETLINE, /* in a packet body */
    RS_ESCAPE,  /* after '}' */
    RS_REPEAT,  /* after '*': a run-length count follows */
    RS_CHKSUM1,
    RS_CHKSUM2,
} GDBReadState;

typedef struct GDBState {
    CharFrontend fe;
    bool attached; /* fe is on a chardev */
    char *device;
    int generation; /* chardev labels: gdb, gdb1, ... */
    bool connected; /* a debugger is on the other end */

    /* Input. */
    GDBReadState state;
    char line[GDB_MAX_PACKET + 1];
    size_t line_len;
    bool overflow;       /* the packet being read is longer than line */
    uint8_t sum;         /* of the body as it came */
    uint8_t csum;        /* what the packet says */
    bool noack;          /* QStartNoAckMode */
    GString *last_reply; /* framed, for a resend on '-' */

    /* Run control. */
    CPUState *g_cpu;    /* Hg: registers and memory */
    CPUState *c_cpu;    /* Hc: step and continue */
    bool waiting_stop;  /* resumed by c/s/vCont: a stop reply is due */
    CPUState *stop_cpu; /* the vCPU whose debug event stopped the VM */
    bool debug_stop_queued;
} GDBState;

extern GDBState gdb;

/* gdbstub.c */
void gdb_put_packet(const char *payload, size_t len);
void gdb_put_str(const char *payload);
/* Resume the VM; step_cpu (or none) single-steps. A stop reply follows later. */
void gdb_resume(CPUState *step_cpu);
/* The stop reply for the current stop (T05thread:N;swbreak:; ...). */
void gdb_stop_reply(GString *out);
/* Forget breakpoints and single step, resume the VM ('D', and a vanished debugger). */
void gdb_detach(void);
/* Main loop, big lock held: one complete packet body. */
void gdb_handle_packet(const char *pkt, size_t len);

static inline int gdb_thread_id(CPUState *cpu)
{
    return cpu->index + 1;
}

#endif
