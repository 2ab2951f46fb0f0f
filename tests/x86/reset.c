/*
 * reset: two machine resets and the state that survives them. CMOS NVRAM
 * byte 0x40 (MC146818 RAM behind ports 0x70/0x71, untouched by a reset)
 * carries the stage across boots; the emulator reloads this multiboot
 * program after each reset.
 *
 *   0 (or junk) -> write 1, reset through the i8042 (0xfe to port 0x64)
 *   1           -> write 2, reset through the PIIX reset control register
 *                  (0x02 then 0x06 to port 0xcf9)
 *   2           -> write 0, PASS
 *
 * A reset that does not happen ends in FAIL; a reset that loses the CMOS
 * byte loops until the harness's timeout.
 */
#include "test.h"

const char test_name[] = "reset";

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_STAGE 0x40
#define I8042_CMD 0x64
#define I8042_STATUS_IBF 0x02
#define I8042_CMD_PULSE_RESET 0xfe
#define RESET_CONTROL 0xcf9
#define RESET_CONTROL_HARD 0x02
#define RESET_CONTROL_RESET_CPU 0x04
#define RESET_WAIT_TSC 5000000000ul

static uint8_t cmos_read(uint8_t index)
{
    outb(CMOS_INDEX, index);
    return inb(CMOS_DATA);
}

static void cmos_write(uint8_t index, uint8_t val)
{
    outb(CMOS_INDEX, index);
    outb(CMOS_DATA, val);
}

static void expect_reset(const char *how)
{
    uint64_t start = rdtsc();

    /* A reset stops us in this loop; 5e9 TSC cycles (seconds) later, it has not happened. */
    while (rdtsc() - start < RESET_WAIT_TSC) {
        cpu_relax();
    }
    test_fail("still running %lu TSC cycles after a reset through %s", RESET_WAIT_TSC, how);
}

void test_main(void)
{
    uint8_t stage = cmos_read(CMOS_STAGE);

    printf("reset: CMOS[0x%x] = %u\n", CMOS_STAGE, stage);
    switch (stage) {
    case 1:
        cmos_write(CMOS_STAGE, 2);
        printf("reset: stage 1: resetting through port 0x%x (0x%x, then 0x%x)\n", RESET_CONTROL,
               RESET_CONTROL_HARD, RESET_CONTROL_HARD | RESET_CONTROL_RESET_CPU);
        serial_flush();
        outb(RESET_CONTROL, RESET_CONTROL_HARD);
        outb(RESET_CONTROL, RESET_CONTROL_HARD | RESET_CONTROL_RESET_CPU);
        expect_reset("port 0xcf9");
        break;
    case 2:
        cmos_write(CMOS_STAGE, 0);
        if (cmos_read(CMOS_STAGE) != 0) {
            test_fail("CMOS[0x%x] reads %u after writing 0", CMOS_STAGE, cmos_read(CMOS_STAGE));
        }
        printf("reset: stage 2: back after the i8042 and 0xcf9 resets\n");
        break;
    default:
        cmos_write(CMOS_STAGE, 1);
        if (cmos_read(CMOS_STAGE) != 1) {
            test_fail("CMOS[0x%x] reads %u after writing 1", CMOS_STAGE, cmos_read(CMOS_STAGE));
        }
        printf("reset: stage 0: resetting through the i8042 (0x%x to port 0x%x)\n",
               I8042_CMD_PULSE_RESET, I8042_CMD);
        serial_flush();
        for (int i = 0; i < 100000 && (inb(I8042_CMD) & I8042_STATUS_IBF); i++) {
            cpu_relax();
        }
        outb(I8042_CMD, I8042_CMD_PULSE_RESET);
        expect_reset("the i8042");
        break;
    }
}
