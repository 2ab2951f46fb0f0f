/*
 * Option parsing: key=value lists, sizes, booleans, -smp.
 */
#include "util/option.h"
#include "core/machine.h"

static void test_keyval_implied_key_and_escaped_comma(void)
{
    g_autoptr(KeyValList) kv = keyval_parse("-device", "isa-serial,id=s0,,x,flag", "driver", NULL);

    g_assert_nonnull(kv);
    g_assert_cmpstr(keyval_take(kv, "driver"), ==, "isa-serial");
    g_assert_cmpstr(keyval_take(kv, "id"), ==, "s0,x");
    g_assert_cmpstr(keyval_take(kv, "flag"), ==, "on");
    g_assert_true(keyval_check_all_used(kv, NULL, NULL));
}

static void test_keyval_escaped_value_reads_back_whole(void)
{
    g_autoptr(GString) spec = g_string_new("file=");
    g_autoptr(KeyValList) kv = NULL;

    keyval_append_escaped(spec, "a,b,,c,");
    g_string_append(spec, ",index=1");
    g_assert_cmpstr(spec->str, ==, "file=a,,b,,,,c,,,index=1");
    kv = keyval_parse("-drive", spec->str, NULL, NULL);
    g_assert_nonnull(kv);
    g_assert_cmpstr(keyval_take(kv, "file"), ==, "a,b,,c,");
    g_assert_cmpstr(keyval_take(kv, "index"), ==, "1");
    g_assert_true(keyval_check_all_used(kv, NULL, NULL));
}

static void test_keyval_unknown_key_named(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(KeyValList) kv = keyval_parse("-smp", "cpus=2,sockts=1", "cpus", NULL);

    keyval_take(kv, "cpus");
    g_assert_false(keyval_check_all_used(kv, "cpus, sockets", &err));
    g_assert_nonnull(strstr(err->message, "'sockts'"));
    g_assert_nonnull(strstr(err->message, "accepted: cpus, sockets"));
}

static void test_size_suffixes(void)
{
    uint64_t v;
    g_autoptr(GError) err = NULL;

    g_assert_true(parse_size("512", MiB, &v, NULL));
    g_assert_cmpuint(v, ==, 512 * MiB);
    g_assert_true(parse_size("2G", MiB, &v, NULL));
    g_assert_cmpuint(v, ==, 2 * GiB);
    g_assert_true(parse_size("1.5G", MiB, &v, NULL));
    g_assert_cmpuint(v, ==, 3 * GiB / 2);
    g_assert_true(parse_size("64k", 1, &v, NULL));
    g_assert_cmpuint(v, ==, 64 * KiB);
    g_assert_true(parse_size("512MB", 1, &v, NULL));
    g_assert_cmpuint(v, ==, 512 * MiB);
    g_assert_false(parse_size("512X", MiB, &v, &err));
    g_assert_nonnull(strstr(err->message, "512M or 2G"));
    g_assert_false(parse_size("-1", MiB, &v, NULL));
    g_assert_false(parse_size("99999999999T", MiB, &v, NULL));
}

static void test_bool_spellings(void)
{
    bool b;

    g_assert_true(parse_bool("on", &b, NULL) && b);
    g_assert_true(parse_bool("off", &b, NULL) && !b);
    g_assert_true(parse_bool("yes", &b, NULL) && b);
    g_assert_false(parse_bool("maybe", &b, NULL));
}

static void test_smp_fills_topology(void)
{
    CpuTopology t;
    g_autoptr(GError) err = NULL;

    g_assert_true(smp_parse(&t, "4", 255, NULL));
    g_assert_cmpuint(t.cpus, ==, 4);
    g_assert_cmpuint(t.sockets, ==, 4);
    g_assert_true(smp_parse(&t, "cpus=4,cores=2", 255, NULL));
    g_assert_cmpuint(t.sockets, ==, 2);
    g_assert_true(smp_parse(&t, "cpus=2,maxcpus=4,sockets=1,cores=4", 255, NULL));
    g_assert_cmpuint(t.max_cpus, ==, 4);
    g_assert_false(smp_parse(&t, "cpus=4,sockets=3,cores=1", 255, &err));
    g_assert_nonnull(strstr(err->message, "does not match"));
    g_clear_error(&err);
    g_assert_false(smp_parse(&t, "300", 255, &err));
    g_assert_nonnull(strstr(err->message, "at most 255"));
    g_clear_error(&err);
    g_assert_false(smp_parse(&t, "0", 255, &err));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/option/keyval/implied-key-and-escaped-comma",
                    test_keyval_implied_key_and_escaped_comma);
    g_test_add_func("/option/keyval/escaped-value-reads-back-whole",
                    test_keyval_escaped_value_reads_back_whole);
    g_test_add_func("/option/keyval/unknown-key-named", test_keyval_unknown_key_named);
    g_test_add_func("/option/size/suffixes", test_size_suffixes);
    g_test_add_func("/option/bool/spellings", test_bool_spellings);
    g_test_add_func("/option/smp/fills-topology", test_smp_fills_topology);
    return g_test_run();
}
