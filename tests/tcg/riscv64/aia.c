/*
 * aia: the Advanced Interrupt Architecture (RISC-V AIA 1.0) on the virt
 * machine, from M-mode. Run with -M virt,aia=aplic-imsic it checks the
 * machine-level IMSIC interrupt file through miselect/mireg and mtopei (§3.8,
 * §3.9): identities written to the hart's IMSIC page become pending, mtopei
 * reports the lowest enabled one and csrrw claims it, eithreshold and
 * eidelivery mask, odd eipN does not exist on RV64 (illegal instruction),
 * mtopi names MEI (§6.3.3), the interrupt is taken; the supervisor-level file
 * likewise through siselect/sireg, stopei and stopi; then the APLIC's M domain
 * in MSI mode (ch. 4) forwards a source made pending by setipnum, and the
 * UART's wired source, as MSIs with the configured EIIDs. Run with
 * -M virt,aia=aplic (no IMSIC, so the AIA CSRs are illegal) it checks direct
 * delivery: an IDC raises MEIP, topi/claimi report and claim by priority,
 * ithreshold masks, a level source stays pending while its line is high (and
 * reports topi once the line is low, which QEMU 7.2 and the spec disagree on).
 * tests/functional/test_riscv_baremetal.py runs it both ways.
 */
#include "test.h"

/* CSR numbers (AIA §2): this toolchain's -march does not name them. */
#define CSR_MISELECT "0x350"
#define CSR_MIREG "0x351"
#define CSR_MTOPEI "0x35c"
#define CSR_MTOPI "0xfb0"
#define CSR_SISELECT "0x150"
#define CSR_SIREG "0x151"
#define CSR_STOPEI "0x15c"
#define CSR_STOPI "0xdb0"

#define IMSIC_M_BASE 0x24000000UL /* hart 0's machine-level interrupt file */
#define IMSIC_S_BASE 0x28000000UL /* and its supervisor-level one */
#define EIDELIVERY 0x70
#define EITHRESHOLD 0x72
#define EIP0 0x80
#define EIE0 0xc0

#define APLIC_M_BASE 0x0c000000UL
#define APLIC_DOMAINCFG 0x0000
#define APLIC_SOURCECFG(n) (0x0004 + 4 * ((n)-1))
#define APLIC_MMSIADDRCFG 0x1bc0
#define APLIC_MMSIADDRCFGH 0x1bc4
#define APLIC_SETIP0 0x1c00
#define APLIC_SETIPNUM 0x1cdc
#define APLIC_SETIENUM 0x1edc
#define APLIC_CLRIENUM 0x1fdc
#define APLIC_TARGET(n) (0x3004 + 4 * ((n)-1))
#define APLIC_IDC0 0x4000
#define IDC_IDELIVERY 0x00
#define IDC_ITHRESHOLD 0x08
#define IDC_TOPI 0x18
#define IDC_CLAIMI 0x1c
#define DOMAINCFG_IE (1u << 8)
#define DOMAINCFG_DM (1u << 2)
#define SM_DETACHED 1
#define SM_LEVEL1 6

#define UART_IRQ 10
#define UART_IER (UART0_BASE + 1)
#define UART_IER_THRI 0x02 /* transmitter empty: the line stays high while enabled */
#define UART_LSR (UART0_BASE + 5)
#define UART_LSR_THRE 0x20
#define TEST_SOURCE 20 /* wired to nothing: only setipnum makes it pending */

#define IRQ_M_EXT 11
#define MIE_MEIE (1UL << IRQ_M_EXT)
#define MIP_MEIP (1UL << IRQ_M_EXT)
#define IRQ_S_EXT 9
#define MIE_SEIE (1UL << IRQ_S_EXT)
#define MIP_SEIP (1UL << IRQ_S_EXT)

static volatile uint64_t illegal_count, irq_count, irq_id;
static volatile int direct_mode;

static uint64_t aplic_read(unsigned off)
{
    return mmio_read32(APLIC_M_BASE + off);
}

static void aplic_write(unsigned off, uint32_t v)
{
    mmio_write32(APLIC_M_BASE + off, v);
}

