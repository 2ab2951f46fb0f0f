/*
 * A small builder of ACPI Machine Language (ACPI 6.4 §20.2, "AML Grammar
 * Definition"), enough for the pc machine's DSDT.
 *
 * Every constructor returns a new term; the functions that take terms as
 * operands (aml_store(), aml_append(), ...) consume them. A block (Scope,
 * Device, Method, If, Package, Field) collects what is appended to it and
 * gets its PkgLength when it is itself appended to its parent, so a table is
 * built from the inside out:
 *
 *     Aml *dev = aml_device("S03");
 *     aml_append(dev, aml_name_decl("_SUN", aml_int(3)));
 *     aml_append(scope, dev);
 *
 * Names are written as ASL spells them ("\\_SB.PCI0", "^PCNT", "_EJ0"); each
 * segment has at most 4 characters and is padded with '_'.
 */
#ifndef HW_ACPI_AML_BUILD_H
#define HW_ACPI_AML_BUILD_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Aml Aml;

/* Region spaces (§19.6.100) and field flags (§19.6.48) this builder emits. */
#define AML_SYSTEM_IO 0x01
#define AML_FIELD_DWORD_ACC 0x03
#define AML_FIELD_BYTE_ACC 0x01
#define AML_FIELD_NO_LOCK 0x00
#define AML_FIELD_WRITE_AS_ZEROS 0x40

/* An empty list of terms: a table's body. */
Aml *aml_new(void);
/* Append child (consumed) to parent; a block child gets its PkgLength here. */
void aml_append(Aml *parent, Aml *child);
/* The encoded bytes of a term list (consumed). */
GByteArray *aml_finish(Aml *aml);

/* Data. */
Aml *aml_int(uint64_t value);    /* the shortest of Zero, One, Ones, Byte/Word/DWord/QWordConst */
Aml *aml_eisaid(const char *id); /* "PNP0A03" as a compressed EISA id (DWordConst) */
Aml *aml_package(void);          /* elements are appended */
/* A ResourceTemplate (§6.4): descriptors are appended; the End Tag comes with aml_append(). */
Aml *aml_resource_template(void);
/* Address space descriptors (§6.4.3.5) of a window a bridge produces, min to max inclusive. */
Aml *aml_word_bus_number(uint16_t min, uint16_t max);
Aml *aml_word_io(uint16_t min, uint16_t max);
Aml *aml_dword_memory(uint32_t min, uint32_t max);

/* Names and objects. */
Aml *aml_name(const char *path); /* a reference (NameString) */
Aml *aml_name_decl(const char *name, Aml *value);
Aml *aml_scope(const char *path);
Aml *aml_device(const char *name);
Aml *aml_method(const char *name, unsigned nargs, bool serialized);
Aml *aml_operation_region(const char *name, uint8_t space, uint32_t offset, uint32_t len);
Aml *aml_field(const char *region, uint8_t flags);
/* A named field unit of `bits` bits, appended to a field in declaration order. */
void aml_field_unit(Aml *field, const char *name, unsigned bits);

/* Statements and expressions. */
Aml *aml_local(unsigned n);
Aml *aml_arg(unsigned n);
Aml *aml_store(Aml *value, Aml *target);
Aml *aml_and(Aml *a, Aml *b);
Aml *aml_shiftleft(Aml *value, Aml *count);
Aml *aml_notify(Aml *object, Aml *value);
Aml *aml_if(Aml *predicate);
/* Invoke method with nargs arguments (consumed). */
Aml *aml_call(const char *method, unsigned nargs, Aml *const *args);

#endif
