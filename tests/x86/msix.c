/*
 * msix: a virtio-rng-pci function interrupts by MSI-X (PCI Local Bus 3.0
 * §6.8.2; virtio 1.2 §4.1.4, §4.1.5.1.2), as a driver sets it up: find the
 * function, place its BARs, find the common configuration and notification
 * windows through the virtio vendor capabilities and the MSI-X table and
 * Pending Bit Array through the MSI-X capability; point table entry 0 at this
 * CPU's local APIC with our vector, map queue 0 to it, and give the device a
 * buffer to fill.
 *
 * Checked: the filled buffer arrives as exactly one interrupt on the entry's
 * vector; a masked entry holds the message in its
 * pending bit and unmasking sends it; the function's Mask All does the same
 * for every entry; a queue mapped to an entry beyond the table reads back
 * NO_VECTOR.
 */
#include "apic.h"
#include "idt.h"
#include "pci.h"
#include "test.h"

const char test_name[] = "msix";

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_RNG_MODERN 0x1044       /* 0x1040 + device id 4 */
#define VIRTIO_RNG_TRANSITIONAL 0x1005 /* QEMU's default on pc */
#define BAR_WINDOW(n) (0xf0000000ul + (uint64_t)(n) * 0x100000) /* above RAM, uncached */

#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VNDR 0x09
#define MSIX_CTRL 2
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_CTRL_ENABLE (1u << 15)
#define MSIX_CTRL_MASKALL (1u << 14)
#define MSIX_ENTRY_SIZE 16
#define MSIX_ENTRY_CTRL 12
#define MSIX_ENTRY_MASKED 1u

/* virtio_pci_cap (§4.1.4) */
#define VCAP_CFG_TYPE 3
#define VCAP_BAR 4
#define VCAP_OFFSET 8
#define VCAP_NOTIFY_MULT 16
#define VIRTIO_PCI_CAP_COMMON 1
#define VIRTIO_PCI_CAP_NOTIFY 2

/* virtio_pci_common_cfg (§4.1.4.3) */
#define COMMON_DFSELECT 0x00
#define COMMON_DF 0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF 0x0c
#define COMMON_MSIX 0x10
#define COMMON_STATUS 0x14
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE 0x18
#define COMMON_Q_MSIX 0x1a
#define COMMON_Q_ENABLE 0x1c
#define COMMON_Q_NOFF 0x1e
#define COMMON_Q_DESC 0x20
#define COMMON_Q_AVAIL 0x28
#define COMMON_Q_USED 0x30

#define STATUS_ACK 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8
#define VIRTIO_F_VERSION_1_HI 1u /* feature bit 32: bit 0 of the high word */
#define NO_VECTOR 0xffff
#define VRING_DESC_F_WRITE 2

#define QUEUE_SIZE 8
#define BUF_SIZE 64
#define VEC_MSIX 0x60
#define VEC_SPURIOUS 0xff

struct vring_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct vring_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QUEUE_SIZE];
};

struct vring_used {
    uint16_t flags;
    uint16_t idx;
    struct {
        uint32_t id;
        uint32_t len;
    } ring[QUEUE_SIZE];
};

static struct vring_desc desc[QUEUE_SIZE] __attribute__((aligned(16)));
static struct vring_avail avail __attribute__((aligned(2)));
static volatile struct vring_used used __attribute__((aligned(4)));
static uint8_t bufs[QUEUE_SIZE][BUF_SIZE];

static unsigned devfn, msix_cap;
static uintptr_t common, notify, table, pba;
static volatile uint32_t irq_count, irq_vector;

static uintptr_t cap_window(unsigned cap, unsigned bar_reg, unsigned offset_reg)
{
    return BAR_WINDOW(pci_read8(devfn, cap + bar_reg)) + pci_read32(devfn, cap + offset_reg);
}