static uint64_t mireg_read(uint64_t sel)
{
    uint64_t v;

    __asm__ volatile("csrw " CSR_MISELECT ", %1\n\tcsrr %0, " CSR_MIREG
                     : "=r"(v)
                     : "r"(sel)
                     : "memory");
    return v;
}

static void mireg_write(uint64_t sel, uint64_t v)
{
    __asm__ volatile("csrw " CSR_MISELECT ", %0\n\tcsrw " CSR_MIREG ", %1" ::"r"(sel), "r"(v)
                     : "memory");
}

static uint64_t mtopei_read(void)
{
    uint64_t v;

    __asm__ volatile("csrr %0, " CSR_MTOPEI : "=r"(v)::"memory");
    return v;
}

/* csrrw: read and claim in one instruction. */
static uint64_t mtopei_claim(void)
{
    uint64_t v;

    __asm__ volatile("csrrw %0, " CSR_MTOPEI ", zero" : "=r"(v)::"memory");
    return v;
}

static uint64_t mtopi_read(void)
{
    uint64_t v;

    __asm__ volatile("csrr %0, " CSR_MTOPI : "=r"(v)::"memory");
    return v;
}

static uint64_t meip(void)
{
    return (csr_read(mip) & MIP_MEIP) != 0;
}

/* The S-level CSRs, reached from M-mode (a more privileged mode may use them). */
static uint64_t sireg_read(uint64_t sel)
{
    uint64_t v;

    __asm__ volatile("csrw " CSR_SISELECT ", %1\n\tcsrr %0, " CSR_SIREG
                     : "=r"(v)
                     : "r"(sel)
                     : "memory");
    return v;
}

static void sireg_write(uint64_t sel, uint64_t v)
{
    __asm__ volatile("csrw " CSR_SISELECT ", %0\n\tcsrw " CSR_SIREG ", %1" ::"r"(sel), "r"(v)
                     : "memory");
}

static uint64_t stopei_read(void)
{
    uint64_t v;

    __asm__ volatile("csrr %0, " CSR_STOPEI : "=r"(v)::"memory");
    return v;
}

static uint64_t stopei_claim(void)
{
    uint64_t v;

    __asm__ volatile("csrrw %0, " CSR_STOPEI ", zero" : "=r"(v)::"memory");
    return v;
}

static uint64_t stopi_read(void)
{
    uint64_t v;

    __asm__ volatile("csrr %0, " CSR_STOPI : "=r"(v)::"memory");
    return v;
}

static uint64_t seip(void)
{
    return (csr_read(mip) & MIP_SEIP) != 0;
}

/*
 * Enabling the THR-empty interrupt raises the UART's line once the last
 * character has left (QEMU sends it asynchronously), so wait for THRE first.
 */
static void uart_set_ier(uint8_t v)
{
    while (!(*(volatile uint8_t *)UART_LSR & UART_LSR_THRE)) {
    }
    *(volatile uint8_t *)UART_IER = v;
}

static void imsic_send(uint32_t id)
{
    mmio_write32(IMSIC_M_BASE, id);
}

static void on_trap(TrapFrame *tf)
{
    if (tf->mcause == (MCAUSE_INTERRUPT | IRQ_M_EXT)) {
        irq_count++;
        irq_id = direct_mode ? mmio_read32(APLIC_M_BASE + APLIC_IDC0 + IDC_CLAIMI) >> 16
                             : mtopei_claim() >> 16;
        return;
    }
    if (tf->mcause == CAUSE_ILLEGAL_INSN) {
        illegal_count++;
        tf->mepc += 4;
        return;
    }
    printf("FAIL aia: unexpected trap mcause 0x%lx mepc 0x%lx\n", tf->mcause, tf->mepc);
    test_exit(100);
}

/* Does this hart have Smaia? Probe miselect: without it the access is illegal. */
static int has_smaia(void)
{
    uint64_t before = illegal_count;

    __asm__ volatile("csrr t0, " CSR_MISELECT ::: "t0", "memory");
    return illegal_count == before;
}

