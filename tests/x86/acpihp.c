/*
 * acpihp: ACPI PCI hotplug of bus 0 as the pc machine's DSDT drives it
 * (QEMU docs/specs/acpi_pci_hotplug.rst): the FADT's GPE0 block, the
 * registers at 0xae00 (PCIU, PCID, B0EJ, PCRM), and the SCI.
 *
 * The program prints the DSDT as hex ("dsdt: ..." lines, for the host to
 * disassemble), enables GPE0 bit 1, and prints "waiting for device_add"; the
 * host adds a card in slot=N. On the GPE it checks the SCI (IRQ 9, level mode
 * in the 8259's ELCR, seen in the slave's IRR), PCIU's bit for the slot
 * (cleared by the read), and prints the card's ids from configuration space.
 * Then "waiting for device_del": on the GPE, PCID's bit; the card is still
 * there until the program writes the slot's bit to B0EJ, after which its
 * configuration space reads all ones. Hostile writes (B0EJ of the host bridge's
 * slot, writes to the read-only registers) change nothing.
 *
 * Command line: slot=N (2-31, required).
 */
#include "acpi.h"
#include "apic.h"
#include "pci.h"
#include "test.h"

const char test_name[] = "acpihp";

#define FADT_PM1A_CNT_BLK 64
#define FADT_GPE0_BLK 80
#define FADT_GPE0_BLK_LEN 92
#define FADT_X_DSDT 140

#define PCIHP_BASE 0xae00
#define PCIHP_PCIU (PCIHP_BASE + 0x0)
#define PCIHP_PCID (PCIHP_BASE + 0x4)
#define PCIHP_B0EJ (PCIHP_BASE + 0x8)
#define PCIHP_PCRM (PCIHP_BASE + 0xc)
#define GPE_PCI_HOTPLUG (1u << 1)
#define SCI_IRQ 9

#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xa0
#define PIC_SLAVE_DATA 0xa1
#define PIC_OCW3_READ_IRR 0x0a
#define PIC_ELCR_SLAVE 0x4d1

#define HOTPLUG_WAIT_MS 20000

static uint16_t gpe0_sts, gpe0_en;

/* Function 0 of slot on bus 0. */
static uint32_t pci_config_read32(unsigned slot, unsigned reg)
{
    return pci_read32(slot << 3, reg);
}

static const struct acpi_header *find_dsdt(const uint8_t *fadt)
{
    uint32_t dsdt32;
    uint64_t dsdt;

    memcpy(&dsdt32, fadt + 40, 4);
    memcpy(&dsdt, fadt + FADT_X_DSDT, 8);
    return (const void *)(uintptr_t)(dsdt ? dsdt : dsdt32);
}

/* The whole DSDT as hex, 32 bytes a line, for the host's disassembler. */
static void print_dsdt(const struct acpi_header *dsdt)
{
    const uint8_t *p = (const uint8_t *)dsdt;

    if (!acpi_table_len_ok((uintptr_t)dsdt, dsdt->length) || memcmp(dsdt->signature, "DSDT", 4)) {
        test_fail("the FADT's DSDT pointer leads to no DSDT");
    }
    for (uint32_t off = 0; off < dsdt->length; off += 32) {
        printf("dsdt: ");
        for (uint32_t i = off; i < off + 32 && i < dsdt->length; i++) {
            printf("%02x", p[i]);
        }
        printf("\n");
    }
}

static void find_gpe0(void)
{
    const uint8_t *fadt = (const uint8_t *)acpi_find_table("FACP");
    uint32_t blk;

    if (!fadt || ((const struct acpi_header *)fadt)->length < FADT_X_DSDT + 8) {
        test_fail("no FADT, or one too short for GPE0_BLK and X_DSDT");
    }
    memcpy(&blk, fadt + FADT_GPE0_BLK, 4);
    if (!blk || fadt[FADT_GPE0_BLK_LEN] < 2 || blk > 0xffff) {
        test_fail("FADT GPE0_BLK 0x%x, GPE0_BLK_LEN %u: no usable GPE0 block", blk,
                  fadt[FADT_GPE0_BLK_LEN]);
    }
    gpe0_sts = blk;
    gpe0_en = blk + fadt[FADT_GPE0_BLK_LEN] / 2;
    printf("acpihp: GPE0 block at 0x%x, %u bytes\n", blk, fadt[FADT_GPE0_BLK_LEN]);
    print_dsdt(find_dsdt(fadt));
}

static bool sci_asserted(void)
{
    outb(PIC_SLAVE_CMD, PIC_OCW3_READ_IRR);
    return inb(PIC_SLAVE_CMD) & (1u << (SCI_IRQ - 8));
}

