/*
 * acpi: the firmware tables an OS finds on a PC (ACPI 6.5 chapter 5.2): the
 * RSDP in the EBDA or 0xE0000-0xFFFFF with its checksums, every table the
 * RSDT (and XSDT) lists with its checksum, the FADT's DSDT and PM1a control
 * block, and the MADT's enabled processors against cpus=. Also the MP
 * floating pointer of the MultiProcessor Specification 1.4 (chapter 4): if
 * present, its checksums and processor count; if absent, only a note.
 */
#include "acpi.h"
#include "test.h"

const char test_name[] = "acpi";

#define FADT_FACS 36
#define FADT_DSDT 40
#define FADT_PM1A_CNT_BLK 64
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT_BLK 172 /* a Generic Address Structure; address at +4 */

static const struct acpi_header *checked_table(uint64_t addr, const char *what)
{
    if (!acpi_table_len_ok(addr, sizeof(struct acpi_header))) {
        test_fail("%s at 0x%lx: not a usable address below 4 GiB", what, addr);
    }
    const struct acpi_header *t = (const void *)(uintptr_t)addr;
    if (!acpi_table_len_ok(addr, t->length)) {
        test_fail("%s at 0x%lx: implausible length %u", what, addr, t->length);
    }
    if (acpi_checksum(t, t->length)) {
        test_fail("%s \"%.4s\" at 0x%lx: checksum does not sum to 0 over %u bytes", what,
                  t->signature, addr, t->length);
    }
    printf("acpi: %.4s at 0x%08lx, %5u bytes, rev %u, OEM \"%.6s\" - checksum ok\n", t->signature,
           addr, t->length, t->revision, t->oem_id);
    return t;
}

static const struct acpi_rsdp *test_rsdp(void)
{
    const struct acpi_rsdp *rsdp = acpi_find_rsdp();

    if (!rsdp) {
        test_fail("no RSDP (\"RSD PTR \" with a valid checksum) in the EBDA or 0xE0000-0xFFFFF");
    }
    printf("acpi: RSDP at %p, revision %u, OEM \"%.6s\"\n", rsdp, rsdp->revision, rsdp->oem_id);
    if (rsdp->revision >= 2) {
        if (rsdp->length < sizeof(*rsdp) || rsdp->length > 4096) {
            test_fail("RSDP revision %u has length %u, expected at least %zu", rsdp->revision,
                      rsdp->length, sizeof(*rsdp));
        }
        if (acpi_checksum(rsdp, rsdp->length)) {
            test_fail("RSDP extended checksum does not sum to 0 over %u bytes", rsdp->length);
        }
        printf("acpi: RSDP extended checksum ok, XSDT at 0x%lx\n", rsdp->xsdt_address);
    }
    return rsdp;
}

/* Every entry of the RSDT or XSDT: a valid table with a valid checksum. */
static int walk_root(uint64_t root_addr, const char *sig, size_t entry_size)
{
    const struct acpi_header *root = checked_table(root_addr, sig);
    const uint8_t *entries = (const uint8_t *)(root + 1);
    size_t count = (root->length - sizeof(*root)) / entry_size;

    if (memcmp(root->signature, sig, 4)) {
        test_fail("root table at 0x%lx has signature \"%.4s\", expected %s", root_addr,
                  root->signature, sig);
    }
    for (size_t i = 0; i < count; i++) {
        uint64_t addr = 0;
        memcpy(&addr, entries + i * entry_size, entry_size);
        checked_table(addr, entry_size == 4 ? "table in the RSDT" : "table in the XSDT");
    }
    return count;
}

static void test_fadt(void)
{
    const struct acpi_header *fadt = acpi_find_table("FACP");

    if (!fadt) {
        test_fail("no FADT (\"FACP\") table");
    }
    const uint8_t *f = (const uint8_t *)fadt;
    uint32_t dsdt32, pm1a32;
    uint64_t dsdt, pm1a = 0;

    if (fadt->length < FADT_PM1A_CNT_BLK + 4) {
        test_fail("FADT is %u bytes, too short for PM1a_CNT_BLK", fadt->length);
    }
    memcpy(&dsdt32, f + FADT_DSDT, 4);
    memcpy(&pm1a32, f + FADT_PM1A_CNT_BLK, 4);
    dsdt = dsdt32;
    pm1a = pm1a32;
    if (fadt->length >= FADT_X_DSDT + 8) {
        uint64_t x;
        memcpy(&x, f + FADT_X_DSDT, 8);
        if (x && dsdt32 && x != dsdt32) {
            test_fail("FADT DSDT 0x%x and X_DSDT 0x%lx differ", dsdt32, x);
        }
        dsdt = x ? x : dsdt;
    }
    if (!pm1a && fadt->length >= FADT_X_PM1A_CNT_BLK + 12) {
        memcpy(&pm1a, f + FADT_X_PM1A_CNT_BLK + 4, 8);
    }
    if (!dsdt) {
        test_fail("FADT has no DSDT pointer");
    }
    const struct acpi_header *d = checked_table(dsdt, "DSDT");
    if (memcmp(d->signature, "DSDT", 4)) {
        test_fail("FADT's DSDT pointer 0x%lx leads to \"%.4s\"", dsdt, d->signature);
    }
    if (!pm1a) {
        test_fail("FADT PM1a control block address is 0");
    }
    printf("acpi: FADT: DSDT at 0x%lx, PM1a control block at 0x%lx\n", dsdt, pm1a);
}