static void test_imsic_csrs(void)
{
    uint64_t before;

    csr_set(mie, MIE_MEIE); /* mtopi reports enabled interrupts; mstatus.MIE stays 0 */
    mireg_write(EIDELIVERY, 1);
    mireg_write(EITHRESHOLD, 0);
    mireg_write(EIE0, ~0UL);
    CHECK("eidelivery reads 1", mireg_read(EIDELIVERY), 1);
    CHECK("eie0 bit 0 (identity 0) is read-only zero", mireg_read(EIE0), ~1UL);
    CHECK("nothing pending: mtopei 0", mtopei_read(), 0);
    CHECK("nothing pending: MEIP clear", meip(), 0);

    imsic_send(5);
    imsic_send(3);
    CHECK("eip0 has identities 3 and 5", mireg_read(EIP0), (1UL << 3) | (1UL << 5));
    CHECK("MEIP set", meip(), 1);
    CHECK("mtopei: lowest identity first", mtopei_read(), (3UL << 16) | 3);
    CHECK("mtopi: machine external interrupt", mtopi_read() >> 16, IRQ_M_EXT);
    CHECK("csrrw mtopei claims 3", mtopei_claim(), (3UL << 16) | 3);
    CHECK("then 5", mtopei_claim(), (5UL << 16) | 5);
    CHECK("all claimed: MEIP clear", meip(), 0);
    CHECK("all claimed: mtopi 0", mtopi_read(), 0);

    mireg_write(EITHRESHOLD, 4);
    imsic_send(6);
    CHECK("identity 6 at threshold 4: masked", mtopei_read(), 0);
    CHECK("identity 6 at threshold 4: no MEIP", meip(), 0);
    imsic_send(2);
    CHECK("identity 2 under threshold 4", mtopei_read(), (2UL << 16) | 2);
    mireg_write(EITHRESHOLD, 0);
    CHECK("threshold 0: still 2 first", mtopei_claim() >> 16, 2);
    CHECK("threshold 0: then 6", mtopei_claim() >> 16, 6);

    mireg_write(EIE0, ~(1UL << 9) & ~1UL);
    imsic_send(9);
    CHECK("disabled identity 9: mtopei 0", mtopei_read(), 0);
    CHECK("disabled identity 9 stays pending", (mireg_read(EIP0) >> 9) & 1, 1);
    __asm__ volatile("csrw " CSR_MISELECT ", %0\n\tcsrc " CSR_MIREG ", %1" ::"r"((uint64_t)EIP0),
                     "r"(1UL << 9)
                     : "memory");
    CHECK("csrc mireg clears eip bit 9", mireg_read(EIP0), 0);
    mireg_write(EIE0, ~0UL);

    mireg_write(EIDELIVERY, 0);
    imsic_send(7);
    CHECK("eidelivery 0: no MEIP", meip(), 0);
    CHECK("eidelivery 0: mtopei still reports 7", mtopei_read() >> 16, 7);
    mireg_write(EIDELIVERY, 1);
    CHECK("eidelivery 1: MEIP", meip(), 1);
    mtopei_claim();

    imsic_send(0);
    imsic_send(256);
    CHECK("identities 0 and 256 are ignored", mtopei_read(), 0);

    before = illegal_count;
    mireg_read(EIP0 + 1);
    CHECK("eip1 does not exist on RV64", illegal_count - before, 1);
    mireg_read(EIE0 + 3);
    CHECK("eie3 does not exist on RV64", illegal_count - before, 2);
    test_section("aia", "IMSIC interrupt file through the CSRs");
}

/*
 * The supervisor-level file behind siselect/sireg and stopei (§3.8-3.9), and
 * stopi (§6.5.2): separate from the machine-level one in both directions, and
 * raising SEIP, which stopi reports once it is delegated and enabled.
 */
