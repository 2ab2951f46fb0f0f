/*
 * The library's C entry point and the way out: lib_main() is what entry.S
 * calls once in long mode; test_pass()/test_fail() print the verdict and leave
 * through isa-debug-exit (QEMU's convention: exit status = (value << 1) | 1).
 */
#include "idt.h"
#include "test.h"

void lib_main(uint32_t magic, uint32_t info_addr);

void lib_main(uint32_t magic, uint32_t info_addr)
{
    serial_init();
    idt_init();
    multiboot_parse(magic, info_addr);
    printf("%s: multiboot cmdline \"%s\"\n", test_name, boot.cmdline);
    printf("%s: multiboot memory: lower %u KiB, upper %u KiB, %d map entries, %d modules\n",
           test_name, boot.mem_lower_kb, boot.mem_upper_kb, boot.nr_mmap, boot.nr_modules);
    test_main();
    test_pass();
}

void halt_forever(void)
{
    for (;;) {
        asm volatile("cli; hlt");
    }
}

void debug_exit(uint32_t code)
{
    serial_flush();
    outl(DEBUG_EXIT_PORT, code);
    /* Still here: no isa-debug-exit device. The harness's timeout reports it. */
    halt_forever();
}

void test_pass(void)
{
    printf("PASS\n");
    debug_exit(0);
}

void test_fail(const char *fmt, ...)
{
    va_list ap;

    printf("FAIL: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    debug_exit(1);
}
