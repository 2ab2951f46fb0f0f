/*
 * The IDE core's protocol, driven through the adapter interface of
 * include/hw/ide/ide.h with a fake DMA engine over a host buffer: a raw disk
 * as master and a CD-ROM as slave of one channel, on images in a temporary
 * directory. Completions land in the main loop, which the tests run.
 */
#include "block/drive.h"
#include "block/error-policy.h"
#include "system/runstate.h"
#include "hw/ide/ide.h"
#include "util/error.h"
#include <glib/gstdio.h>

#define DISK_SECTORS 2048
#define CD_BLOCKS 16

enum { ST_ERR = 0x01, ST_DRQ = 0x08, ST_DRDY = 0x40, ST_BSY = 0x80 };
enum { ER_ABRT = 0x04, ER_IDNF = 0x10 };

static char *tmpdir;
static IDEBus bus;
static IDEBus *cur = &bus; /* the channel the driver helpers talk to */
static int irq_level;
static DeviceState owner;

/* The fake engine: a host buffer of dma_len bytes. */
static uint8_t dma_mem[64 * 1024];
static size_t dma_len, dma_pos;
static bool dma_ended, dma_error;

static bool fake_rw(IDEBus *b, uint8_t *buf, size_t len, bool to_guest)
{
    if (len > dma_len - dma_pos) {
        return false;
    }
    if (to_guest) {
        memcpy(dma_mem + dma_pos, buf, len);
    } else {
        memcpy(buf, dma_mem + dma_pos, len);
    }
    dma_pos += len;
    return true;
}

static void fake_end(IDEBus *b, bool error)
{
    dma_ended = true;
    dma_error = error;
}

static const IDEDMAOps fake_dma = {.rw = fake_rw, .end = fake_end};

static void irq_handler(void *opaque, int n, int level)
{
    irq_level = level;
}

static uint8_t pattern(uint64_t block, unsigned j)
{
    return (block * 13 + j) & 0xff;
}

static char *make_image(const char *name, unsigned blocks, unsigned size)
{
    char *path = g_build_filename(tmpdir, name, NULL);
    g_autofree uint8_t *data = g_malloc((size_t)blocks * size);

    for (unsigned b = 0; b < blocks; b++) {
        for (unsigned j = 0; j < size; j++) {
            data[(size_t)b * size + j] = pattern(b, j);
        }
    }
    g_assert_true(g_file_set_contents(path, (char *)data, (gssize)blocks * size, NULL));
    return path;
}

/* A qcow2 image whose cluster 0 maps to an unaligned host offset: every read of it fails. */
static char *make_unreadable_qcow2(void)
{
    char *path = g_build_filename(tmpdir, "bad.qcow2", NULL);
    BlockCreateOptions o = {.size = 1 * MiB, .size_set = true};
    BlockOpenOptions oo = {.format = "qcow2"};
    const uint64_t offset_mask = 0x00fffffffffffe00ull;
    uint8_t sector[512] = {0xab};
    uint64_t l1, l2, entry;
    GError *err = NULL;
    BlockBackend *blk;
    FILE *f;

    g_assert_true(bdrv_create("qcow2", path, &o, &err));
    blk = blk_new_open(path, &oo, BDRV_O_RDWR, &err);
    g_assert_nonnull(blk);
    g_assert_cmpint(blk_pwrite(blk, 0, sizeof(sector), sector, 0), ==, 0);
    blk_unref(blk);
    f = fopen(path, "r+b");
    g_assert_nonnull(f);
    g_assert_true(fseek(f, 40, SEEK_SET) == 0 && fread(&l1, 8, 1, f) == 1);
    g_assert_true(fseek(f, GUINT64_FROM_BE(l1), SEEK_SET) == 0 && fread(&l2, 8, 1, f) == 1);
    l2 = GUINT64_FROM_BE(l2) & offset_mask;
    g_assert_true(fseek(f, l2, SEEK_SET) == 0 && fread(&entry, 8, 1, f) == 1);
    entry = GUINT64_TO_BE(GUINT64_FROM_BE(entry) + 0x200);
    g_assert_true(fseek(f, l2, SEEK_SET) == 0 && fwrite(&entry, 8, 1, f) == 1);
    fclose(f);
    return path;
}

