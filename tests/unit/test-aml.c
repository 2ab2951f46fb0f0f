/*
 * The AML builder against the byte encodings of ACPI 6.4 §20.2 (AML grammar)
 * and §6.4 (resource descriptors), worked out by hand from the grammar.
 */
#include "hw/acpi/aml-build.h"

/* The encoding of term, appended to an empty term list. */
static GByteArray *encode(Aml *term)
{
    Aml *list = aml_new();

    aml_append(list, term);
    return aml_finish(list);
}

static void assert_bytes(Aml *term, const uint8_t *want, size_t len)
{
    g_autoptr(GByteArray) got = encode(term);

    g_assert_cmpmem(got->data, got->len, want, len);
}

#define ASSERT_AML(term, ...)                                                                      \
    do {                                                                                           \
        static const uint8_t want_[] = {__VA_ARGS__};                                              \
        assert_bytes((term), want_, sizeof(want_));                                                \
    } while (0)

static void test_integers_take_the_shortest_form(void)
{
    ASSERT_AML(aml_int(0), 0x00);
    ASSERT_AML(aml_int(1), 0x01);
    ASSERT_AML(aml_int(UINT64_MAX), 0xff);
    ASSERT_AML(aml_int(5), 0x0a, 0x05);
    ASSERT_AML(aml_int(0x1234), 0x0b, 0x34, 0x12);
    ASSERT_AML(aml_int(0x12345678), 0x0c, 0x78, 0x56, 0x34, 0x12);
    ASSERT_AML(aml_int(0x100000000ull), 0x0e, 0, 0, 0, 0, 1, 0, 0, 0);
}

static void test_name_strings(void)
{
    ASSERT_AML(aml_name("_S5"), '_', 'S', '5', '_');
    ASSERT_AML(aml_name("^PCNT"), '^', 'P', 'C', 'N', 'T');
    ASSERT_AML(aml_name("\\_SB.PCI0"), '\\', 0x2e, '_', 'S', 'B', '_', 'P', 'C', 'I', '0');
    ASSERT_AML(aml_name("\\_SB.PCI0.S05"), '\\', 0x2f, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0',
               'S', '0', '5', '_');
}

/* PNP0A03 is the DWord 0x030ad041 every PC's PCI root has. */
static void test_eisaid(void)
{
    ASSERT_AML(aml_eisaid("PNP0A03"), 0x0c, 0x41, 0xd0, 0x0a, 0x03);
}

/* A package of n Zeros: PackageOp, PkgLength, NumElements, the elements. */
static GByteArray *zeros_package(unsigned n)
{
    Aml *pkg = aml_package();

    for (unsigned i = 0; i < n; i++) {
        aml_append(pkg, aml_int(0));
    }
    return encode(pkg);
}

/* A scope named TEST holding n Zeros: ScopeOp, PkgLength, "TEST", the Zeros. */
static GByteArray *zeros_scope(unsigned n)
{
    Aml *scope = aml_scope("TEST");

    for (unsigned i = 0; i < n; i++) {
        aml_append(scope, aml_int(0));
    }
    return encode(scope);
}

/* §20.2.4: one byte up to 63 (counting itself), then a nibble and 1, 2 or 3 more bytes. */
static void test_pkglength_grows_at_its_boundaries(void)
{
    g_autoptr(GByteArray) p61 = zeros_package(61);
    g_autoptr(GByteArray) p62 = zeros_package(62);
    g_autoptr(GByteArray) s4093 = zeros_scope(4093 - 4);
    g_autoptr(GByteArray) s4094 = zeros_scope(4094 - 4);

    /* 61 elements: count + 61 = 62 bytes, and 1 of PkgLength: 63. */
    g_assert_cmpuint(p61->len, ==, 1 + 1 + 1 + 61);
    g_assert_cmphex(p61->data[1], ==, 63);
    g_assert_cmphex(p61->data[2], ==, 61);
    /* 62: 63 bytes of content, 2 of PkgLength: 65 = 0x41 | 0x04 << 4. */
    g_assert_cmpuint(p62->len, ==, 1 + 2 + 1 + 62);
    g_assert_cmphex(p62->data[1], ==, 0x41);
    g_assert_cmphex(p62->data[2], ==, 0x04);
    g_assert_cmphex(p62->data[3], ==, 62);
    /* 4093 bytes of content fit 2 bytes of PkgLength: 4095 = 0xfff. */
    g_assert_cmphex(s4093->data[1], ==, 0x4f);
    g_assert_cmphex(s4093->data[2], ==, 0xff);
    g_assert_cmpmem(s4093->data + 3, 4, "TEST", 4);
    /* 4094 need 3: 4097 = 0x1001. */
    g_assert_cmphex(s4094->data[1], ==, 0x81);
    g_assert_cmphex(s4094->data[2], ==, 0x00);
    g_assert_cmphex(s4094->data[3], ==, 0x01);
    g_assert_cmpmem(s4094->data + 4, 4, "TEST", 4);
    g_assert_cmpuint(s4094->len, ==, 1 + 3 + 4094);
}

