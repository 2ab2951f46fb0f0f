/*
 * cpuid: what the CPU model tells the guest. Always: the hypervisor bit is set
 * and CPUID.1:EBX[31:24] is this CPU's local APIC id. With model=mimic64 (the
 * default model's name on the command line): XSAVE, AVX and CMPXCHG16B are
 * hidden, SSE4.2 and POPCNT are kept. With model=host nothing is checked beyond
 * the common part.
 */
#include "test.h"
#include "apic.h"

const char test_name[] = "cpuid";

#define CPUID_1_ECX_SSE42 (1u << 20)
#define CPUID_1_ECX_POPCNT (1u << 23)
#define CPUID_1_ECX_CX16 (1u << 13)
#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_AVX (1u << 28)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

static void check_baseline_model(uint32_t ecx)
{
    if (ecx & (CPUID_1_ECX_XSAVE | CPUID_1_ECX_AVX | CPUID_1_ECX_CX16)) {
        test_fail("mimic64 should hide XSAVE/AVX/CX16, CPUID.1:ECX=0x%x", ecx);
    }
    if ((ecx & (CPUID_1_ECX_SSE42 | CPUID_1_ECX_POPCNT)) !=
        (CPUID_1_ECX_SSE42 | CPUID_1_ECX_POPCNT)) {
        test_fail("mimic64 should keep SSE4.2 and POPCNT, CPUID.1:ECX=0x%x", ecx);
    }
}

void test_main(void)
{
    char model[32] = "";
    uint32_t a, b, c, d;

    cmdline_get("model", model, sizeof(model));
    cpuid(1, 0, &a, &b, &c, &d);
    printf("cpuid: leaf 1 eax=0x%x ebx=0x%x ecx=0x%x edx=0x%x\n", a, b, c, d);
    if (!(c & CPUID_1_ECX_HYPERVISOR)) {
        test_fail("the hypervisor bit CPUID.1:ECX[31] is clear");
    }
    if ((b >> 24) != lapic_id()) {
        test_fail("CPUID.1:EBX APIC id %u differs from the local APIC's id %u", b >> 24,
                  lapic_id());
    }
    if (strcmp(model, "mimic64") == 0) {
        check_baseline_model(c);
    }
}