static void test_madt(void)
{
    struct madt_info m;
    uint64_t cpus = cmdline_get_uint("cpus", 1);

    acpi_parse_madt(&m);
    printf("acpi: MADT: local APIC at 0x%x, %d enabled CPU(s) (APIC IDs", m.lapic_address,
           m.nr_cpus);
    for (int i = 0; i < m.nr_cpus; i++) {
        printf(" %u", m.apic_ids[i]);
    }
    printf("), %d disabled, %d I/O APIC(s)\n", m.nr_disabled_cpus, m.nr_ioapics);
    if ((uint64_t)m.nr_cpus != cpus) {
        test_fail("MADT lists %d enabled local APICs, command line says cpus=%lu", m.nr_cpus, cpus);
    }
    if (!m.nr_ioapics) {
        test_fail("MADT lists no I/O APIC");
    }
}

/* MP Specification 1.4, 4.1: EBDA's first KiB, the last KiB of base memory, the BIOS ROM. */
static const uint8_t *find_mp_pointer(void)
{
    uintptr_t ebda = (uintptr_t)mmio_read16(0x40e) << 4;
    uintptr_t base_kb = mmio_read16(0x413);
    uintptr_t ranges[3][2] = {
        {ebda, ebda + 1024},
        {base_kb * 1024 - 1024, base_kb * 1024},
        {0xf0000, 0x100000},
    };

    for (int r = 0; r < 3; r++) {
        if (ranges[r][0] < 0x80000 || ranges[r][1] > 0x100000) {
            continue; /* no BIOS data area values: skip */
        }
        for (uintptr_t a = ranges[r][0]; a + 16 <= ranges[r][1]; a += 16) {
            const uint8_t *p = (const void *)a;
            if (!memcmp(p, "_MP_", 4)) {
                return p;
            }
        }
    }
    return NULL;
}

static void test_mp_table(void)
{
    const uint8_t *mp = find_mp_pointer();
    uint64_t cpus = cmdline_get_uint("cpus", 1);

    if (!mp) {
        printf("acpi: note: no MP floating pointer (\"_MP_\"); MP table not checked\n");
        return;
    }
    unsigned len = mp[8] * 16;
    if (len < 16 || acpi_checksum(mp, len)) {
        test_fail("MP floating pointer at %p: checksum does not sum to 0 over %u bytes", mp, len);
    }
    uint32_t cfg_addr;
    memcpy(&cfg_addr, mp + 4, 4);
    printf("acpi: MP floating pointer at %p, spec 1.%u, config table at 0x%x\n", mp, mp[9],
           cfg_addr);
    if (!cfg_addr) {
        printf("acpi: note: MP default configuration %u, no config table\n", mp[11]);
        return;
    }

    const uint8_t *cfg = (const void *)(uintptr_t)cfg_addr;
    uint16_t base_len, entries;
    memcpy(&base_len, cfg + 4, 2);
    memcpy(&entries, cfg + 34, 2);
    if (memcmp(cfg, "PCMP", 4)) {
        test_fail("MP config table at 0x%x has signature \"%.4s\", expected PCMP", cfg_addr,
                  (const char *)cfg);
    }
    if (base_len < 44 || acpi_checksum(cfg, base_len)) {
        test_fail("MP config table at 0x%x: checksum does not sum to 0 over %u bytes", cfg_addr,
                  base_len);
    }

    /* Entry sizes by type (MP spec 4.3): processor 20, others 8. */
    int nr_cpus = 0, nr_bsp = 0;
    unsigned off = 44;
    for (unsigned i = 0; i < entries; i++) {
        if (off >= base_len) {
            test_fail("MP config table: entry %u of %u lies beyond its %u bytes", i, entries,
                      base_len);
        }
        uint8_t type = cfg[off];
        if (type == 0) {
            nr_cpus += cfg[off + 3] & 1; /* CPU flags bit 0: enabled, bit 1: BSP */
            nr_bsp += (cfg[off + 3] & 3) == 3;
            off += 20;
        } else if (type <= 4) {
            off += 8;
        } else {
            test_fail("MP config table: entry %u has unknown type %u", i, type);
        }
    }
    printf("acpi: MP config table: %u bytes, %u entries, %d enabled processor(s) - checksum ok\n",
           base_len, entries, nr_cpus);
    if (nr_bsp != 1) {
        test_fail("MP table marks %d enabled processors as the bootstrap processor", nr_bsp);
    }
    /*
     * SeaBIOS lists only the first logical CPU of each package (as sized by
     * CPUID.1:EBX[23:16], rounded up to a power of two); accept that or all.
     */
    uint64_t packages = cpus;
    uint32_t a, b, c, d;
    cpuid(1, 0, &a, &b, &c, &d);
    if (d & (1u << 28)) {
        uint32_t per_pkg = 1;
        while (per_pkg < ((b >> 16) & 0xff)) {
            per_pkg <<= 1;
        }
        packages = (cpus + per_pkg - 1) / per_pkg;
    }
    if ((uint64_t)nr_cpus != cpus && (uint64_t)nr_cpus != packages) {
        test_fail("MP table lists %d enabled processors; cpus=%lu (%lu package(s))", nr_cpus, cpus,
                  packages);
    }
    if ((uint64_t)nr_cpus != cpus) {
        printf("acpi: note: MP table lists one processor per package (%lu)\n", packages);
    }
}

void test_main(void)
{
    const struct acpi_rsdp *rsdp = test_rsdp();
    int n = walk_root(rsdp->rsdt_address, "RSDT", 4);

    if (rsdp->revision >= 2 && rsdp->xsdt_address) {
        int x = walk_root(rsdp->xsdt_address, "XSDT", 8);
        if (x != n) {
            test_fail("XSDT lists %d tables, RSDT %d", x, n);
        }
    }
    test_fadt();
    test_madt();
    test_mp_table();
}