/* ---- a driver's view ---- */

static uint8_t reg(unsigned r)
{
    return ide_bus_read(cur, r, 1);
}

static void set_reg(unsigned r, uint8_t v)
{
    ide_bus_write(cur, r, v, 1);
}

static uint8_t wait_idle(void)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (ide_bus_read_altstatus(cur) & ST_BSY) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(50);
    }
    return ide_bus_read_altstatus(cur);
}

static void command(unsigned unit, uint8_t cmd)
{
    set_reg(ATA_REG_DEVICE, 0xe0 | unit << 4);
    set_reg(ATA_REG_STATUS, cmd);
}

static void lba28(uint32_t lba, uint8_t count)
{
    set_reg(ATA_REG_NSECTOR, count);
    set_reg(ATA_REG_LBA_LOW, lba);
    set_reg(ATA_REG_LBA_MID, lba >> 8);
    set_reg(ATA_REG_LBA_HIGH, lba >> 16);
}

static void data_in(void *buf, unsigned len)
{
    uint16_t *w = buf;

    for (unsigned i = 0; i < len / 2; i++) {
        w[i] = ide_bus_read(cur, ATA_REG_DATA, 2);
    }
}

static void data_out(const void *buf, unsigned len)
{
    const uint16_t *w = buf;

    for (unsigned i = 0; i < len / 2; i++) {
        ide_bus_write(cur, ATA_REG_DATA, w[i], 2);
    }
}

/* ---- tests ---- */

static void test_identify_reports_capacity_and_model(void)
{
    uint16_t id[256];

    command(0, 0xec);
    g_assert_cmphex(wait_idle() & (ST_DRQ | ST_ERR), ==, ST_DRQ);
    g_assert_cmpint(irq_level, ==, 1);
    data_in(id, sizeof(id));
    g_assert_cmphex(reg(ATA_REG_STATUS) & (ST_DRQ | ST_BSY), ==, 0);
    g_assert_cmpint(irq_level, ==, 0); /* the status read acknowledged it */
    g_assert_cmpuint(id[60] | id[61] << 16, ==, DISK_SECTORS);
    g_assert_cmpuint(id[100], ==, DISK_SECTORS);
    g_assert_cmphex(id[27], ==, 'M' << 8 | 'I');
    g_assert_true(id[83] & 0x0400);
}

static void test_unknown_command_aborts(void)
{
    command(0, 0xfd);
    g_assert_cmphex(wait_idle() & ST_ERR, ==, ST_ERR);
    g_assert_cmphex(reg(ATA_REG_ERROR), ==, ER_ABRT);
    /* READ MULTIPLE before SET MULTIPLE MODE, and a block size that is no power of two. */
    command(0, 0xc4);
    g_assert_cmphex(reg(ATA_REG_ERROR), ==, ER_ABRT);
    set_reg(ATA_REG_NSECTOR, 3);
    command(0, 0xc6);
    g_assert_cmphex(reg(ATA_REG_ERROR), ==, ER_ABRT);
}

static void test_pio_write_then_read_back(void)
{
    uint8_t out[1024], in[1024];

    for (unsigned i = 0; i < sizeof(out); i++) {
        out[i] = i * 3 + 1;
    }
    lba28(40, 2);
    command(0, 0x30);
    g_assert_cmphex(reg(ATA_REG_STATUS) & ST_DRQ, ==, ST_DRQ);
    for (int s = 0; s < 2; s++) {
        g_assert_cmphex(wait_idle() & ST_DRQ, ==, ST_DRQ);
        data_out(out + s * 512, 512);
    }
    g_assert_cmphex(wait_idle() & (ST_ERR | ST_DRQ), ==, 0);
    /* The address registers end on the last sector written. */
    g_assert_cmpuint(reg(ATA_REG_LBA_LOW), ==, 41);

    set_reg(ATA_REG_NSECTOR, 2);
    command(0, 0xc6); /* SET MULTIPLE MODE 2: one DRQ block for both */
    g_assert_cmphex(wait_idle() & ST_ERR, ==, 0);
    lba28(40, 2);
    command(0, 0xc4);
    g_assert_cmphex(wait_idle() & ST_DRQ, ==, ST_DRQ);
    data_in(in, sizeof(in));
    g_assert_cmpmem(in, sizeof(in), out, sizeof(out));
    g_assert_cmphex(wait_idle() & (ST_ERR | ST_DRQ), ==, 0);
}

