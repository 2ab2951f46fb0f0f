/*
 * modes: the CPU's operating modes, round trip. Multiboot enters in 32-bit
 * protected mode; the library goes to 64-bit long mode; modes_switch.S goes
 * back to 32-bit protected mode, down to 16-bit real mode (no BIOS: code
 * copied below 1 MiB), and up to 64-bit again. Each stage prints a line from
 * that mode and leaves evidence that this file checks.
 */
#include "asm.h"
#include "modes.h"
#include "test.h"

const char test_name[] = "modes";

extern const char modes_real_start[], modes_real_end[];
extern volatile uint32_t modes_seen;
void modes_round_trip(void);

static void check_long_mode(const char *when)
{
    uint64_t efer = rdmsr(MSR_EFER);
    uint16_t cs;

    asm volatile("mov %%cs, %0" : "=r"(cs));
    if (!(efer & EFER_LMA) || cs != SEL_CS64) {
        test_fail("%s: not in 64-bit mode (EFER 0x%lx, CS 0x%x)", when, efer, cs);
    }
    printf("modes: 64-bit long mode (%s, EFER.LMA=1, CS=0x%x)\n", when, cs);
}

void test_main(void)
{
    size_t len = modes_real_end - modes_real_start;
    uintptr_t base = MODES_REAL_BASE;

    if (!(modes_seen & MODES_SEEN_ENTRY32)) {
        test_fail("entry was not in 32-bit protected mode with paging off");
    }
    check_long_mode("entered from 32-bit protected mode");

    if (!boot_range_is_ram(base, 0x1000)) {
        test_fail("0x%lx-0x%lx is not RAM in the multiboot memory map", base, base + 0xfff);
    }
    if (len > MODES_CR0_OFF) {
        test_fail("real-mode code (%zu bytes) overlaps its data", len);
    }
    memcpy((void *)base, modes_real_start, len);
    mmio_write16(base + MODES_CR0_OFF, 0xffff);
    mmio_write16(base + MODES_MARKER_OFF, 0);

    cli();
    modes_round_trip();

    check_long_mode("back from real mode");
    if (!(modes_seen & MODES_SEEN_DOWN32)) {
        test_fail("EFER.LMA still set after leaving long mode");
    }
    uint16_t cr0 = mmio_read16(base + MODES_CR0_OFF);
    if (cr0 & CR0_PE) {
        test_fail("16-bit stage ran with CR0.PE set (CR0 low word 0x%x)", cr0);
    }
    uint16_t marker = mmio_read16(base + MODES_MARKER_OFF);
    if (marker != MODES_MARKER) {
        test_fail("real-mode write via ES=0x%x:0x%x read back 0x%x, expected 0x%x",
                  MODES_REAL_BASE >> 4, MODES_MARKER_OFF, marker, MODES_MARKER);
    }
    if (!(modes_seen & MODES_SEEN_UP32)) {
        test_fail("paging still on in 32-bit protected mode after real mode");
    }
}
