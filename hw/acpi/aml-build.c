/*
 * ACPI Machine Language encoder (ACPI 6.4 §20.2): the name, data, named-object
 * and statement encodings the pc machine's DSDT uses, and the resource
 * descriptors (§6.4) of a PCI host bridge's windows. Left out: strings, plain
 * buffers, While, and every operator or descriptor no table here needs.
 */
#include "hw/acpi/aml-build.h"

#include <stdlib.h>
#include <string.h>

enum {
    ZERO_OP = 0x00,
    ONE_OP = 0x01,
    NAME_OP = 0x08,
    BYTE_PREFIX = 0x0a,
    WORD_PREFIX = 0x0b,
    DWORD_PREFIX = 0x0c,
    QWORD_PREFIX = 0x0e,
    SCOPE_OP = 0x10,
    BUFFER_OP = 0x11,
    PACKAGE_OP = 0x12,
    METHOD_OP = 0x14,
    DUAL_NAME_PREFIX = 0x2e,
    MULTI_NAME_PREFIX = 0x2f,
    EXT_OP_PREFIX = 0x5b,
    LOCAL0_OP = 0x60,
    ARG0_OP = 0x68,
    STORE_OP = 0x70,
    SHIFT_LEFT_OP = 0x79,
    AND_OP = 0x7b,
    NOTIFY_OP = 0x86,
    IF_OP = 0xa0,
    ONES_OP = 0xff,
    /* after EXT_OP_PREFIX */
    OP_REGION_OP = 0x80,
    FIELD_OP = 0x81,
    DEVICE_OP = 0x82,
};

#define NAME_SEG_LEN 4

/* Resource descriptor tags and fields (§6.4.2.9, §6.4.3.5). */
enum {
    RES_END_TAG = 0x79, /* small item 0xf, length 1 */
    RES_DWORD_ADDRESS = 0x87,
    RES_WORD_ADDRESS = 0x88,
    RES_TYPE_MEMORY = 0,
    RES_TYPE_IO = 1,
    RES_TYPE_BUS_NUMBER = 2,
    RES_MIN_FIXED = 1 << 2,
    RES_MAX_FIXED = 1 << 3,
    RES_IO_ENTIRE_RANGE = 3,
    RES_MEM_CACHEABLE_RW = 0x03,
};

typedef enum AmlKind {
    AML_TERMS,     /* plain bytes: a term or a list of them */
    AML_BLOCK,     /* opcode, PkgLength, then buf */
    AML_PACKAGE,   /* opcode, PkgLength, element count, then buf */
    AML_RESOURCES, /* BufferOp, PkgLength, buffer size, then buf and an End Tag */
} AmlKind;

struct Aml {
    AmlKind kind;
    uint8_t op[2];
    unsigned op_len;
    unsigned elements; /* of a package */
    GByteArray *buf;
};

static Aml *aml_alloc(AmlKind kind)
{
    Aml *a = g_new0(Aml, 1);

    a->kind = kind;
    a->buf = g_byte_array_new();
    return a;
}

static void put_byte(Aml *a, uint8_t b)
{
    g_byte_array_append(a->buf, &b, 1);
}

static void put_le(Aml *a, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++) {
        put_byte(a, v >> (8 * i));
    }
}

/* Append src's bytes to dst and free src. */
static void put_term(Aml *dst, Aml *src)
{
    g_byte_array_append(dst->buf, src->buf->data, src->buf->len);
    g_byte_array_free(src->buf, true);
    g_free(src);
}

static Aml *aml_block(uint8_t op, bool extended)
{
    Aml *a = aml_alloc(AML_BLOCK);

    if (extended) {
        a->op[a->op_len++] = EXT_OP_PREFIX;
    }
    a->op[a->op_len++] = op;
    return a;
}

/*
 * PkgLength (§20.2.4): bits 7:6 of the lead byte count the bytes that follow
 * it; with none, bits 5:0 hold the value, else bits 3:0 hold its low nibble
 * and each following byte the next 8 bits.
 */
static void put_pkglen_value(GByteArray *out, uint32_t value)
{
    unsigned follow = value < 0x40 ? 0 : value < (1u << 12) ? 1 : value < (1u << 20) ? 2 : 3;
    uint8_t b;

    g_assert(value < (1u << 28));
    b = follow ? (follow << 6) | (value & 0x0f) : value;
    g_byte_array_append(out, &b, 1);
    for (unsigned i = 0; i < follow; i++) {
        b = value >> (4 + 8 * i);
        g_byte_array_append(out, &b, 1);
    }
}

/* The PkgLength of a block counts its own bytes as well as the content after it. */
static void put_block_pkglen(GByteArray *out, uint32_t content)
{
    unsigned own = 1;

    while (content + own >= (own == 1 ? 0x40u : 1u << (4 + 8 * (own - 1)))) {
        own++;
    }
    put_pkglen_value(out, content + own);
}