static void test_imsic_s_csrs(void)
{
    csr_set(mideleg, MIP_SEIP);
    csr_set(mie, MIE_SEIE);
    sireg_write(EIDELIVERY, 1);
    sireg_write(EITHRESHOLD, 0);
    sireg_write(EIE0, ~0UL);
    CHECK("S file: eidelivery reads 1", sireg_read(EIDELIVERY), 1);
    CHECK("S file: nothing pending", stopei_read(), 0);
    CHECK("S file: no SEIP", seip(), 0);

    mmio_write32(IMSIC_S_BASE, 7);
    CHECK("S file: eip0 has identity 7", sireg_read(EIP0), 1UL << 7);
    CHECK("S file: SEIP set", seip(), 1);
    CHECK("S file: stopei reports 7", stopei_read(), (7UL << 16) | 7);
    CHECK("stopi: supervisor external interrupt", stopi_read() >> 16, IRQ_S_EXT);
    CHECK("M file untouched: mtopei 0", mtopei_read(), 0);
    CHECK("M file untouched: no MEIP", meip(), 0);
    CHECK("a delegated interrupt is not in mtopi", mtopi_read(), 0);
    CHECK("csrrw stopei claims 7", stopei_claim(), (7UL << 16) | 7);
    CHECK("S file claimed: SEIP clear", seip(), 0);
    CHECK("S file claimed: stopi 0", stopi_read(), 0);

    imsic_send(8);
    CHECK("an M-level MSI stays out of the S file", stopei_read(), 0);
    CHECK("and out of SEIP", seip(), 0);
    CHECK("the M file has it", mtopei_claim() >> 16, 8);

    sireg_write(EIDELIVERY, 0);
    csr_clear(mie, MIE_SEIE);
    csr_clear(mideleg, MIP_SEIP);
    test_section("aia", "IMSIC S-level file through the S CSRs");
}

static void test_imsic_interrupt(void)
{
    csr_set(mie, MIE_MEIE);
    csr_set(mstatus, MSTATUS_MIE);
    imsic_send(12);
    for (volatile int i = 0; i < 1000 && !irq_count; i++) {
    }
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("one external interrupt taken", irq_count, 1);
    CHECK("the handler claimed identity 12", irq_id, 12);
    CHECK("nothing left", mtopei_read(), 0);
    test_section("aia", "IMSIC interrupt taken");
}

/* The root domain forwards to hart 0's M file: base PPN of 0x24000000, one page per hart. */
static void aplic_msi_setup(void)
{
    aplic_write(APLIC_MMSIADDRCFG, IMSIC_M_BASE >> 12);
    aplic_write(APLIC_MMSIADDRCFGH, 0);
    aplic_write(APLIC_DOMAINCFG, DOMAINCFG_IE | DOMAINCFG_DM);
}

static void test_aplic_msi(void)
{
    aplic_msi_setup();
    CHECK("domaincfg: IE and DM=1", aplic_read(APLIC_DOMAINCFG), 0x80000000u | 0x104);
    aplic_write(APLIC_SOURCECFG(TEST_SOURCE), SM_DETACHED);
    aplic_write(APLIC_TARGET(TEST_SOURCE), (0u << 18) | 33);
    CHECK("target: hart 0, EIID 33", aplic_read(APLIC_TARGET(TEST_SOURCE)), 33);
    aplic_write(APLIC_SETIPNUM, TEST_SOURCE);
    CHECK("disabled source stays pending", (aplic_read(APLIC_SETIP0) >> TEST_SOURCE) & 1, 1);
    CHECK("no MSI while disabled", mtopei_read(), 0);
    aplic_write(APLIC_SETIENUM, TEST_SOURCE);
    CHECK("enabled: forwarded, pending bit cleared", (aplic_read(APLIC_SETIP0) >> TEST_SOURCE) & 1,
          0);
    CHECK("the MSI arrived as EIID 33", mtopei_claim(), (33UL << 16) | 33);

    aplic_write(APLIC_SOURCECFG(UART_IRQ), SM_LEVEL1);
    aplic_write(APLIC_TARGET(UART_IRQ), 40);
    aplic_write(APLIC_SETIENUM, UART_IRQ);
    uart_set_ier(UART_IER_THRI);
    CHECK("UART interrupt arrived as EIID 40", mtopei_read() >> 16, 40);
    uart_set_ier(0);
    mtopei_claim();
    aplic_write(APLIC_CLRIENUM, UART_IRQ);
    aplic_write(APLIC_SOURCECFG(UART_IRQ), 0);
    CHECK("nothing left", mtopei_read(), 0);
    test_section("aia", "APLIC MSI delivery");
}

static uint32_t idc_read(unsigned reg)
{
    return aplic_read(APLIC_IDC0 + reg);
}