/* INITIALIZE DEVICE PARAMETERS, then a CHS read: cylinder 1, head 2, sector 3 of 4 x 8. */
static void test_chs_read_follows_the_geometry(void)
{
    uint8_t in[512];
    unsigned lba = (1 * 4 + 2) * 8 + 3 - 1;

    set_reg(ATA_REG_NSECTOR, 8);
    set_reg(ATA_REG_DEVICE, 0xa0 | (4 - 1));
    set_reg(ATA_REG_STATUS, 0x91);
    g_assert_cmphex(wait_idle() & ST_ERR, ==, 0);
    set_reg(ATA_REG_NSECTOR, 1);
    set_reg(ATA_REG_LBA_LOW, 3);
    set_reg(ATA_REG_LBA_MID, 1);
    set_reg(ATA_REG_LBA_HIGH, 0);
    set_reg(ATA_REG_DEVICE, 0xa0 | 2);
    set_reg(ATA_REG_STATUS, 0x20);
    g_assert_cmphex(wait_idle() & (ST_DRQ | ST_ERR), ==, ST_DRQ);
    data_in(in, sizeof(in));
    for (unsigned j = 0; j < sizeof(in); j++) {
        g_assert_cmpuint(in[j], ==, pattern(lba, j));
    }
    /* Sector 0 does not exist in CHS addressing. */
    set_reg(ATA_REG_LBA_LOW, 0);
    set_reg(ATA_REG_STATUS, 0x20);
    g_assert_cmphex(wait_idle() & ST_ERR, ==, ST_ERR);
    g_assert_cmphex(reg(ATA_REG_ERROR), ==, ER_IDNF);
}

static void test_hob_registers_hold_the_previous_write(void)
{
    set_reg(ATA_REG_LBA_LOW, 0x12);
    set_reg(ATA_REG_LBA_LOW, 0x34);
    ide_bus_write_control(&bus, ATA_CTL_HOB);
    g_assert_cmphex(reg(ATA_REG_LBA_LOW), ==, 0x12);
    ide_bus_write_control(&bus, 0);
    g_assert_cmphex(reg(ATA_REG_LBA_LOW), ==, 0x34);
}

static void test_past_the_end_is_idnf(void)
{
    set_reg(ATA_REG_NSECTOR, 0);
    set_reg(ATA_REG_LBA_LOW, 0);
    set_reg(ATA_REG_LBA_MID, 0);
    set_reg(ATA_REG_LBA_HIGH, 0);
    lba28(DISK_SECTORS - 1, 2);
    command(0, 0x24); /* READ SECTORS EXT: the HOB half is zero */
    g_assert_cmphex(wait_idle() & (ST_ERR | ST_DRQ), ==, ST_ERR);
    g_assert_cmphex(reg(ATA_REG_ERROR), ==, ER_IDNF);
    lba28(DISK_SECTORS, 1);
    command(0, 0x40); /* READ VERIFY */
    g_assert_cmphex(reg(ATA_REG_ERROR), ==, ER_IDNF);
}

static void test_nien_masks_intrq(void)
{
    ide_bus_write_control(&bus, ATA_CTL_NIEN);
    command(0, 0xe5); /* CHECK POWER MODE */
    g_assert_cmphex(wait_idle() & ST_ERR, ==, 0);
    g_assert_cmpint(irq_level, ==, 0);
    g_assert_cmphex(reg(ATA_REG_NSECTOR), ==, 0xff);
    ide_bus_write_control(&bus, 0);
}