static void put_name_seg(Aml *a, const char *seg, size_t len)
{
    g_assert(len >= 1 && len <= NAME_SEG_LEN);
    g_byte_array_append(a->buf, (const uint8_t *)seg, len);
    for (size_t i = len; i < NAME_SEG_LEN; i++) {
        put_byte(a, '_');
    }
}

/* NameString (§20.2.2): root or parent prefixes, then one, two or more segments. */
static void put_name_string(Aml *a, const char *path)
{
    g_auto(GStrv) segs = NULL;
    guint n;

    while (*path == '\\' || *path == '^') {
        put_byte(a, *path++);
    }
    segs = g_strsplit(path, ".", -1);
    n = g_strv_length(segs);
    g_assert(n >= 1 && n <= 255);
    if (n == 2) {
        put_byte(a, DUAL_NAME_PREFIX);
    } else if (n > 2) {
        put_byte(a, MULTI_NAME_PREFIX);
        put_byte(a, n);
    }
    for (guint i = 0; i < n; i++) {
        put_name_seg(a, segs[i], strlen(segs[i]));
    }
}

/* End Tag with a zero checksum ("treated as correct"), then the buffer's header. */
static void put_resources_end(Aml *parent, Aml *resources)
{
    Aml *size;

    put_byte(resources, RES_END_TAG);
    put_byte(resources, 0);
    size = aml_int(resources->buf->len);
    put_byte(parent, BUFFER_OP);
    put_block_pkglen(parent->buf, size->buf->len + resources->buf->len);
    put_term(parent, size);
}

Aml *aml_new(void)
{
    return aml_alloc(AML_TERMS);
}

void aml_append(Aml *parent, Aml *child)
{
    GByteArray *out = parent->buf;

    parent->elements++;
    switch (child->kind) {
    case AML_TERMS:
        put_term(parent, child);
        return;
    case AML_BLOCK:
        g_byte_array_append(out, child->op, child->op_len);
        put_block_pkglen(out, child->buf->len);
        break;
    case AML_PACKAGE:
        g_assert(child->elements <= 255);
        g_byte_array_append(out, child->op, child->op_len);
        put_block_pkglen(out, child->buf->len + 1);
        put_byte(parent, child->elements);
        break;
    case AML_RESOURCES:
        put_resources_end(parent, child);
        break;
    }
    child->kind = AML_TERMS;
    put_term(parent, child);
}

GByteArray *aml_finish(Aml *aml)
{
    GByteArray *out = aml->buf;

    g_assert(aml->kind == AML_TERMS);
    g_free(aml);
    return out;
}

Aml *aml_int(uint64_t value)
{
    Aml *a = aml_alloc(AML_TERMS);

    if (value == 0 || value == 1) {
        put_byte(a, value ? ONE_OP : ZERO_OP);
    } else if (value == UINT64_MAX) {
        put_byte(a, ONES_OP);
    } else if (value <= UINT8_MAX) {
        put_byte(a, BYTE_PREFIX);
        put_le(a, value, 1);
    } else if (value <= UINT16_MAX) {
        put_byte(a, WORD_PREFIX);
        put_le(a, value, 2);
    } else if (value <= UINT32_MAX) {
        put_byte(a, DWORD_PREFIX);
        put_le(a, value, 4);
    } else {
        put_byte(a, QWORD_PREFIX);
        put_le(a, value, 8);
    }
    return a;
}

/*
 * An EISA id (§6.1.5): three upper-case letters, 5 bits each (A = 1), then four
 * hex digits, stored big-endian in a DWordConst.
 */
Aml *aml_eisaid(const char *id)
{
    uint32_t v;
    Aml *a = aml_alloc(AML_TERMS);

    g_assert(strlen(id) == 7);
    v = (uint32_t)(id[0] - '@') << 26 | (uint32_t)(id[1] - '@') << 21 |
        (uint32_t)(id[2] - '@') << 16 | (uint32_t)strtoul(id + 3, NULL, 16);
    put_byte(a, DWORD_PREFIX);
    put_le(a, GUINT32_SWAP_LE_BE(v), 4);
    return a;
}

Aml *aml_package(void)
{
    Aml *a = aml_alloc(AML_PACKAGE);

    a->op[a->op_len++] = PACKAGE_OP;
    return a;
}

Aml *aml_resource_template(void)
{
    return aml_alloc(AML_RESOURCES);
}

/*
 * Word and DWord Address Space descriptors: type, flags, then granularity,
 * minimum, maximum, translation offset and length, each `width` bytes.
 */
