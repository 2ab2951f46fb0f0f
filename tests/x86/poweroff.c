/*
 * poweroff: the ACPI soft-off path an OS takes. Find the FADT's PM1a control
 * block and the DSDT's \_S5 package (SLP_TYPa), then write SLP_TYP | SLP_EN
 * (ACPI 6.4 §4.8.3.2.1, §16.1.6). The machine must power off: the emulator exits
 * with status 0, so reaching the end of this program is a failure.
 */
#include "test.h"
#include "acpi.h"

const char test_name[] = "poweroff";

#define FADT_DSDT 40
#define FADT_PM1A_CNT_BLK 64
#define SLP_EN (1u << 13)

/* SLP_TYPa from "Name (_S5, Package () { a, b, ... })" in the DSDT's AML. */
static int find_s5_slp_typ(const struct acpi_header *dsdt)
{
    const uint8_t *p = (const uint8_t *)dsdt;

    for (uint32_t i = sizeof(*dsdt); i + 8 < dsdt->length; i++) {
        if (p[i] == 0x08 && memcmp(p + i + 1, "_S5_", 4) == 0 && p[i + 5] == 0x12) {
            const uint8_t *e = p + i + 8; /* skip PackageOp, PkgLength, NumElements */
            if (e[0] == 0x0a) {
                return e[1]; /* BytePrefix */
            }
            return e[0] <= 1 ? e[0] : -1; /* ZeroOp / OneOp */
        }
    }
    return -1;
}

void test_main(void)
{
    const struct acpi_header *fadt = acpi_find_table("FACP");
    const uint8_t *f = (const uint8_t *)fadt;
    uint32_t dsdt_addr, pm1a;
    int slp_typ;

    if (!fadt) {
        test_fail("no FADT");
    }
    memcpy(&dsdt_addr, f + FADT_DSDT, 4);
    memcpy(&pm1a, f + FADT_PM1A_CNT_BLK, 4);
    slp_typ = find_s5_slp_typ((const struct acpi_header *)(uintptr_t)dsdt_addr);
    if (slp_typ < 0) {
        test_fail("no \\_S5 package in the DSDT");
    }
    printf("poweroff: PM1a_CNT at 0x%x, S5 SLP_TYP %d: powering off\n", pm1a, slp_typ);
    serial_flush();
    outw(pm1a, (uint16_t)((slp_typ << 10) | SLP_EN));
    for (volatile int i = 0; i < 100000000; i++) {
    }
    test_fail("still running after the S5 sleep request");
}