static void test_dma_read_and_short_table(void)
{
    memset(dma_mem, 0, sizeof(dma_mem));
    dma_len = 3 * 512;
    dma_pos = 0;
    dma_ended = false;
    lba28(7, 3);
    command(0, 0xc8);
    g_assert_cmphex(reg(ATA_REG_STATUS) & ST_DRQ, ==, ST_DRQ); /* waits for the engine */
    ide_bus_dma_set_active(&bus, true);
    g_assert_cmphex(wait_idle() & (ST_ERR | ST_DRQ), ==, 0);
    g_assert_true(dma_ended && !dma_error);
    for (unsigned i = 0; i < 3 * 512; i++) {
        g_assert_cmpuint(dma_mem[i], ==, pattern(7 + i / 512, i % 512));
    }
    /* A table one sector short: the engine reports the error, the command aborts. */
    dma_len = 512;
    dma_pos = 0;
    dma_ended = false;
    lba28(0, 2);
    command(0, 0xc8);
    g_assert_cmphex(wait_idle() & ST_ERR, ==, ST_ERR);
    g_assert_true(dma_ended && dma_error);
    ide_bus_dma_set_active(&bus, false);
}

/* rerror=report: the read fails with UNC; rerror=ignore: the guest gets a sector and no error. */
static void test_read_error_follows_rerror(void)
{
    static IDEBus bad_bus = {.name = "ide.1"};
    GError *err = NULL;
    uint8_t st;

    bad_bus.irq = bus.irq;
    g_assert_true(ide_bus_attach(&bad_bus, 0, drive_get_by_id("bad-report"), &owner, &err));
    g_assert_true(ide_bus_attach(&bad_bus, 1, drive_get_by_id("bad-ignore"), &owner, &err));
    ide_bus_reset(&bad_bus);
    cur = &bad_bus;
    lba28(0, 1);
    command(0, 0x20);
    st = wait_idle();
    g_assert_cmphex(st & (ST_ERR | ST_DRQ), ==, ST_ERR);
    g_assert_cmphex(reg(ATA_REG_ERROR), ==, 0x40);
    lba28(0, 1);
    command(1, 0x20);
    st = wait_idle();
    g_assert_cmphex(st & (ST_ERR | ST_DRQ), ==, ST_DRQ);
    ide_bus_detach_all(&bad_bus);
    cur = &bus;
}

static int io_error_events;

static void count_io_error(const BlockIOErrorEvent *ev)
{
    g_assert_cmpint(ev->action, ==, BLOCK_ERROR_ACTION_STOP);
    io_error_events++;
}

/* Run the main loop until the VM has stopped on an I/O error (the failed read's completion). */
static void wait_io_error_stop(void)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (runstate_is_running()) {
        g_assert_cmpint(g_get_monotonic_time(), <, deadline);
        g_main_context_iteration(NULL, FALSE);
        g_usleep(50);
    }
}

/*
 * rerror=stop: the failed read stops the VM with the command still busy and
 * the drive's io-status failed; resuming issues the read again (which fails
 * again here, and stops the VM again).
 */
static void test_read_error_stop_retries_on_resume(void)
{
    static IDEBus stop_bus = {.name = "ide.2"};
    DriveInfo *d = drive_get_by_id("bad-stop");
    GError *err = NULL;

    stop_bus.irq = bus.irq;
    g_assert_true(ide_bus_attach(&stop_bus, 0, d, &owner, &err));
    ide_bus_reset(&stop_bus);
    block_error_set_listener(count_io_error);
    io_error_events = 0;
    vm_start();
    cur = &stop_bus;
    lba28(0, 1);
    command(0, 0x20);
    wait_io_error_stop();
    g_assert_cmpint(io_error_events, ==, 1);
    g_assert_cmpint(d->io_status, ==, BLOCK_IO_STATUS_FAILED);
    g_assert_cmphex(ide_bus_read_altstatus(&stop_bus) & ST_BSY, ==, ST_BSY);
    vm_start();
    wait_io_error_stop();
    g_assert_cmpint(io_error_events, ==, 2);
    g_assert_cmphex(ide_bus_read_altstatus(&stop_bus) & ST_BSY, ==, ST_BSY);
    block_error_set_listener(NULL);
    block_error_status_reset_all();
    ide_bus_detach_all(&stop_bus);
    cur = &bus;
}

