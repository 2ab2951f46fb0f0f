/*
 * libFuzzer harness over the QMP input path: the bytes go to a QMP monitor
 * exactly as a client's reads would (monitor_feed_input -> the scanner ->
 * json-glib -> request checks -> argument checks), cut into pieces at points
 * the input itself chooses, so values split across reads are covered too.
 *
 * Only commands without side effects outside the process run (queries and
 * qom-list/qom-get); the others answer CommandNotFound, so a fuzzer cannot
 * write files (pmemsave), quit or stop anything.
 *
 * Build with clang as the project's compiler (tests/fuzz/meson.build adds the
 * target only then), e.g.:
 *   CC=clang meson setup build-fuzz -Dsanitizers=address \
 *       -Dc_args=-fsanitize=fuzzer-no-link -Dwerror=false
 *   ninja -C build-fuzz tests/fuzz/qmp-fuzz && build-fuzz/tests/fuzz/qmp-fuzz -max_len=4096
 */
#include "monitor/monitor.h"
#include "monitor/monitor-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool fuzz_allow(const char *name)
{
    return g_str_has_prefix(name, "query-") || !strcmp(name, "qmp_capabilities") ||
           !strcmp(name, "qom-list") || !strcmp(name, "qom-get") ||
           !strcmp(name, "device-list-properties");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char negotiate[] = "{\"execute\": \"qmp_capabilities\"}";
    static bool initialized;
    Monitor *mon;
    size_t pos = 0;

    if (!initialized) {
        qmp_set_dispatch_filter(fuzz_allow);
        initialized = true;
    }
    mon = monitor_new_qmp_buffer();
    /* The first byte picks negotiated or not, and the size of the reads. */
    if (size && (data[0] & 1)) {
        monitor_feed_input(mon, (const uint8_t *)negotiate, strlen(negotiate));
    }
    while (pos < size) {
        size_t chunk = size ? 1 + (data[pos] % 64) * 17 : 0;

        chunk = MIN(chunk, size - pos);
        monitor_feed_input(mon, data + pos, chunk);
        pos += chunk;
    }
    monitor_free(mon);
    return 0;
}
