/*
 * sendkey: QEMU's key names (qapi/ui.json QKeyCode) joined with '-'
 * ("ctrl-alt-delete", "shift-a"), or raw keycodes in hex ("0x1d"), pressed in
 * order and released in reverse, through the input router (system/input.h)
 * to whatever keyboard the machine has.
 *
 * Deviation from QEMU: the keys are released at once rather than after
 * hold-time milliseconds; the keyboard queues the bytes, so the guest still
 * sees every press before its release. hold-time is accepted and ignored.
 */
#include "monitor/monitor-internal.h"
#include "system/input.h"

#define SENDKEY_MAX_KEYS 16
#define E(code) (INPUT_KEYCODE_EXTENDED | (code))

/* QKeyCode name -> PC keycode (set 1, E(): with the 0xe0 prefix). */
static const struct {
    const char *name;
    int keycode;
} key_names[] = {
    {"esc", 0x01},
    {"1", 0x02},
    {"2", 0x03},
    {"3", 0x04},
    {"4", 0x05},
    {"5", 0x06},
    {"6", 0x07},
    {"7", 0x08},
    {"8", 0x09},
    {"9", 0x0a},
    {"0", 0x0b},
    {"minus", 0x0c},
    {"equal", 0x0d},
    {"backspace", 0x0e},
    {"tab", 0x0f},
    {"q", 0x10},
    {"w", 0x11},
    {"e", 0x12},
    {"r", 0x13},
    {"t", 0x14},
    {"y", 0x15},
    {"u", 0x16},
    {"i", 0x17},
    {"o", 0x18},
    {"p", 0x19},
    {"bracket_left", 0x1a},
    {"bracket_right", 0x1b},
    {"ret", 0x1c},
    {"ctrl", 0x1d},
    {"a", 0x1e},
    {"s", 0x1f},
    {"d", 0x20},
    {"f", 0x21},
    {"g", 0x22},
    {"h", 0x23},
    {"j", 0x24},
    {"k", 0x25},
    {"l", 0x26},
    {"semicolon", 0x27},
    {"apostrophe", 0x28},
    {"grave_accent", 0x29},
    {"shift", 0x2a},
    {"backslash", 0x2b},
    {"z", 0x2c},
    {"x", 0x2d},
    {"c", 0x2e},
    {"v", 0x2f},
    {"b", 0x30},
    {"n", 0x31},
    {"m", 0x32},
    {"comma", 0x33},
    {"dot", 0x34},
    {"slash", 0x35},
    {"shift_r", 0x36},
    {"asterisk", 0x37},
    {"alt", 0x38},
    {"spc", 0x39},
    {"caps_lock", 0x3a},
    {"f1", 0x3b},
    {"f2", 0x3c},
    {"f3", 0x3d},
    {"f4", 0x3e},
    {"f5", 0x3f},
    {"f6", 0x40},
    {"f7", 0x41},
    {"f8", 0x42},
    {"f9", 0x43},
    {"f10", 0x44},
    {"num_lock", 0x45},
    {"scroll_lock", 0x46},
    {"kp_7", 0x47},
    {"kp_8", 0x48},
    {"kp_9", 0x49},
    {"kp_subtract", 0x4a},
    {"kp_4", 0x4b},
    {"kp_5", 0x4c},
    {"kp_6", 0x4d},
    {"kp_add", 0x4e},
    {"kp_1", 0x4f},
    {"kp_2", 0x50},
    {"kp_3", 0x51},
    {"kp_0", 0x52},
    {"kp_decimal", 0x53},
    {"f11", 0x57},
    {"f12", 0x58},
    {"kp_enter", E(0x1c)},
    {"ctrl_r", E(0x1d)},
    {"kp_divide", E(0x35)},
    {"alt_r", E(0x38)},
    {"home", E(0x47)},
    {"up", E(0x48)},
    {"pgup", E(0x49)},
    {"left", E(0x4b)},
    {"right", E(0x4d)},
    {"end", E(0x4f)},
    {"down", E(0x50)},
    {"pgdn", E(0x51)},
    {"insert", E(0x52)},
    {"delete", E(0x53)},
    {"meta_l", E(0x5b)},
    {"meta_r", E(0x5c)},
    {"menu", E(0x5d)},
};

static bool sendkey_parse_one(const char *name, int *keycode, GError **errp)
{
    char *end;

    for (size_t i = 0; i < G_N_ELEMENTS(key_names); i++) {
        if (!strcmp(key_names[i].name, name)) {
            *keycode = key_names[i].keycode;
            return true;
        }
    }
    if (g_str_has_prefix(name, "0x") && name[2]) {
        unsigned long v = strtoul(name + 2, &end, 16);

        if (!*end && v > 0 && v <= 0x17f) {
            *keycode = (int)v;
            return true;
        }
    }
    error_setg(errp,
               "sendkey: unknown key '%s'; keys are QEMU's names (a, ctrl, alt, delete, "
               "f1, ret, spc, ...) or keycodes such as 0x1d",
               name);
    return false;
}

bool hmp_sendkey(Monitor *mon, const MonArgs *args, GVariant **ret, GError **errp)
{
    const char *keys = mon_args_get_str(args, "keys");
    g_auto(GStrv) names = NULL;
    int codes[SENDKEY_MAX_KEYS];
    int n = 0;

    /* "ctrl-minus" is fine; a bare "-" or "a--b" names an empty key. */
    names = g_strsplit(keys, "-", -1);
    for (int i = 0; names[i]; i++) {
        if (n == SENDKEY_MAX_KEYS) {
            error_setg(errp, "sendkey: at most %d keys at once", SENDKEY_MAX_KEYS);
            return false;
        }
        if (!sendkey_parse_one(names[i], &codes[n], errp)) {
            return false;
        }
        n++;
    }
    for (int i = 0; i < n; i++) {
        if (!input_send_key(codes[i], true)) {
            error_setg(errp, "sendkey: this machine has no keyboard");
            return false;
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        input_send_key(codes[i], false);
    }
    return true;
}

/* "ctrl-al" completes to "ctrl-alt", "ctrl-alt_r": the key after the last '-'. */
void hmp_complete_key_names(const char *word, GPtrArray *out)
{
    const char *dash = strrchr(word, '-');
    int prefix_len = dash ? (int)(dash - word + 1) : 0;

    for (size_t i = 0; i < G_N_ELEMENTS(key_names); i++) {
        g_ptr_array_add(out, g_strdup_printf("%.*s%s", prefix_len, word, key_names[i].name));
    }
}
