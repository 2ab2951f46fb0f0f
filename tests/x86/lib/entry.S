/*
 * Multiboot v1 entry of every test program (Multiboot Specification 0.6.96,
 * 3.1 "OS image format" and 3.2 "Machine state"): the loader enters _start in
 * flat 32-bit protected mode, paging off, EAX = 0x2badb002, EBX = the physical
 * address of the multiboot information structure.
 *
 * The stub installs its own GDT (asm.h lists the selectors), clears .bss,
 * identity-maps the low 4 GiB with 2 MiB pages (3-4 GiB, where the LAPIC,
 * IOAPIC and test MMIO live, uncached), enters long mode and calls
 * lib_main(magic, info). It also provides polled serial output callable from
 * 32-bit code, for the programs that print before or outside long mode.
 */
#include "asm.h"

#define MB_HEADER_MAGIC 0x1badb002
#define MB_HEADER_FLAGS 0x00000003 /* bit 0: page-align modules, bit 1: memory info */

#define PTE_P 0x001
#define PTE_RW 0x002
#define PTE_PWT 0x008
#define PTE_PCD 0x010
#define PTE_PS 0x080

    /* Must lie in the first 8 KiB of the file; link.ld puts it first. */
    .section .multiboot, "a"
    .balign 4
    .long MB_HEADER_MAGIC
    .long MB_HEADER_FLAGS
    .long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

    .data
    .balign 16
    .globl gdt
gdt:
    .quad 0
    .quad 0x00af9a000000ffff /* SEL_CS64 */
    .quad 0x00cf92000000ffff /* SEL_DS */
    .quad 0x00cf9a000000ffff /* SEL_CS32 */
    .quad 0x00009a000000ffff /* SEL_CS16 */
    .quad 0x000092000000ffff /* SEL_DS16 */
gdt_end:
    .if gdt_end - gdt - GDT_ENTRIES * 8
    .error "GDT_ENTRIES does not match the table"
    .endif

    /* 10 bytes for lgdt in long mode; 32-bit lgdt reads the first 6. */
    .balign 8
    .globl gdt_ptr
gdt_ptr:
    .word gdt_end - gdt - 1
    .quad gdt

    /* In .data, not .bss: written before .bss is cleared. */
    .balign 4
boot_magic:
    .long 0
boot_info:
    .long 0

    .bss
    .balign 4096
    .globl boot_pml4
boot_pml4:
    .skip 4096
boot_pdpt:
    .skip 4096
boot_pd:
    .skip 4 * 4096
    .balign 16
boot_stack:
    .skip 16384
    .globl boot_stack_top
boot_stack_top:

    .section .text.boot, "ax"
    .code32
    .globl _start
_start:
    cli
    cld
    movl %eax, boot_magic
    movl %ebx, boot_info
    lgdt gdt_ptr
    ljmp $SEL_CS32, $1f
1:
    LOAD_DATA_SEGMENTS SEL_DS

    /* .bss holds the page tables and the stack: clear it first. */
    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb
    movl $boot_stack_top, %esp

    call early32_hook

    /* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
    movl $(boot_pdpt + PTE_P + PTE_RW), %eax
    movl %eax, boot_pml4
    movl $(boot_pd + PTE_P + PTE_RW), %eax
    xorl %ecx, %ecx
2:
    movl %eax, boot_pdpt(, %ecx, 8)
    addl $4096, %eax
    incl %ecx
    cmpl $4, %ecx
    jb 2b

    movl $(PTE_P + PTE_RW + PTE_PS), %eax
    xorl %ecx, %ecx
3:
    movl %eax, %edx
    cmpl $1536, %ecx /* 3 GiB and up: devices, map uncached */
    jb 4f
    orl $(PTE_PCD + PTE_PWT), %edx
4:
    movl %edx, boot_pd(, %ecx, 8)
    addl $0x200000, %eax
    incl %ecx
    cmpl $2048, %ecx
    jb 3b

    ENTER_LONG_MODE32 start64

    .code64
start64:
    LOAD_DATA_SEGMENTS SEL_DS
    movq $boot_stack_top, %rsp
    movl boot_magic, %edi
    movl boot_info, %esi
    call lib_main
5:
    cli
    hlt
    jmp 5b

    /* Programs override this to run code at entry, in 32-bit protected mode. */
    .code32
    .weak early32_hook
early32_hook:
    ret

    /*
     * 32-bit code: program COM1 for 115200 8N1, FIFO on.
     * Clobbers eax, edx.
     */
    .globl serial_init32
serial_init32:
    movw $(COM1_BASE + 1), %dx /* IER: no interrupts */
    movb $0x00, %al
    outb %al, %dx
    movw $(COM1_BASE + 3), %dx /* LCR: DLAB */
    movb $0x80, %al
    outb %al, %dx
    movw $(COM1_BASE + 0), %dx /* DLL: divisor 1 */
    movb $0x01, %al
    outb %al, %dx
    movw $(COM1_BASE + 1), %dx /* DLM */
    movb $0x00, %al
    outb %al, %dx
    movw $(COM1_BASE + 3), %dx /* LCR: 8N1 */
    movb $0x03, %al
    outb %al, %dx
    movw $(COM1_BASE + 2), %dx /* FCR: enable and clear FIFOs */
    movb $0x07, %al
    outb %al, %dx
    movw $(COM1_BASE + 4), %dx /* MCR: DTR, RTS, OUT2 */
    movb $0x0b, %al
    outb %al, %dx
    ret

    /*
     * 32-bit code: write the NUL-terminated string at ESI to COM1, polling
     * LSR.THRE with a bound so that a missing UART cannot hang the caller.
     * Clobbers eax, ecx, edx, esi.
     */
    .globl serial_puts32
serial_puts32:
1:
    lodsb
    testb %al, %al
    jz 4f
    movb %al, %ah
    movw $(COM1_BASE + 5), %dx
    movl $1000000, %ecx
2:
    inb %dx, %al
    testb $0x20, %al
    jnz 3f
    loop 2b
3:
    movw $COM1_BASE, %dx
    movb %ah, %al
    outb %al, %dx
    jmp 1b
4:
    ret

    .section .note.GNU-stack, "", @progbits