/* Place every BAR a capability names and record where each window is. */
static void map_windows(void)
{
    unsigned notify_cap = 0;
    uint32_t t, p;

    for (unsigned cap = 0; (cap = pci_find_cap(devfn, PCI_CAP_ID_VNDR, cap));) {
        uint8_t type = pci_read8(devfn, cap + VCAP_CFG_TYPE);
        uintptr_t where = cap_window(cap, VCAP_BAR, VCAP_OFFSET);

        if (type == VIRTIO_PCI_CAP_COMMON || type == VIRTIO_PCI_CAP_NOTIFY) {
            pci_set_mem_bar(devfn, pci_read8(devfn, cap + VCAP_BAR),
                            BAR_WINDOW(pci_read8(devfn, cap + VCAP_BAR)));
        }
        if (type == VIRTIO_PCI_CAP_COMMON) {
            common = where;
        } else if (type == VIRTIO_PCI_CAP_NOTIFY) {
            notify = where;
            notify_cap = cap;
        }
    }
    msix_cap = pci_find_cap(devfn, PCI_CAP_ID_MSIX, 0);
    if (!common || !notify_cap || !msix_cap) {
        test_fail("capabilities: common %s, notify %s, MSI-X %s", common ? "yes" : "no",
                  notify_cap ? "yes" : "no", msix_cap ? "yes" : "no");
    }
    t = pci_read32(devfn, msix_cap + MSIX_TABLE);
    p = pci_read32(devfn, msix_cap + MSIX_PBA);
    pci_set_mem_bar(devfn, t & 7, BAR_WINDOW(t & 7));
    pci_set_mem_bar(devfn, p & 7, BAR_WINDOW(p & 7));
    table = BAR_WINDOW(t & 7) + (t & ~7u);
    pba = BAR_WINDOW(p & 7) + (p & ~7u);
    pci_write16(devfn, PCI_COMMAND,
                pci_read16(devfn, PCI_COMMAND) | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
    /* Queue 0's notification address: its notify_off times the multiplier. */
    mmio_write16(common + COMMON_Q_SELECT, 0);
    notify += mmio_read16(common + COMMON_Q_NOFF) * pci_read32(devfn, notify_cap + VCAP_NOTIFY_MULT);
}

static uint16_t msix_ctrl(void)
{
    return pci_read16(devfn, msix_cap + MSIX_CTRL);
}

static void set_msix_ctrl(uint16_t set, uint16_t clear)
{
    pci_write16(devfn, msix_cap + MSIX_CTRL, (msix_ctrl() | set) & ~clear);
}

static void mask_entry(unsigned entry, bool masked)
{
    mmio_write32(table + entry * MSIX_ENTRY_SIZE + MSIX_ENTRY_CTRL, masked ? MSIX_ENTRY_MASKED : 0);
}

static bool entry_pending(unsigned entry)
{
    return (mmio_read32(pba + entry / 32 * 4) >> (entry % 32)) & 1;
}

static void msix_handler(struct irq_frame *f)
{
    irq_vector = f->vector;
    irq_count++;
    lapic_eoi();
}

static void spurious_handler(struct irq_frame *f)
{
    (void)f;
}

/* Reset, negotiate VERSION_1 only, set up queue 0 on table entry 0. */
static void virtio_start(void)
{
    unsigned table_size = (msix_ctrl() & 0x7ff) + 1;

    mmio_write8(common + COMMON_STATUS, 0);
    if (mmio_read8(common + COMMON_STATUS) != 0) {
        test_fail("device status did not reset");
    }
    mmio_write8(common + COMMON_STATUS, STATUS_ACK | STATUS_DRIVER);
    mmio_write32(common + COMMON_DFSELECT, 1);
    if (!(mmio_read32(common + COMMON_DF) & VIRTIO_F_VERSION_1_HI)) {
        test_fail("the device does not offer VIRTIO_F_VERSION_1");
    }
    mmio_write32(common + COMMON_GFSELECT, 1);
    mmio_write32(common + COMMON_GF, VIRTIO_F_VERSION_1_HI);
    mmio_write32(common + COMMON_GFSELECT, 0);
    mmio_write32(common + COMMON_GF, 0);
    mmio_write8(common + COMMON_STATUS, STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(mmio_read8(common + COMMON_STATUS) & STATUS_FEATURES_OK)) {
        test_fail("FEATURES_OK refused");
    }

    mmio_write16(common + COMMON_MSIX, NO_VECTOR);
    mmio_write16(common + COMMON_Q_SELECT, 0);
    if (mmio_read16(common + COMMON_Q_SIZE) < QUEUE_SIZE) {
        test_fail("queue 0 holds %u entries", mmio_read16(common + COMMON_Q_SIZE));
    }
    mmio_write16(common + COMMON_Q_SIZE, QUEUE_SIZE);
    mmio_write64(common + COMMON_Q_DESC, (uintptr_t)desc);
    mmio_write64(common + COMMON_Q_AVAIL, (uintptr_t)&avail);
    mmio_write64(common + COMMON_Q_USED, (uintptr_t)&used);
    mmio_write16(common + COMMON_Q_MSIX, table_size);
    if (mmio_read16(common + COMMON_Q_MSIX) != NO_VECTOR) {
        test_fail("queue 0 took vector %u of a %u-entry table", mmio_read16(common + COMMON_Q_MSIX),
                  table_size);
    }
    mmio_write16(common + COMMON_Q_MSIX, 0);
    if (mmio_read16(common + COMMON_Q_MSIX) != 0) {
        test_fail("queue 0 refused MSI-X entry 0");
    }
    mmio_write16(common + COMMON_Q_ENABLE, 1);
    mmio_write8(common + COMMON_STATUS,
                STATUS_ACK | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    printf("msix: %u-entry table, queue 0 on entry 0\n", table_size);
}

/* Hand buffer n to the device and wait until it is used; the used length. */
static uint32_t fill_buffer(unsigned n)
{
    uint16_t want = used.idx + 1;

    memset(bufs[n], 0, BUF_SIZE);
    desc[n] = (struct vring_desc){(uintptr_t)bufs[n], BUF_SIZE, VRING_DESC_F_WRITE, 0};
    avail.ring[avail.idx % QUEUE_SIZE] = n;
    __atomic_store_n(&avail.idx, avail.idx + 1, __ATOMIC_RELEASE);
    mmio_write16(notify, 0);
    for (int i = 0; i < 1000 && used.idx != want; i++) {
        lapic_udelay(1000);
    }
    if (used.idx != want) {
        test_fail("buffer %u: the device did not use it (used idx %u)", n, used.idx);
    }
    return used.ring[(want - 1) % QUEUE_SIZE].len;
}

/* Wait a little for interrupts to land; return how many there have been. */
static uint32_t settle(uint32_t expect)
{
    for (int i = 0; i < 200 && irq_count < expect; i++) {
        lapic_udelay(1000);
    }
    lapic_udelay(5000); /* room for a second one that should not come */
    return irq_count;
}

static void check_delivery(void)
{
    uint32_t len = fill_buffer(0), n = settle(1);
    bool random = false;

    for (unsigned i = 0; i < len && i < BUF_SIZE; i++) {
        random |= bufs[0][i] != 0;
    }
    if (len == 0 || len > BUF_SIZE || !random) {
        test_fail("the device wrote %u bytes, %s", len, random ? "some non-zero" : "all zero");
    }
    if (n != 1 || irq_vector != VEC_MSIX) {
        test_fail("filled buffer: %u interrupts, last on vector 0x%x (want 1 on 0x%x)", n,
                  irq_vector, VEC_MSIX);
    }
    printf("msix: %u random bytes, one interrupt on vector 0x%x\n", len, irq_vector);
}

/* With delivery held back by mask(true), the message waits in the PBA until mask(false). */
static void check_held(const char *what, unsigned buffer, uint32_t before,
                       void (*mask)(bool masked))
{
    mask(true);
    fill_buffer(buffer);
    if (settle(before + 1) != before || !entry_pending(0)) {
        test_fail("%s: %u interrupts, pending bit %u (want %u, 1)", what, irq_count,
                  entry_pending(0), before);
    }
    mask(false);
    if (settle(before + 1) != before + 1 || entry_pending(0)) {
        test_fail("%s lifted: %u interrupts, pending bit %u (want %u, 0)", what, irq_count,
                  entry_pending(0), before + 1);
    }
    printf("msix: %s held the message in the PBA; lifted, it went out\n", what);
}

static void mask_entry0(bool masked)
{
    mask_entry(0, masked);
}

static void mask_function(bool masked)
{
    if (masked) {
        set_msix_ctrl(MSIX_CTRL_MASKALL, 0);
    } else {
        set_msix_ctrl(0, MSIX_CTRL_MASKALL);
    }
}

void test_main(void)
{
    if (!pci_find(VIRTIO_VENDOR, VIRTIO_RNG_MODERN, &devfn) &&
        !pci_find(VIRTIO_VENDOR, VIRTIO_RNG_TRANSITIONAL, &devfn)) {
        test_fail("no virtio-rng-pci function on bus 0");
    }
    printf("msix: virtio-rng-pci at 00:%02x.%x\n", devfn >> 3, devfn & 7);
    map_windows();

    outb(0x21, 0xff); /* the 8259s stay quiet */
    outb(0xa1, 0xff);
    idt_set_handler(VEC_MSIX, msix_handler);
    idt_set_handler(VEC_SPURIOUS, spurious_handler);
    lapic_enable(VEC_SPURIOUS);

    /* As Linux does: the table is written and MSI-X enabled, all masked, before the queues. */
    mmio_write32(table + 0, 0xfee00000u | lapic_id() << 12);
    mmio_write32(table + 4, 0);
    mmio_write32(table + 8, VEC_MSIX);
    mask_entry(0, false);
    set_msix_ctrl(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL, 0);
    virtio_start();
    set_msix_ctrl(0, MSIX_CTRL_MASKALL);

    sti();
    check_delivery();
    check_held("a masked entry", 1, 1, mask_entry0);
    check_held("the function's Mask All", 2, 2, mask_function);
    cli();
}