static void test_srst_restores_signatures(void)
{
    ide_bus_write_control(&bus, ATA_CTL_SRST);
    g_assert_cmphex(ide_bus_read_altstatus(&bus) & ST_BSY, ==, ST_BSY);
    ide_bus_write_control(&bus, 0);
    set_reg(ATA_REG_DEVICE, 0xb0);
    g_assert_cmphex(reg(ATA_REG_LBA_MID), ==, 0x14);
    g_assert_cmphex(reg(ATA_REG_LBA_HIGH), ==, 0xeb);
    set_reg(ATA_REG_DEVICE, 0xa0);
    g_assert_cmphex(reg(ATA_REG_LBA_MID), ==, 0);
    g_assert_cmphex(reg(ATA_REG_STATUS), ==, ST_DRDY | 0x10);
}

/* Send a 12-byte packet to the CD-ROM (slave); the final status after reading len bytes. */
static void packet_command(const uint8_t *cdb, uint16_t byte_limit, bool dma)
{
    set_reg(ATA_REG_DEVICE, 0xb0);
    set_reg(ATA_REG_ERROR, dma);
    set_reg(ATA_REG_LBA_MID, byte_limit);
    set_reg(ATA_REG_LBA_HIGH, byte_limit >> 8);
    set_reg(ATA_REG_STATUS, 0xa0);
    g_assert_cmphex(reg(ATA_REG_NSECTOR), ==, 1); /* CoD */
    data_out(cdb, 12);
}

/* A PIO packet command: each DRQ block at most byte_limit bytes. */
static uint8_t packet_limit(const uint8_t *cdb, uint16_t byte_limit, void *buf, unsigned len)
{
    unsigned got = 0;
    uint8_t st;

    packet_command(cdb, byte_limit, false);
    while ((st = wait_idle()) & ST_DRQ) {
        unsigned n = reg(ATA_REG_LBA_MID) | reg(ATA_REG_LBA_HIGH) << 8;
        g_assert_cmpuint(n, <=, byte_limit);
        g_assert_cmpuint(got + n, <=, len);
        data_in((uint8_t *)buf + got, n);
        got += n;
    }
    g_assert_cmphex(reg(ATA_REG_NSECTOR), ==, 3); /* IO | CoD: command done */
    return st;
}

static uint8_t packet(const uint8_t *cdb, void *buf, unsigned len)
{
    return packet_limit(cdb, 2048, buf, len);
}

static void test_atapi_read_sense_and_eject(void)
{
    static uint8_t buf[3 * 2048];
    uint8_t read10[12] = {0x28, 0, 0, 0, 0, 2, 0, 0, 3};
    uint8_t bad[12] = {0xff};
    uint8_t sense[12] = {0x03, 0, 0, 0, 18};
    uint8_t eject[12] = {0x1b, 0, 0, 0, 0x02};
    uint8_t load[12] = {0x1b, 0, 0, 0, 0x03};
    uint8_t tur[12] = {0};

    g_assert_cmphex(packet(read10, buf, sizeof(buf)) & ST_ERR, ==, 0);
    for (unsigned i = 0; i < sizeof(buf); i++) {
        g_assert_cmpuint(buf[i], ==, pattern(2 + i / 2048, i % 2048));
    }
    g_assert_cmphex(packet(bad, NULL, 0) & ST_ERR, ==, ST_ERR);
    g_assert_cmphex(reg(ATA_REG_ERROR) >> 4, ==, 5);
    packet(sense, buf, 18);
    g_assert_cmphex(buf[2], ==, 5);
    g_assert_cmphex(buf[12], ==, 0x20);

    g_assert_cmphex(packet(eject, NULL, 0) & ST_ERR, ==, 0);
    g_assert_cmphex(packet(tur, NULL, 0) & ST_ERR, ==, ST_ERR);
    packet(sense, buf, 18);
    g_assert_cmphex(buf[2], ==, 2); /* NOT READY, medium not present */
    g_assert_cmphex(buf[12], ==, 0x3a);
    packet(load, NULL, 0);
    g_assert_cmphex(packet(tur, NULL, 0) & ST_ERR, ==, ST_ERR); /* UNIT ATTENTION once */
    g_assert_cmphex(packet(tur, NULL, 0) & ST_ERR, ==, 0);
}