static void test_aplic_direct(void)
{
    aplic_write(APLIC_DOMAINCFG, DOMAINCFG_IE | DOMAINCFG_DM);
    CHECK("domaincfg: DM stays 0 without IMSICs", aplic_read(APLIC_DOMAINCFG),
          0x80000000u | DOMAINCFG_IE);
    aplic_write(APLIC_IDC0 + IDC_IDELIVERY, 1);
    aplic_write(APLIC_IDC0 + IDC_ITHRESHOLD, 0);
    aplic_write(APLIC_SOURCECFG(TEST_SOURCE), SM_DETACHED);
    aplic_write(APLIC_SOURCECFG(TEST_SOURCE + 1), SM_DETACHED);
    aplic_write(APLIC_TARGET(TEST_SOURCE), (0u << 18) | 3);
    aplic_write(APLIC_TARGET(TEST_SOURCE + 1), (0u << 18) | 0);
    CHECK("IPRIO 0 is written as 1", aplic_read(APLIC_TARGET(TEST_SOURCE + 1)), 1);
    aplic_write(APLIC_SETIENUM, TEST_SOURCE);
    aplic_write(APLIC_SETIENUM, TEST_SOURCE + 1);
    CHECK("nothing pending: no MEIP", meip(), 0);
    aplic_write(APLIC_SETIPNUM, TEST_SOURCE);
    aplic_write(APLIC_SETIPNUM, TEST_SOURCE + 1);
    CHECK("MEIP from the IDC", meip(), 1);
    CHECK("topi: priority 1 beats 3", idc_read(IDC_TOPI), ((TEST_SOURCE + 1) << 16) | 1);
    aplic_write(APLIC_IDC0 + IDC_ITHRESHOLD, 1);
    CHECK("ithreshold 1 masks priority 1 and 3", idc_read(IDC_TOPI), 0);
    CHECK("ithreshold 1: no MEIP", meip(), 0);
    aplic_write(APLIC_IDC0 + IDC_ITHRESHOLD, 0);
    CHECK("claimi claims the top", idc_read(IDC_CLAIMI), ((TEST_SOURCE + 1) << 16) | 1);
    CHECK("then the next", idc_read(IDC_TOPI), (TEST_SOURCE << 16) | 3);

    direct_mode = 1;
    csr_set(mie, MIE_MEIE);
    csr_set(mstatus, MSTATUS_MIE);
    for (volatile int i = 0; i < 1000 && !irq_count; i++) {
    }
    csr_clear(mstatus, MSTATUS_MIE);
    CHECK("the interrupt was taken once", irq_count, 1);
    CHECK("its handler claimed the source", irq_id, TEST_SOURCE);
    CHECK("all claimed: no MEIP", meip(), 0);

    aplic_write(APLIC_SOURCECFG(UART_IRQ), SM_LEVEL1);
    aplic_write(APLIC_TARGET(UART_IRQ), 2);
    aplic_write(APLIC_SETIENUM, UART_IRQ);
    uart_set_ier(UART_IER_THRI);
    CHECK("UART source pending through the wire", idc_read(IDC_TOPI), (UART_IRQ << 16) | 2);
    CHECK("claimi reports it", idc_read(IDC_CLAIMI), (UART_IRQ << 16) | 2);
    CHECK("a level source stays pending while its line is high", idc_read(IDC_TOPI) >> 16,
          UART_IRQ);
    /*
     * §4.7 also clears the pending bit once the line is low; QEMU 7.2 keeps it.
     * The program must pass on both, so it reports what it sees and
     * test_riscv_baremetal.py checks that line on mimic only.
     */
    uart_set_ier(0);
    printf("aia: level source with its line low: topi 0x%x\n", idc_read(IDC_TOPI));
    aplic_write(APLIC_CLRIENUM, UART_IRQ);
    aplic_write(APLIC_SOURCECFG(UART_IRQ), 0);
    test_section("aia", "APLIC direct delivery");
}

int main(void)
{
    trap_handler = on_trap;
    if (has_smaia()) {
        printf("aia: Smaia present: IMSIC and APLIC in MSI mode\n");
        test_imsic_csrs();
        test_imsic_s_csrs();
        test_imsic_interrupt();
        test_aplic_msi();
    } else {
        printf("aia: no Smaia: APLIC in direct mode\n");
        test_aplic_direct();
    }
    trap_handler = NULL;
    return test_finish("aia");
}
