/*
 * Device model: property defaults and parsing, -global, subclasses, buses,
 * -device specs, qtree and help text.
 */
#include "core/qdev.h"

typedef struct TestDevice {
    DeviceState parent;
    uint32_t iobase;
    bool flag;
    uint64_t size;
    char *label;
    int32_t offset;
    uint8_t small;
    int realized_count;
    int reset_count;
} TestDevice;

typedef struct TestSubDevice {
    TestDevice parent;
    uint16_t extra;
} TestSubDevice;

static const Property test_props[] = {
    DEFINE_PROP_U32("iobase", TestDevice, iobase, 0x3f8, "I/O base"),
    DEFINE_PROP_BOOL("flag", TestDevice, flag, true, NULL),
    DEFINE_PROP_SIZE("size", TestDevice, size, 4096, NULL),
    DEFINE_PROP_STRING("label", TestDevice, label, "none", NULL),
    DEFINE_PROP_I32("offset", TestDevice, offset, -5, NULL),
    DEFINE_PROP_U8("small", TestDevice, small, 1, NULL),
    DEFINE_PROP_END,
};

static bool test_realize(DeviceState *dev, GError **errp)
{
    TestDevice *t = (TestDevice *)dev;
    if (t->iobase == 0xdead) {
        g_set_error(errp, g_quark_from_static_string("test"), 0, "iobase 0xdead refused");
        return false;
    }
    t->realized_count++;
    return true;
}

static void test_reset(DeviceState *dev)
{
    ((TestDevice *)dev)->reset_count++;
}

static DeviceClass test_device_class = {
    .name = "test-device",
    .desc = "a device for unit tests",
    .instance_size = sizeof(TestDevice),
    .bus_type = BUS_SYSTEM,
    .user_creatable = true,
    .props = test_props,
    .realize = test_realize,
    .reset = test_reset,
};

static const Property sub_props[] = {
    DEFINE_PROP_U16("extra", TestSubDevice, extra, 7, NULL),
    DEFINE_PROP_END,
};

static DeviceClass test_sub_class = {
    .name = "test-sub-device",
    .parent = "test-device",
    .instance_size = sizeof(TestSubDevice),
    .bus_type = BUS_SYSTEM,
    .user_creatable = true,
    .props = sub_props,
};

static DeviceClass test_isa_class = {
    .name = "test-isa-device",
    .instance_size = sizeof(TestDevice),
    .bus_type = BUS_ISA,
    .user_creatable = true,
};

static void test_defaults_applied(void)
{
    TestDevice *t = (TestDevice *)device_new("test-device", NULL);

    g_assert_cmphex(t->iobase, ==, 0x3f8);
    g_assert_true(t->flag);
    g_assert_cmpuint(t->size, ==, 4096);
    g_assert_cmpstr(t->label, ==, "none");
    g_assert_cmpint(t->offset, ==, -5);
    device_destroy(&t->parent);
}

static void test_props_parse_and_range_check(void)
{
    DeviceState *dev = device_new("test-device", NULL);
    TestDevice *t = (TestDevice *)dev;
    g_autoptr(GError) err = NULL;

    g_assert_true(device_set_prop(dev, "iobase", "0x2f8", NULL));
    g_assert_cmphex(t->iobase, ==, 0x2f8);
    g_assert_true(device_set_prop(dev, "flag", "off", NULL));
    g_assert_false(t->flag);
    g_assert_true(device_set_prop(dev, "size", "2M", NULL));
    g_assert_cmpuint(t->size, ==, 2 * MiB);
    g_assert_true(device_set_prop(dev, "label", "hello", NULL));
    g_assert_cmpstr(t->label, ==, "hello");
    g_assert_false(device_set_prop(dev, "small", "256", &err));
    g_assert_nonnull(strstr(err->message, "out of range"));
    g_clear_error(&err);
    g_assert_false(device_set_prop(dev, "flag", "perhaps", &err));
    g_assert_nonnull(strstr(err->message, "use on or off"));
    g_clear_error(&err);
    g_assert_false(device_set_prop(dev, "nosuch", "1", &err));
    g_assert_nonnull(strstr(err->message, "its properties: iobase"));
    device_destroy(dev);
}

static void test_subclass_inherits_props(void)
{
    DeviceState *dev = device_new("test-sub-device", NULL);
    TestSubDevice *s = (TestSubDevice *)dev;

    g_assert_cmpuint(s->extra, ==, 7);
    g_assert_cmphex(s->parent.iobase, ==, 0x3f8);
    g_assert_true(device_set_prop(dev, "iobase", "0x100", NULL));
    g_assert_true(device_class_is_a(dev->klass, "test-device"));
    g_assert_true(device_realize(dev, NULL, NULL));
    g_assert_cmpint(s->parent.realized_count, ==, 1); /* the parent's realize ran */
    g_assert_cmpint(s->parent.reset_count, ==, 1);
    device_destroy(dev);
}