/* Small DRQ blocks for a reply, and replies and reads by DMA. */
static void test_atapi_byte_limit_and_dma(void)
{
    uint8_t inquiry[12] = {0x12, 0, 0, 0, 36};
    uint8_t read10[12] = {0x28, 0, 0, 0, 0, 5, 0, 0, 2};
    uint8_t data[36];

    g_assert_cmphex(packet_limit(inquiry, 16, data, sizeof(data)) & ST_ERR, ==, 0);
    g_assert_cmphex(data[0], ==, 0x05);
    g_assert_cmpmem(data + 16, 5, "MIMIC", 5);

    memset(dma_mem, 0, sizeof(dma_mem));
    dma_len = sizeof(dma_mem);
    dma_pos = 0;
    dma_ended = false;
    ide_bus_dma_set_active(cur, true);
    packet_command(inquiry, 0, true);
    g_assert_cmphex(wait_idle() & (ST_ERR | ST_DRQ), ==, 0);
    g_assert_true(dma_ended && !dma_error);
    g_assert_cmpuint(dma_pos, ==, 36);
    g_assert_cmpmem(dma_mem + 16, 5, "MIMIC", 5);

    dma_pos = 0;
    dma_ended = false;
    packet_command(read10, 0, true);
    g_assert_cmphex(wait_idle() & (ST_ERR | ST_DRQ), ==, 0);
    g_assert_true(dma_ended && !dma_error);
    g_assert_cmpuint(dma_pos, ==, 2 * 2048);
    for (unsigned i = 0; i < 2 * 2048; i++) {
        g_assert_cmpuint(dma_mem[i], ==, pattern(5 + i / 2048, i % 2048));
    }
    ide_bus_dma_set_active(cur, false);
}

/*
 * Random register traffic on both devices, with the DMA engine switched on and
 * off: the core must stay consistent (checked by the sanitizers where built)
 * and answer IDENTIFY after a software reset. Runs last: it writes the disk.
 */
static void test_random_guest_traffic_leaves_a_working_channel(void)
{
    GRand *rand = g_rand_new_with_seed(0x1de);
    uint16_t id[256];

    dma_len = 4096;
    for (int i = 0; i < 20000; i++) {
        uint32_t r = g_rand_int(rand);
        uint8_t val = r >> 8;

        switch (r % 8) {
        case 0:
            set_reg(ATA_REG_STATUS, val);
            break;
        case 1:
            ide_bus_write_control(cur, val & (ATA_CTL_NIEN | ATA_CTL_HOB));
            break;
        case 2:
            dma_pos = 0;
            ide_bus_dma_set_active(cur, val & 1);
            break;
        case 3:
            ide_bus_write(cur, ATA_REG_DATA, r, 2 + (val & 2));
            break;
        case 4:
            ide_bus_read(cur, ATA_REG_DATA, 2 + (val & 2));
            break;
        default:
            set_reg(1 + (r >> 16) % 6, val);
            break;
        }
        g_main_context_iteration(NULL, FALSE);
    }
    g_rand_free(rand);
    ide_bus_dma_set_active(cur, false);
    ide_bus_write_control(cur, ATA_CTL_SRST);
    ide_bus_write_control(cur, 0);
    command(0, 0xec);
    g_assert_cmphex(wait_idle() & (ST_DRQ | ST_ERR), ==, ST_DRQ);
    data_in(id, sizeof(id));
    g_assert_cmpuint(id[100], ==, DISK_SECTORS);
}

