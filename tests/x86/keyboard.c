/*
 * keyboard: the guest side of the monitor's sendkey. Turns on the 8042's
 * set-2 to set-1 translation (as PC firmware does), then polls the
 * controller and prints every byte the keyboard sends as "scancode 0xNN",
 * until the Esc key's release (0x81) ends the test. The keyboard interrupt
 * stays enabled in the command byte but masked at the PIC, so the machine's
 * interrupt counts see IRQ 1 while the program polls.
 */
#include "test.h"

const char test_name[] = "keyboard";

#define I8042_DATA 0x60
#define I8042_STATUS 0x64 /* read */
#define I8042_COMMAND 0x64 /* write */
#define STATUS_OBF 0x01   /* output buffer full: a byte waits at 0x60 */
#define STATUS_IBF 0x02   /* input buffer full: the controller has not taken our byte */
#define CCMD_WRITE_CTR 0x60
#define CTR_KBD_INT 0x01
#define CTR_SYS 0x04
#define CTR_XLATE 0x40
#define SET1_ESC_RELEASE 0x81

static void wait_input_empty(void)
{
    while (inb(I8042_STATUS) & STATUS_IBF) {
        asm volatile("pause");
    }
}

static uint8_t read_scancode(void)
{
    while (!(inb(I8042_STATUS) & STATUS_OBF)) {
        asm volatile("pause");
    }
    return inb(I8042_DATA);
}

void test_main(void)
{
    uint8_t code;

    cli();
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    while (inb(I8042_STATUS) & STATUS_OBF) {
        inb(I8042_DATA);
    }
    wait_input_empty();
    outb(I8042_COMMAND, CCMD_WRITE_CTR);
    wait_input_empty();
    outb(I8042_DATA, CTR_KBD_INT | CTR_SYS | CTR_XLATE);
    wait_input_empty();
    printf("keyboard: ready\n");
    do {
        code = read_scancode();
        printf("scancode 0x%02x\n", code);
    } while (code != SET1_ESC_RELEASE);
}
