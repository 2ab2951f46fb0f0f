/*
 * debugexit: write the command line's code=N to isa-debug-exit (port 0xf4,
 * 32-bit), so the harness can check that the emulator exits with status
 * (N << 1) | 1. code=0 (the default) is an ordinary pass.
 */
#include "test.h"

const char test_name[] = "debugexit";

void test_main(void)
{
    uint64_t code = cmdline_get_uint("code", 0);

    if (code > 0xffffffffu) {
        test_fail("code=%lu does not fit the 32-bit port", code);
    }
    printf("debugexit: writing code=%lu to port 0x%x, expect exit status %lu\n", code,
           DEBUG_EXIT_PORT, ((code << 1) | 1) & 0xff);
    if (code == 0) {
        printf("PASS\n");
    }
    serial_flush();
    outl(DEBUG_EXIT_PORT, (uint32_t)code);
    test_fail("still running after writing to isa-debug-exit at 0x%x", DEBUG_EXIT_PORT);
}
