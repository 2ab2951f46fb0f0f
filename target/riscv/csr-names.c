/*
 * The names of the standard CSRs (unprivileged spec 20191213 ch. 24 table
 * 24.3 for the floating-point and counter CSRs, privileged spec 1.12 §2.2
 * tables 2.2-2.6 for the supervisor, machine and debug ones, Sstc for
 * stimecmp). RV32-only halves (cycleh, mstatush, ...) are left out: this is
 * an RV64 hart. Shared by the CSR file (its names for the monitor and gdb)
 * and the disassembler, which knows every standard name, implemented or not.
 */
#include "target/riscv/csr-names.h"

static const struct {
    uint16_t csrno;
    const char *name;
} named_csrs[] = {
    {0x001, "fflags"},        {0x002, "frm"},        {0x003, "fcsr"},       {0xc00, "cycle"},
    {0xc01, "time"},          {0xc02, "instret"},    {0x100, "sstatus"},    {0x104, "sie"},
    {0x105, "stvec"},         {0x106, "scounteren"}, {0x10a, "senvcfg"},    {0x140, "sscratch"},
    {0x141, "sepc"},          {0x142, "scause"},     {0x143, "stval"},      {0x144, "sip"},
    {0x14d, "stimecmp"},      {0x180, "satp"},       {0x5a8, "scontext"},   {0xf11, "mvendorid"},
    {0xf12, "marchid"},       {0xf13, "mimpid"},     {0xf14, "mhartid"},    {0xf15, "mconfigptr"},
    {0x300, "mstatus"},       {0x301, "misa"},       {0x302, "medeleg"},    {0x303, "mideleg"},
    {0x304, "mie"},           {0x305, "mtvec"},      {0x306, "mcounteren"}, {0x30a, "menvcfg"},
    {0x320, "mcountinhibit"}, {0x340, "mscratch"},   {0x341, "mepc"},       {0x342, "mcause"},
    {0x343, "mtval"},         {0x344, "mip"},        {0x34a, "mtinst"},     {0x34b, "mtval2"},
    {0x747, "mseccfg"},       {0xb00, "mcycle"},     {0xb02, "minstret"},   {0x7a0, "tselect"},
    {0x7a1, "tdata1"},        {0x7a2, "tdata2"},     {0x7a3, "tdata3"},     {0x7a8, "mcontext"},
    {0x7b0, "dcsr"},          {0x7b1, "dpc"},        {0x7b2, "dscratch0"},  {0x7b3, "dscratch1"},
    /* Smaia / Ssaia (AIA 1.0 ch. 2), RV64 ones */
    {0x150, "siselect"},      {0x151, "sireg"},      {0x15c, "stopei"},     {0xdb0, "stopi"},
    {0x308, "mvien"},         {0x309, "mvip"},       {0x350, "miselect"},   {0x351, "mireg"},
    {0x35c, "mtopei"},        {0xfb0, "mtopi"},
};

/* The numbered families: base + n for n in [first, last]. */
static const struct {
    uint16_t base;
    uint8_t first, last;
    const char *prefix;
} numbered_csrs[] = {
    {0xc00, 3, 31, "hpmcounter"}, {0xb00, 3, 31, "mhpmcounter"}, {0x320, 3, 31, "mhpmevent"},
    {0x3a0, 0, 15, "pmpcfg"},     {0x3b0, 0, 63, "pmpaddr"},
};

static const char *numbered_name(int csrno)
{
    static char names[ARRAY_SIZE(numbered_csrs)][64][16];

    for (size_t i = 0; i < ARRAY_SIZE(numbered_csrs); i++) {
        int n = csrno - numbered_csrs[i].base;

        if (n >= numbered_csrs[i].first && n <= numbered_csrs[i].last) {
            return names[i][n];
        }
    }
    return NULL;
}

static void numbered_names_init(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(numbered_csrs); i++) {
        for (int n = numbered_csrs[i].first; n <= numbered_csrs[i].last; n++) {
            char *slot = (char *)numbered_name(numbered_csrs[i].base + n);

            snprintf(slot, 16, "%s%d", numbered_csrs[i].prefix, n);
        }
    }
}

const char *riscv_csr_std_name(int csrno)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        numbered_names_init();
        g_once_init_leave(&done, 1);
    }
    for (size_t i = 0; i < ARRAY_SIZE(named_csrs); i++) {
        if (named_csrs[i].csrno == csrno) {
            return named_csrs[i].name;
        }
    }
    return numbered_name(csrno);
}