static Aml *aml_address_space(uint8_t tag, unsigned width, uint8_t type, uint8_t type_flags,
                              uint32_t min, uint32_t max)
{
    Aml *a = aml_alloc(AML_TERMS);

    g_assert(min <= max);
    put_byte(a, tag);
    put_le(a, 3 + 5 * width, 2);
    put_byte(a, type);
    put_byte(a, RES_MIN_FIXED | RES_MAX_FIXED); /* bit 0 clear: produced, a bridge window */
    put_byte(a, type_flags);
    put_le(a, 0, width);
    put_le(a, min, width);
    put_le(a, max, width);
    put_le(a, 0, width);
    put_le(a, (uint64_t)max - min + 1, width);
    return a;
}

Aml *aml_word_bus_number(uint16_t min, uint16_t max)
{
    return aml_address_space(RES_WORD_ADDRESS, 2, RES_TYPE_BUS_NUMBER, 0, min, max);
}

Aml *aml_word_io(uint16_t min, uint16_t max)
{
    return aml_address_space(RES_WORD_ADDRESS, 2, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, min, max);
}

Aml *aml_dword_memory(uint32_t min, uint32_t max)
{
    return aml_address_space(RES_DWORD_ADDRESS, 4, RES_TYPE_MEMORY, RES_MEM_CACHEABLE_RW, min, max);
}

Aml *aml_name(const char *path)
{
    Aml *a = aml_alloc(AML_TERMS);

    put_name_string(a, path);
    return a;
}

Aml *aml_name_decl(const char *name, Aml *value)
{
    Aml *a = aml_alloc(AML_TERMS);

    put_byte(a, NAME_OP);
    put_name_string(a, name);
    aml_append(a, value);
    return a;
}

Aml *aml_scope(const char *path)
{
    Aml *a = aml_block(SCOPE_OP, false);

    put_name_string(a, path);
    return a;
}

Aml *aml_device(const char *name)
{
    Aml *a = aml_block(DEVICE_OP, true);

    put_name_string(a, name);
    return a;
}

/* MethodFlags (§20.2.5.2): bits 2:0 ArgCount, bit 3 SerializeFlag, sync level 0. */
Aml *aml_method(const char *name, unsigned nargs, bool serialized)
{
    Aml *a = aml_block(METHOD_OP, false);

    g_assert(nargs <= 7);
    put_name_string(a, name);
    put_byte(a, nargs | (serialized ? 1u << 3 : 0));
    return a;
}

Aml *aml_operation_region(const char *name, uint8_t space, uint32_t offset, uint32_t len)
{
    Aml *a = aml_alloc(AML_TERMS);

    put_byte(a, EXT_OP_PREFIX);
    put_byte(a, OP_REGION_OP);
    put_name_string(a, name);
    put_byte(a, space);
    aml_append(a, aml_int(offset));
    aml_append(a, aml_int(len));
    return a;
}

Aml *aml_field(const char *region, uint8_t flags)
{
    Aml *a = aml_block(FIELD_OP, true);

    put_name_string(a, region);
    put_byte(a, flags);
    return a;
}

/* NamedField (§20.2.5.2): a NameSeg and its width in bits as a bare PkgLength. */
void aml_field_unit(Aml *field, const char *name, unsigned bits)
{
    put_name_seg(field, name, strlen(name));
    put_pkglen_value(field->buf, bits);
}

static Aml *aml_opcode(uint8_t op)
{
    Aml *a = aml_alloc(AML_TERMS);

    put_byte(a, op);
    return a;
}

Aml *aml_local(unsigned n)
{
    g_assert(n <= 7);
    return aml_opcode(LOCAL0_OP + n);
}

Aml *aml_arg(unsigned n)
{
    g_assert(n <= 6);
    return aml_opcode(ARG0_OP + n);
}

Aml *aml_store(Aml *value, Aml *target)
{
    Aml *a = aml_opcode(STORE_OP);

    aml_append(a, value);
    aml_append(a, target);
    return a;
}

/* A binary operator whose result is only returned: its Target is NullName. */
static Aml *aml_binary(uint8_t op, Aml *x, Aml *y)
{
    Aml *a = aml_opcode(op);

    aml_append(a, x);
    aml_append(a, y);
    put_byte(a, ZERO_OP);
    return a;
}

Aml *aml_and(Aml *a, Aml *b)
{
    return aml_binary(AND_OP, a, b);
}

Aml *aml_shiftleft(Aml *value, Aml *count)
{
    return aml_binary(SHIFT_LEFT_OP, value, count);
}

Aml *aml_notify(Aml *object, Aml *value)
{
    Aml *a = aml_opcode(NOTIFY_OP);

    aml_append(a, object);
    aml_append(a, value);
    return a;
}

Aml *aml_if(Aml *predicate)
{
    Aml *a = aml_block(IF_OP, false);

    aml_append(a, predicate);
    return a;
}

Aml *aml_call(const char *method, unsigned nargs, Aml *const *args)
{
    Aml *a = aml_name(method);

    for (unsigned i = 0; i < nargs; i++) {
        aml_append(a, args[i]);
    }
    return a;
}