static void test_global_applies_to_later_instances(void)
{
    g_autoptr(GError) err = NULL;
    TestDevice *t;

    g_assert_false(qdev_add_global("test-device.nosuch=1", &err));
    g_assert_nonnull(strstr(err->message, "no property 'nosuch'"));
    g_clear_error(&err);
    g_assert_false(qdev_add_global("nodev.x=1", &err));
    g_clear_error(&err);
    g_assert_false(qdev_add_global("garbage", &err));
    g_assert_true(qdev_add_global("test-device.small=9", NULL));
    t = (TestDevice *)device_new("test-sub-device", NULL);
    g_assert_cmpuint(t->small, ==, 9);
    device_destroy(&t->parent);
}

static void test_device_add_spec(void)
{
    g_autoptr(GError) err = NULL;
    DeviceState *dev = qdev_device_add("test-device,id=t1,iobase=0x200,label=a,,b", NULL);
    TestDevice *t = (TestDevice *)dev;

    g_assert_nonnull(dev);
    g_assert_true(dev->realized);
    g_assert_cmpstr(dev->id, ==, "t1");
    g_assert_cmphex(t->iobase, ==, 0x200);
    g_assert_cmpstr(t->label, ==, "a,b");
    g_assert_true(device_find_by_id("t1") == dev);

    g_assert_null(qdev_device_add("test-device,id=t1", &err));
    g_assert_nonnull(strstr(err->message, "duplicate device id 't1'"));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("no-such-device", &err));
    g_assert_nonnull(strstr(err->message, "-device help"));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("test-device,iobase=0xdead", &err));
    g_assert_nonnull(strstr(err->message, "refused"));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("test-isa-device", &err));
    g_assert_nonnull(strstr(err->message, "no ISA bus"));
    g_clear_error(&err);
    g_assert_null(qdev_device_add("test-device,bus=nowhere", &err));
    g_assert_nonnull(strstr(err->message, "no bus named 'nowhere'"));
    device_destroy(dev);
    g_assert_null(device_find_by_id("t1"));
}

static const BusOps one_device_bus_ops = {.max_devices = 1};

/* Runs before test_wrong_bus_refused adds an ISA bus without a limit. */
static void test_one_device_bus(void)
{
    g_autoptr(GError) err = NULL;
    BusState *one = bus_new(BUS_ISA, "one-isa", NULL, &one_device_bus_ops);
    DeviceState *first = qdev_device_add("test-isa-device", NULL);

    g_assert_nonnull(first);
    g_assert_true(first->parent_bus == one);
    g_assert_null(qdev_device_add("test-isa-device,bus=one-isa", &err));
    g_assert_nonnull(strstr(err->message, "bus 'one-isa' already holds 1 device"));
    g_clear_error(&err);
    /* Without bus=, a full bus is passed over: here there is no other. */
    g_assert_null(qdev_device_add("test-isa-device", &err));
    g_assert_nonnull(strstr(err->message, "every bus of type 'ISA' is full"));
    g_assert_cmpuint(one->children->len, ==, 1);
}

static void test_wrong_bus_refused(void)
{
    g_autoptr(GError) err = NULL;
    BusState *isa = bus_new(BUS_ISA, "test-isa", NULL, NULL);
    DeviceState *dev = device_new("test-device", NULL);

    g_assert_false(device_realize(dev, isa, &err));
    g_assert_nonnull(strstr(err->message, "plugs into a System bus"));
    device_destroy(dev);
    dev = qdev_device_add("test-isa-device,id=onisa", NULL);
    g_assert_nonnull(dev);
    g_assert_true(dev->parent_bus == isa);
    device_destroy(dev);
}

static void test_qtree_and_help_text(void)
{
    DeviceState *dev = qdev_device_add("test-device,id=shown,iobase=0x42", NULL);
    g_autofree char *tree = qdev_qtree_string();
    g_autofree char *help = qdev_device_help();
    g_autoptr(GString) props = g_string_new(NULL);

    g_assert_nonnull(strstr(tree, "bus: main-system-bus"));
    g_assert_nonnull(strstr(tree, "dev: test-device, id \"shown\""));
    g_assert_nonnull(strstr(tree, "iobase = 66"));
    g_assert_nonnull(strstr(help, "name \"test-device\", bus System, desc \"a device for unit"));
    g_assert_true(qdev_device_prop_help("test-sub-device", props, NULL));
    g_assert_nonnull(strstr(props->str, "extra=<uint16>"));
    g_assert_nonnull(strstr(props->str, "iobase=<uint32>  - I/O base"));
    device_destroy(dev);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    device_class_register(&test_device_class);
    device_class_register(&test_sub_class);
    device_class_register(&test_isa_class);
    g_test_add_func("/qdev/props/defaults-applied", test_defaults_applied);
    g_test_add_func("/qdev/props/parse-and-range-check", test_props_parse_and_range_check);
    g_test_add_func("/qdev/class/subclass-inherits-props", test_subclass_inherits_props);
    g_test_add_func("/qdev/global/applies-to-later-instances",
                    test_global_applies_to_later_instances);
    g_test_add_func("/qdev/device-add/spec", test_device_add_spec);
    g_test_add_func("/qdev/bus/one-device-bus", test_one_device_bus);
    g_test_add_func("/qdev/bus/wrong-bus-refused", test_wrong_bus_refused);
    g_test_add_func("/qdev/text/qtree-and-help", test_qtree_and_help_text);
    return g_test_run();
}