int main(int argc, char **argv)
{
    g_autofree char *disk = NULL, *cd = NULL, *bad = NULL, *spec_disk = NULL, *spec_cd = NULL;
    g_autofree char *spec_report = NULL, *spec_ignore = NULL, *spec_stop = NULL;
    GError *err = NULL;
    int ret;

    g_test_init(&argc, &argv, NULL);
    tmpdir = g_dir_make_tmp("test-ide-XXXXXX", NULL);
    g_assert_nonnull(tmpdir);
    disk = make_image("disk.img", DISK_SECTORS, 512);
    cd = make_image("cd.iso", CD_BLOCKS, 2048);
    spec_disk = g_strdup_printf("file=%s,format=raw,if=ide,index=0", disk);
    spec_cd = g_strdup_printf("file=%s,format=raw,if=ide,index=1,media=cdrom", cd);
    g_assert_true(drive_add_from_spec(spec_disk, &err));
    g_assert_true(drive_add_from_spec(spec_cd, &err));
    bad = make_unreadable_qcow2();
    spec_report = g_strdup_printf("file=%s,format=qcow2,if=none,id=bad-report,readonly=on,"
                                  "rerror=report",
                                  bad);
    spec_ignore = g_strdup_printf("file=%s,format=qcow2,if=none,id=bad-ignore,readonly=on,"
                                  "rerror=ignore",
                                  bad);
    g_assert_true(drive_add_from_spec(spec_report, &err));
    g_assert_true(drive_add_from_spec(spec_ignore, &err));
    spec_stop = g_strdup_printf("file=%s,format=qcow2,if=none,id=bad-stop,readonly=on,"
                                "rerror=stop",
                                bad);
    g_assert_true(drive_add_from_spec(spec_stop, &err));
    bus.name = "ide.0";
    bus.irq = irq_allocate(irq_handler, NULL, 1);
    bus.dma_ops = &fake_dma;
    g_assert_true(ide_bus_attach(&bus, 0, drive_get_by_index(IF_IDE, 0), &owner, &err));
    g_assert_true(ide_bus_attach(&bus, 1, drive_get_by_index(IF_IDE, 1), &owner, &err));
    ide_bus_reset(&bus);

    g_test_add_func("/ide/identify-reports-capacity-and-model",
                    test_identify_reports_capacity_and_model);
    g_test_add_func("/ide/unknown-command-aborts", test_unknown_command_aborts);
    g_test_add_func("/ide/pio-write-then-read-back", test_pio_write_then_read_back);
    g_test_add_func("/ide/chs-read-follows-the-geometry", test_chs_read_follows_the_geometry);
    g_test_add_func("/ide/hob-registers-hold-the-previous-write",
                    test_hob_registers_hold_the_previous_write);
    g_test_add_func("/ide/past-the-end-is-idnf", test_past_the_end_is_idnf);
    g_test_add_func("/ide/nien-masks-intrq", test_nien_masks_intrq);
    g_test_add_func("/ide/dma-read-and-short-table", test_dma_read_and_short_table);
    g_test_add_func("/ide/read-error-follows-rerror", test_read_error_follows_rerror);
    g_test_add_func("/ide/read-error-stop-retries-on-resume",
                    test_read_error_stop_retries_on_resume);
    g_test_add_func("/ide/srst-restores-signatures", test_srst_restores_signatures);
    g_test_add_func("/ide/atapi-read-sense-and-eject", test_atapi_read_sense_and_eject);
    g_test_add_func("/ide/atapi-byte-limit-and-dma", test_atapi_byte_limit_and_dma);
    g_test_add_func("/ide/random-guest-traffic-leaves-a-working-channel",
                    test_random_guest_traffic_leaves_a_working_channel);
    ret = g_test_run();

    ide_bus_detach_all(&bus);
    drive_close_all();
    g_unlink(disk);
    g_unlink(cd);
    g_unlink(bad);
    g_rmdir(tmpdir);
    return ret;
}
