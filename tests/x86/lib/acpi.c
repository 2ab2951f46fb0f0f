/*
 * ACPI lookups shared by the acpi, timer and smp programs. RSDP search per
 * ACPI 6.5 5.2.5.1 "Finding the RSDP on IA-PC Systems"; MADT entries per
 * 5.2.12 (types 0 Processor Local APIC, 1 I/O APIC, 2 Interrupt Source
 * Override, 9 Processor Local x2APIC). Everything lies below 4 GiB, the part
 * the entry stub maps; anything above is reported, not followed.
 */
#include "acpi.h"
#include "test.h"

#define BDA_EBDA_SEGMENT 0x40e
#define BIOS_ROM_START 0xe0000
#define BIOS_ROM_END 0x100000
#define MAPPED_LIMIT 0x100000000ull

#define MADT_TYPE_LAPIC 0
#define MADT_TYPE_IOAPIC 1
#define MADT_TYPE_ISO 2
#define MADT_TYPE_X2APIC 9
#define MADT_ENABLED 0x1

uint8_t acpi_checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;

    while (len--) {
        sum += *b++;
    }
    return sum;
}

static const struct acpi_rsdp *scan_rsdp(uintptr_t start, uintptr_t end)
{
    for (uintptr_t a = start; a + ACPI_RSDP_V1_SIZE <= end; a += 16) {
        const struct acpi_rsdp *r = (const void *)a;
        if (!memcmp(r->signature, "RSD PTR ", 8) && !acpi_checksum(r, ACPI_RSDP_V1_SIZE)) {
            return r;
        }
    }
    return NULL;
}

const struct acpi_rsdp *acpi_find_rsdp(void)
{
    uintptr_t ebda = (uintptr_t)mmio_read16(BDA_EBDA_SEGMENT) << 4;
    const struct acpi_rsdp *r = NULL;

    /* No BIOS, no EBDA: the word is then 0 (or junk below 0x80000) - skip it. */
    if (ebda >= 0x80000 && ebda < 0xa0000) {
        r = scan_rsdp(ebda, ebda + 1024);
    }
    return r ? r : scan_rsdp(BIOS_ROM_START, BIOS_ROM_END);
}

bool acpi_table_len_ok(uint64_t addr, uint32_t length)
{
    return addr && length >= sizeof(struct acpi_header) && length <= ACPI_TABLE_MAX_LEN &&
           addr + length <= MAPPED_LIMIT;
}

const struct acpi_header *acpi_table_at(const struct acpi_rsdp *rsdp, int index)
{
    bool use_xsdt = rsdp->revision >= 2 && rsdp->xsdt_address;
    uint64_t root_addr = use_xsdt ? rsdp->xsdt_address : rsdp->rsdt_address;
    size_t entry_size = use_xsdt ? 8 : 4;

    if (!acpi_table_len_ok(root_addr, sizeof(struct acpi_header))) {
        return NULL;
    }
    const struct acpi_header *root = (const void *)(uintptr_t)root_addr;
    if (!acpi_table_len_ok(root_addr, root->length)) {
        return NULL;
    }
    size_t count = (root->length - sizeof(*root)) / entry_size;
    if (index < 0 || (size_t)index >= count) {
        return NULL;
    }
    const uint8_t *entries = (const uint8_t *)(root + 1);
    uint64_t addr;
    if (use_xsdt) {
        memcpy(&addr, entries + index * 8, 8);
    } else {
        uint32_t a32;
        memcpy(&a32, entries + index * 4, 4);
        addr = a32;
    }
    if (!acpi_table_len_ok(addr, sizeof(struct acpi_header))) {
        return NULL;
    }
    return (const void *)(uintptr_t)addr;
}

const struct acpi_header *acpi_find_table(const char *signature)
{
    const struct acpi_rsdp *rsdp = acpi_find_rsdp();
    const struct acpi_header *t;

    if (!rsdp) {
        return NULL;
    }
    for (int i = 0; (t = acpi_table_at(rsdp, i)); i++) {
        if (!memcmp(t->signature, signature, 4)) {
            return t;
        }
    }
    return NULL;
}

void acpi_parse_madt(struct madt_info *info)
{
    const struct acpi_header *madt = acpi_find_table("APIC");

    memset(info, 0, sizeof(*info));
    if (!madt) {
        test_fail("MADT: no \"APIC\" table (is there an RSDP in 0xE0000-0xFFFFF?)");
    }
    if (!acpi_table_len_ok((uintptr_t)madt, madt->length) || madt->length < 44) {
        test_fail("MADT: implausible length %u", madt->length);
    }

    const uint8_t *base = (const uint8_t *)madt;
    memcpy(&info->lapic_address, base + 36, 4);

    for (uint32_t off = 44; off < madt->length;) {
        const uint8_t *e = base + off;
        uint8_t type = e[0], len = e[1];
        uint32_t flags, id, gsi;

        if (len < 2 || off + len > madt->length) {
            test_fail("MADT: entry at offset %u (type %u) has bad length %u", off, type, len);
        }
        switch (type) {
        case MADT_TYPE_LAPIC:
        case MADT_TYPE_X2APIC:
            if (len < (type == MADT_TYPE_LAPIC ? 8 : 16)) {
                test_fail("MADT: local APIC entry at offset %u too short (%u)", off, len);
            }
            if (type == MADT_TYPE_LAPIC) {
                id = e[3];
                memcpy(&flags, e + 4, 4);
            } else {
                memcpy(&id, e + 4, 4);
                memcpy(&flags, e + 8, 4);
            }
            if (!(flags & MADT_ENABLED)) {
                info->nr_disabled_cpus++;
            } else if (info->nr_cpus < MADT_MAX_CPUS) {
                info->apic_ids[info->nr_cpus++] = id;
            }
            break;
        case MADT_TYPE_IOAPIC:
            if (len < 12) {
                test_fail("MADT: I/O APIC entry at offset %u too short (%u)", off, len);
            }
            memcpy(&gsi, e + 8, 4);
            if (!info->nr_ioapics || gsi < info->ioapic_gsi_base) {
                memcpy(&info->ioapic_address, e + 4, 4);
                info->ioapic_gsi_base = gsi;
            }
            info->nr_ioapics++;
            break;
        case MADT_TYPE_ISO:
            if (len < 10) {
                test_fail("MADT: interrupt source override at offset %u too short (%u)", off, len);
            }
            if (e[2] == 0 && e[3] == 0) { /* bus 0 (ISA), source IRQ 0 */
                info->has_irq0_override = true;
                memcpy(&info->irq0_gsi, e + 4, 4);
                memcpy(&info->irq0_flags, e + 8, 2);
            }
            break;
        default:
            break;
        }
        off += len;
    }
}
