/*
 * ACPI table access for the programs (ACPI 6.5, chapter 5.2 "ACPI System
 * Description Tables"): find the RSDP the way an OS without UEFI does, look
 * tables up through the XSDT or RSDT, and digest the MADT.
 */
#ifndef TESTS_X86_LIB_ACPI_H
#define TESTS_X86_LIB_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct acpi_rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* over the first 20 bytes */
    char oem_id[6];
    uint8_t revision; /* 0: ACPI 1.0 (20-byte structure), 2: ACPI 2.0+ */
    uint32_t rsdt_address;
    uint32_t length; /* revision >= 2 from here on */
    uint64_t xsdt_address;
    uint8_t extended_checksum; /* over `length` bytes */
    uint8_t reserved[3];
} __attribute__((packed));

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));

#define ACPI_RSDP_V1_SIZE 20
/* Refuse lengths beyond this: a table that long is a corrupt one. */
#define ACPI_TABLE_MAX_LEN (16u << 20)

#define MADT_MAX_CPUS 64

struct madt_info {
    uint32_t lapic_address;
    int nr_cpus; /* enabled Local APIC and Local x2APIC entries */
    uint32_t apic_ids[MADT_MAX_CPUS];
    int nr_disabled_cpus;
    int nr_ioapics;
    uint32_t ioapic_address; /* of the IOAPIC whose GSI base is lowest */
    uint32_t ioapic_gsi_base;
    bool has_irq0_override;
    uint32_t irq0_gsi;
    uint16_t irq0_flags; /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 */
};

uint8_t acpi_checksum(const void *p, size_t len);
/* The first RSDP with a valid checksum: EBDA's first KiB, then 0xE0000-0xFFFFF. */
const struct acpi_rsdp *acpi_find_rsdp(void);
/* Entry `index` of the XSDT (if the RSDP has one) or the RSDT; NULL past the end. */
const struct acpi_header *acpi_table_at(const struct acpi_rsdp *rsdp, int index);
/* The first table with this signature, or NULL. */
const struct acpi_header *acpi_find_table(const char *signature);
/* Sanity of a table header at addr: mapped, length plausible. */
bool acpi_table_len_ok(uint64_t addr, uint32_t length);
/* Fills *info from the MADT; calls test_fail() if there is none or it is malformed. */
void acpi_parse_madt(struct madt_info *info);

#endif