static void test_method_flags_and_body(void)
{
    Aml *pcej = aml_method("PCEJ", 1, false);
    Aml *pcnt = aml_method("PCNT", 0, true);

    /* Store (ShiftLeft (One, Arg0, NullName), B0EJ) */
    aml_append(pcej, aml_store(aml_shiftleft(aml_int(1), aml_arg(0)), aml_name("B0EJ")));
    ASSERT_AML(pcej, 0x14, 0x0f, 'P', 'C', 'E', 'J', 0x01, 0x70, 0x79, 0x01, 0x68, 0x00, 'B', '0',
               'E', 'J');
    /* If (And (Local0, 0x20, NullName)) { Notify (S05, 1) } */
    {
        Aml *cond = aml_if(aml_and(aml_local(0), aml_int(0x20)));

        aml_append(cond, aml_notify(aml_name("S05"), aml_int(1)));
        aml_append(pcnt, cond);
    }
    ASSERT_AML(pcnt, 0x14, 0x13, 'P', 'C', 'N', 'T', 0x08, 0xa0, 0x0c, 0x7b, 0x60, 0x0a, 0x20, 0x00,
               0x86, 'S', '0', '5', '_', 0x01);
}

static void test_device_call_region_and_field(void)
{
    Aml *dev = aml_device("S05");
    Aml *sun = aml_name("_SUN");
    Aml *field =
        aml_field("PCST", AML_FIELD_DWORD_ACC | AML_FIELD_NO_LOCK | AML_FIELD_WRITE_AS_ZEROS);

    aml_append(dev, aml_call("PCEJ", 1, &sun));
    ASSERT_AML(dev, 0x5b, 0x82, 0x0d, 'S', '0', '5', '_', 'P', 'C', 'E', 'J', '_', 'S', 'U', 'N');
    ASSERT_AML(aml_operation_region("PCST", AML_SYSTEM_IO, 0xae00, 0x10), 0x5b, 0x80, 'P', 'C', 'S',
               'T', 0x01, 0x0b, 0x00, 0xae, 0x0a, 0x10);
    aml_field_unit(field, "PCIU", 32);
    aml_field_unit(field, "PCID", 32);
    ASSERT_AML(field, 0x5b, 0x81, 0x10, 'P', 'C', 'S', 'T', 0x43, 'P', 'C', 'I', 'U', 0x20, 'P',
               'C', 'I', 'D', 0x20);
}

/* §6.4.3.5.3: Word Address Space descriptor; §6.4.2.9: End Tag; then BufferOp around them. */
static void test_resource_template(void)
{
    Aml *crs = aml_resource_template();

    aml_append(crs, aml_word_io(0x0d00, 0xffff));
    ASSERT_AML(crs, 0x11, 0x15, 0x0a, 0x12, 0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0x00, 0x00, 0x00,
               0x0d, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf3, 0x79, 0x00);
}

/* §6.4.3.5.2: DWord Address Space descriptor, a cacheable read/write memory window. */
static void test_dword_memory(void)
{
    ASSERT_AML(aml_dword_memory(0x08000000, 0xfebfffff), 0x87, 0x17, 0x00, 0x00, 0x0c, 0x03, 0, 0,
               0, 0, 0x00, 0x00, 0x00, 0x08, 0xff, 0xff, 0xbf, 0xfe, 0, 0, 0, 0, 0x00, 0x00, 0xc0,
               0xf6);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/aml/int/shortest-form", test_integers_take_the_shortest_form);
    g_test_add_func("/aml/name/strings", test_name_strings);
    g_test_add_func("/aml/eisaid", test_eisaid);
    g_test_add_func("/aml/pkglength/boundaries", test_pkglength_grows_at_its_boundaries);
    g_test_add_func("/aml/method/flags-and-body", test_method_flags_and_body);
    g_test_add_func("/aml/device/call-region-field", test_device_call_region_and_field);
    g_test_add_func("/aml/resources/template", test_resource_template);
    g_test_add_func("/aml/resources/dword-memory", test_dword_memory);
    return g_test_run();
}
