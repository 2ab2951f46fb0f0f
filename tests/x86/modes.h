/*
 * Shared between modes.c and modes_switch.S: where the real-mode copy runs
 * and which stages have been seen.
 */
#ifndef TESTS_X86_MODES_H
#define TESTS_X86_MODES_H

#define MODES_REAL_BASE 0x8000  /* 4 KiB page of low RAM for the 16-bit code */
#define MODES_REAL_STACK 0x8ff0 /* real-mode SS:SP = 0:MODES_REAL_STACK */
#define MODES_CR0_OFF 0xe00     /* real mode stores its CR0 low word here */
#define MODES_MARKER_OFF 0xe04  /* and writes MODES_MARKER via ES = base >> 4 */
#define MODES_MARKER 0xbeef

#define MODES_SEEN_ENTRY32 0x1 /* entry: PE=1, PG=0 */
#define MODES_SEEN_DOWN32 0x2  /* after leaving long mode: EFER.LMA=0 */
#define MODES_SEEN_UP32 0x4    /* after real mode: PG=0 */

#endif