/* Both 8259s masked, IRQ 9 level-triggered: the slave's IRR bit follows the SCI line. */
static void sci_watch_init(void)
{
    outb(PIC_MASTER_DATA, 0xff);
    outb(PIC_SLAVE_DATA, 0xff);
    outb(PIC_ELCR_SLAVE, inb(PIC_ELCR_SLAVE) | (1u << (SCI_IRQ - 8)));
}

static void wait_for_gpe(const char *what)
{
    printf("acpihp: waiting for %s\n", what);
    for (unsigned ms = 0; !(inb(gpe0_sts) & GPE_PCI_HOTPLUG); ms++) {
        if (ms == HOTPLUG_WAIT_MS) {
            test_fail("no GPE0 bit 1 within %u s of waiting for %s", HOTPLUG_WAIT_MS / 1000, what);
        }
        lapic_udelay(1000);
    }
    if (!sci_asserted()) {
        test_fail("GPE0 bit 1 is set and enabled after %s, but the SCI (IRQ 9) is low", what);
    }
    outb(gpe0_sts, GPE_PCI_HOTPLUG); /* write 1 to clear */
    if ((inb(gpe0_sts) & GPE_PCI_HOTPLUG) || sci_asserted()) {
        test_fail("GPE0 bit 1 or the SCI stays up after writing 1 to the status bit");
    }
    printf("acpihp: GPE0 bit 1 and the SCI after %s\n", what);
}

static void expect_bitmap(uint16_t port, const char *name, uint32_t want)
{
    uint32_t got = inl(port);

    if (got != want) {
        test_fail("%s reads 0x%08x, expected 0x%08x", name, got, want);
    }
}

static void check_removable(unsigned slot)
{
    uint32_t rmv = inl(PCIHP_PCRM);

    printf("acpihp: removable slots 0x%08x\n", rmv);
    if (rmv & 3) {
        test_fail("PCRM 0x%08x: the host bridge (slot 0) or PIIX3 (slot 1) is removable", rmv);
    }
    if (!(rmv & (1u << slot))) {
        test_fail("PCRM 0x%08x: free slot %u is not removable", rmv, slot);
    }
}

/* Guest nonsense: eject of the host bridge's and PIIX3's slots, writes to read-only bitmaps. */
static void hostile_writes(void)
{
    uint32_t host_bridge = pci_config_read32(0, 0);

    outl(PCIHP_B0EJ, 3);
    outl(PCIHP_PCIU, ~0u);
    outl(PCIHP_PCID, ~0u);
    outl(PCIHP_PCRM, 0);
    if (pci_config_read32(0, 0) != host_bridge || pci_config_read32(1, 0) == ~0u) {
        test_fail("B0EJ of slots 0 and 1 removed the host bridge or PIIX3");
    }
    expect_bitmap(PCIHP_PCID, "PCID after writes to it", 0);
}

void test_main(void)
{
    unsigned slot = cmdline_get_uint("slot", 0);
    uint32_t ids;

    if (slot < 2 || slot > 31) {
        test_fail("give slot=N, 2 to 31, the slot the host adds a card to");
    }
    find_gpe0();
    sci_watch_init();
    outb(gpe0_sts, 0xff);
    outb(gpe0_en, GPE_PCI_HOTPLUG);
    check_removable(slot);
    hostile_writes();
    if (pci_config_read32(slot, 0) != ~0u) {
        test_fail("slot %u is not empty before device_add", slot);
    }

    wait_for_gpe("device_add");
    expect_bitmap(PCIHP_PCIU, "PCIU", 1u << slot);
    expect_bitmap(PCIHP_PCIU, "PCIU read again", 0);
    ids = pci_config_read32(slot, 0);
    if (ids == ~0u) {
        test_fail("PCIU announced slot %u, but its configuration space reads all ones", slot);
    }
    printf("acpihp: slot %u: card %04x:%04x\n", slot, ids & 0xffff, ids >> 16);

    wait_for_gpe("device_del");
    expect_bitmap(PCIHP_PCID, "PCID", 1u << slot);
    if (pci_config_read32(slot, 0) != ids) {
        test_fail("slot %u's card went before the eject", slot);
    }
    outl(PCIHP_B0EJ, 1u << slot);
    if (pci_config_read32(slot, 0) != ~0u) {
        test_fail("slot %u still answers configuration reads after B0EJ", slot);
    }
    expect_bitmap(PCIHP_PCID, "PCID after the eject", 0);
    printf("acpihp: slot %u ejected\n", slot);
}
