/*
 * LUKS1 header handling and sector encryption (see include/block/luks.h).
 * Layout (LUKS1 spec 1.2.3, big-endian): magic "LUKS\xba\xbe", version 1,
 * cipher name/mode and hash spec (32-byte strings), payload offset and key
 * size, master-key digest (PBKDF2 of the master key, 20 bytes) with salt and
 * iterations, UUID, then 8 key slots of {active, iterations, salt, key
 * material sector, stripes}. A slot's key material is the master key split
 * into `stripes` pieces by the anti-forensic splitter (AF: each piece XORed
 * in and diffused with the hash), encrypted with the password-derived key.
 * Crypto primitives come from nettle.
 */
#include "block/luks.h"
#include "util/error.h"
#include <nettle/memxor.h>
#include <nettle/pbkdf2.h>
#include <nettle/sha2.h>
#include <nettle/xts.h>
#include <sys/random.h>
#include <time.h>

#define LUKS_MAGIC "LUKS\xba\xbe"
#define LUKS_MAGIC_LEN 6
#define LUKS_HEADER_LEN 592
#define LUKS_SLOTS 8
#define LUKS_SLOT_ACTIVE 0x00AC71F3u
#define LUKS_SLOT_INACTIVE 0x0000DEADu
#define LUKS_DIGEST_LEN 20
#define LUKS_SALT_LEN 32
#define LUKS_STRIPES 4000
#define LUKS_MAX_KEY_BYTES 64
/* Key material areas start at 4 KiB and are 4 KiB aligned (as cryptsetup and QEMU). */
#define LUKS_ALIGN_SECTORS 8
#define LUKS_MIN_ITERS 1000

typedef struct LuksSlot {
    uint32_t active;
    uint32_t iterations;
    uint8_t salt[LUKS_SALT_LEN];
    uint32_t key_offset; /* sectors */
    uint32_t stripes;
} LuksSlot;

typedef struct LuksHeader {
    char cipher_name[33];
    char cipher_mode[33];
    char hash_spec[33];
    uint32_t payload_offset; /* sectors */
    uint32_t key_bytes;
    uint8_t mk_digest[LUKS_DIGEST_LEN];
    uint8_t mk_digest_salt[LUKS_SALT_LEN];
    uint32_t mk_digest_iterations;
    char uuid[41];
    LuksSlot slots[LUKS_SLOTS];
} LuksHeader;

struct LuksVolume {
    LuksHeader hdr;
    bool unlocked;
    bool aes256;
    struct xts_aes128_key enc128, dec128;
    struct xts_aes256_key enc256, dec256;
};

static uint32_t be32_get(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void be32_put(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static void luks_string_get(char *dst, const uint8_t *src, size_t len)
{
    memcpy(dst, src, len);
    dst[len] = 0;
}

/* A NUL-padded fixed-size field (b is zeroed already). */
static void luks_string_put(uint8_t *dst, const char *src, size_t len)
{
    memcpy(dst, src, strnlen(src, len));
}

static void luks_header_decode(LuksHeader *h, const uint8_t *b)
{
    luks_string_get(h->cipher_name, b + 8, 32);
    luks_string_get(h->cipher_mode, b + 40, 32);
    luks_string_get(h->hash_spec, b + 72, 32);
    h->payload_offset = be32_get(b + 104);
    h->key_bytes = be32_get(b + 108);
    memcpy(h->mk_digest, b + 112, LUKS_DIGEST_LEN);
    memcpy(h->mk_digest_salt, b + 132, LUKS_SALT_LEN);
    h->mk_digest_iterations = be32_get(b + 164);
    luks_string_get(h->uuid, b + 168, 40);
    for (int i = 0; i < LUKS_SLOTS; i++) {
        const uint8_t *s = b + 208 + i * 48;
        h->slots[i].active = be32_get(s);
        h->slots[i].iterations = be32_get(s + 4);
        memcpy(h->slots[i].salt, s + 8, LUKS_SALT_LEN);
        h->slots[i].key_offset = be32_get(s + 40);
        h->slots[i].stripes = be32_get(s + 44);
    }
}

static void luks_header_encode(const LuksHeader *h, uint8_t *b)
{
    memset(b, 0, LUKS_HEADER_LEN);
    memcpy(b, LUKS_MAGIC, LUKS_MAGIC_LEN);
    b[7] = 1; /* version */
    luks_string_put(b + 8, h->cipher_name, 32);
    luks_string_put(b + 40, h->cipher_mode, 32);
    luks_string_put(b + 72, h->hash_spec, 32);
    be32_put(b + 104, h->payload_offset);
    be32_put(b + 108, h->key_bytes);
    memcpy(b + 112, h->mk_digest, LUKS_DIGEST_LEN);
    memcpy(b + 132, h->mk_digest_salt, LUKS_SALT_LEN);
    be32_put(b + 164, h->mk_digest_iterations);
    luks_string_put(b + 168, h->uuid, 40);
    for (int i = 0; i < LUKS_SLOTS; i++) {
        uint8_t *s = b + 208 + i * 48;
        be32_put(s, h->slots[i].active);
        be32_put(s + 4, h->slots[i].iterations);
        memcpy(s + 8, h->slots[i].salt, LUKS_SALT_LEN);
        be32_put(s + 40, h->slots[i].key_offset);
        be32_put(s + 44, h->slots[i].stripes);
    }
}

static uint32_t luks_split_sectors(uint32_t key_bytes, uint32_t stripes)
{
    return DIV_ROUND_UP((uint64_t)key_bytes * stripes, LUKS_SECTOR_SIZE);
}

/* Everything open relies on, checked once: hostile headers stop here. */
static bool luks_header_validate(const LuksHeader *h, uint64_t file_len, uint64_t base,
                                 GError **errp)
{
    if (strcmp(h->cipher_name, "aes") != 0 || strcmp(h->cipher_mode, "xts-plain64") != 0) {
        error_setg(errp, "LUKS cipher '%s-%s' is not supported (only aes-xts-plain64)",
                   h->cipher_name, h->cipher_mode);
        return false;
    }
    if (strcmp(h->hash_spec, "sha256") != 0) {
        error_setg(errp, "LUKS hash '%s' is not supported (only sha256)", h->hash_spec);
        return false;
    }
    if (h->key_bytes != 32 && h->key_bytes != 64) {
        error_setg(errp, "LUKS key size %" PRIu32 " bytes is invalid for aes-xts (32 or 64)",
                   h->key_bytes);
        return false;
    }
    if (h->mk_digest_iterations == 0) {
        error_setg(errp, "LUKS master key digest has 0 iterations");
        return false;
    }
    if ((uint64_t)h->payload_offset * LUKS_SECTOR_SIZE < LUKS_HEADER_LEN) {
        /* Guest writes there would overwrite the header. */
        error_setg(errp, "LUKS payload offset (sector %" PRIu32 ") lies inside the header",
                   h->payload_offset);
        return false;
    }
    for (int i = 0; i < LUKS_SLOTS; i++) {
        const LuksSlot *s = &h->slots[i];
        if (s->active != LUKS_SLOT_ACTIVE) {
            continue;
        }
        uint64_t end = ((uint64_t)s->key_offset +
                        luks_split_sectors(h->key_bytes, s->stripes)) * LUKS_SECTOR_SIZE;
        if (s->stripes == 0 || s->stripes > 1000000 || s->iterations == 0 ||
            s->key_offset < LUKS_HEADER_LEN / LUKS_SECTOR_SIZE ||
            end > (uint64_t)h->payload_offset * LUKS_SECTOR_SIZE || base + end > file_len) {
            error_setg(errp, "LUKS key slot %d is invalid (stripes %" PRIu32 ", key material "
                             "at sector %" PRIu32 ", payload at sector %" PRIu32 ")",
                       i, s->stripes, s->key_offset, h->payload_offset);
            return false;
        }
    }
    return true;
}

static void xts_setup(LuksVolume *v, const uint8_t *key)
{
    v->aes256 = v->hdr.key_bytes == 64;
    if (v->aes256) {
        xts_aes256_set_encrypt_key(&v->enc256, key);
        xts_aes256_set_decrypt_key(&v->dec256, key);
    } else {
        xts_aes128_set_encrypt_key(&v->enc128, key);
        xts_aes128_set_decrypt_key(&v->dec128, key);
    }
}

static void luks_crypt(LuksVolume *v, bool encrypt, uint64_t sector, uint8_t *buf, size_t len)
{
    for (size_t off = 0; off < len; off += LUKS_SECTOR_SIZE, sector++) {
        uint8_t tweak[16] = { 0 };
        for (int i = 0; i < 8; i++) {
            tweak[i] = sector >> (8 * i); /* plain64: the sector number, little-endian */
        }
        uint8_t *p = buf + off;
        if (v->aes256) {
            (encrypt ? xts_aes256_encrypt_message : xts_aes256_decrypt_message)(
                encrypt ? &v->enc256 : &v->dec256, tweak, LUKS_SECTOR_SIZE, p, p);
        } else {
            (encrypt ? xts_aes128_encrypt_message : xts_aes128_decrypt_message)(
                encrypt ? &v->enc128 : &v->dec128, tweak, LUKS_SECTOR_SIZE, p, p);
        }
    }
}

int luks_preadv(LuksVolume *vol, BlockDriverState *file, int64_t offset, uint64_t sector,
                int64_t bytes, IOVector *qiov, size_t qiov_offset)
{
    if (!vol || !vol->unlocked) {
        return -EACCES; /* opened for metadata only */
    }
    g_autofree uint8_t *buf = g_try_malloc(bytes);
    if (!buf) {
        return -ENOMEM;
    }
    int ret = bdrv_pread(file, offset, bytes, buf);
    if (ret == 0) {
        luks_crypt(vol, false, sector, buf, bytes);
        iovec_from_buf(qiov, qiov_offset, buf, bytes);
    }
    return ret;
}

int luks_pwritev(LuksVolume *vol, BlockDriverState *file, int64_t offset, uint64_t sector,
                 int64_t bytes, IOVector *qiov, size_t qiov_offset)
{
    if (!vol || !vol->unlocked) {
        return -EACCES;
    }
    /* A copy: the caller's buffers must not see the ciphertext. */
    g_autofree uint8_t *buf = g_try_malloc(bytes);
    if (!buf) {
        return -ENOMEM;
    }
    iovec_to_buf(qiov, qiov_offset, buf, bytes);
    luks_crypt(vol, true, sector, buf, bytes);
    return bdrv_pwrite(file, offset, bytes, buf);
}

/* AF diffusion: each hash-sized block becomes H(block index || block). */
static void af_diffuse(uint8_t *buf, size_t len)
{
    for (size_t i = 0, off = 0; off < len; i++, off += SHA256_DIGEST_SIZE) {
        size_t n = MIN((size_t)SHA256_DIGEST_SIZE, len - off);
        uint8_t index[4], digest[SHA256_DIGEST_SIZE];
        struct sha256_ctx ctx;
        be32_put(index, (uint32_t)i);
        sha256_init(&ctx);
        sha256_update(&ctx, sizeof(index), index);
        sha256_update(&ctx, n, buf + off);
        sha256_digest(&ctx, sizeof(digest), digest);
        memcpy(buf + off, digest, n);
    }
}

static bool fill_random(uint8_t *buf, size_t len, GError **errp)
{
    for (size_t got = 0; got < len;) {
        ssize_t n = getrandom(buf + got, len - got, 0);
        if (n < 0 && errno != EINTR) {
            error_setg_errno(errp, errno, "Could not get random bytes for the LUKS header");
            return false;
        }
        got += n > 0 ? (size_t)n : 0;
    }
    return true;
}

/* XOR of stripes-1 stripes with a diffusion after each: AF combines it with the last one. */
static void af_chain(const uint8_t *split, uint32_t stripes, size_t key_len, uint8_t *d)
{
    memset(d, 0, key_len);
    for (uint32_t i = 0; i + 1 < stripes; i++) {
        memxor(d, split + (size_t)i * key_len, key_len);
        af_diffuse(d, key_len);
    }
}

static void af_merge(const uint8_t *split, uint32_t stripes, size_t key_len, uint8_t *key)
{
    uint8_t d[LUKS_MAX_KEY_BYTES];
    af_chain(split, stripes, key_len, d);
    memcpy(key, split + (size_t)(stripes - 1) * key_len, key_len);
    memxor(key, d, key_len);
}

/* stripes-1 random stripes, the last chosen so that af_merge gives key back. */
static bool af_split(const uint8_t *key, size_t key_len, uint32_t stripes, uint8_t *split,
                     GError **errp)
{
    uint8_t d[LUKS_MAX_KEY_BYTES];
    if (!fill_random(split, (size_t)(stripes - 1) * key_len, errp)) {
        return false;
    }
    af_chain(split, stripes, key_len, d);
    uint8_t *last = split + (size_t)(stripes - 1) * key_len;
    memcpy(last, key, key_len);
    memxor(last, d, key_len);
    return true;
}

static void luks_pbkdf2(const uint8_t *pw, size_t pw_len, const uint8_t *salt, uint32_t iters,
                   uint8_t *out, size_t out_len)
{
    pbkdf2_hmac_sha256(pw_len, pw, iters, LUKS_SALT_LEN, salt, out_len, out);
}

static bool luks_key_matches_digest(const LuksHeader *h, const uint8_t *key)
{
    uint8_t digest[LUKS_DIGEST_LEN];
    luks_pbkdf2(key, h->key_bytes, h->mk_digest_salt, h->mk_digest_iterations, digest,
           sizeof(digest));
    return memcmp(digest, h->mk_digest, sizeof(digest)) == 0;
}

/* Decrypt and merge a slot's key material into key: 1 if it is the master key, 0, -errno. */
static int luks_try_slot(BlockDriverState *file, uint64_t base, const LuksHeader *h,
                         const LuksSlot *slot, const char *password, uint8_t *key)
{
    size_t area = (size_t)luks_split_sectors(h->key_bytes, slot->stripes) * LUKS_SECTOR_SIZE;
    g_autofree uint8_t *split = g_try_malloc(area);
    if (!split) {
        return -ENOMEM;
    }
    int ret = bdrv_pread(file, base + (uint64_t)slot->key_offset * LUKS_SECTOR_SIZE, area,
                         split);
    if (ret < 0) {
        return ret;
    }
    LuksVolume slot_vol = { .hdr = *h };
    uint8_t slot_key[LUKS_MAX_KEY_BYTES];
    luks_pbkdf2((const uint8_t *)password, strlen(password), slot->salt, slot->iterations,
                slot_key, h->key_bytes);
    xts_setup(&slot_vol, slot_key);
    luks_crypt(&slot_vol, false, 0, split, area);
    af_merge(split, slot->stripes, h->key_bytes, key);
    return luks_key_matches_digest(h, key) ? 1 : 0;
}

LuksVolume *luks_open(BlockDriverState *file, uint64_t base, const char *password,
                      uint64_t *payload_offset, GError **errp)
{
    uint8_t buf[LUKS_HEADER_LEN];
    int64_t file_len = bdrv_getlength(file);
    int ret = file_len < 0 ? (int)file_len : bdrv_pread(file, base, sizeof(buf), buf);
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not read the LUKS header");
        return NULL;
    }
    if (memcmp(buf, LUKS_MAGIC, LUKS_MAGIC_LEN) != 0 || buf[6] != 0 || buf[7] != 1) {
        error_setg(errp, "No LUKS1 header at offset %" PRIu64 " (bad magic or version)", base);
        return NULL;
    }
    LuksVolume *vol = g_new0(LuksVolume, 1);
    luks_header_decode(&vol->hdr, buf);
    if (!luks_header_validate(&vol->hdr, file_len, base, errp)) {
        g_free(vol);
        return NULL;
    }
    *payload_offset = (uint64_t)vol->hdr.payload_offset * LUKS_SECTOR_SIZE;
    if (!password) {
        return vol; /* header only: enough for info */
    }
    uint8_t key[LUKS_MAX_KEY_BYTES];
    for (int i = 0; i < LUKS_SLOTS && !vol->unlocked; i++) {
        if (vol->hdr.slots[i].active != LUKS_SLOT_ACTIVE) {
            continue;
        }
        ret = luks_try_slot(file, base, &vol->hdr, &vol->hdr.slots[i], password, key);
        if (ret < 0) {
            error_setg_errno(errp, -ret, "Could not read LUKS key slot %d", i);
            luks_close(vol);
            return NULL;
        }
        vol->unlocked = ret == 1;
    }
    if (!vol->unlocked) {
        error_setg(errp, "Invalid password, cannot unlock any keyslot");
        luks_close(vol);
        return NULL;
    }
    xts_setup(vol, key);
    memset(key, 0, sizeof(key));
    return vol;
}

void luks_close(LuksVolume *vol)
{
    if (vol) {
        memset(vol, 0, sizeof(*vol)); /* no key schedule left in freed memory */
        g_free(vol);
    }
}

static uint32_t luks_slot_stride(void)
{
    return ROUND_UP(luks_split_sectors(LUKS_MAX_KEY_BYTES, LUKS_STRIPES), LUKS_ALIGN_SECTORS);
}

uint64_t luks_header_size(void)
{
    return (uint64_t)(LUKS_ALIGN_SECTORS + LUKS_SLOTS * luks_slot_stride()) * LUKS_SECTOR_SIZE;
}

/* PBKDF2 iterations this machine runs in ms milliseconds (key_len-byte output). */
static uint32_t pbkdf2_calibrate(uint64_t ms, size_t key_len)
{
    static const uint8_t pw[] = "calibration", salt[LUKS_SALT_LEN] = { 0 };
    uint8_t out[LUKS_MAX_KEY_BYTES];
    uint64_t iters = 1000;
    for (;;) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        luks_pbkdf2(pw, sizeof(pw), salt, (uint32_t)iters, out, key_len);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        uint64_t ns = (t1.tv_sec - t0.tv_sec) * 1000000000ull + (t1.tv_nsec - t0.tv_nsec);
        if (ns >= 20000000 || iters >= UINT32_MAX / 2) { /* 20 ms: a stable enough sample */
            uint64_t want = ns ? iters * ms * 1000000 / ns : iters;
            return (uint32_t)CLAMP(want, LUKS_MIN_ITERS, UINT32_MAX);
        }
        iters *= 2;
    }
}

LuksVolume *luks_format(BlockDriverState *file, uint64_t base, const char *password,
                        uint64_t iter_time_ms, GError **errp)
{
    LuksHeader h = { .key_bytes = LUKS_MAX_KEY_BYTES };
    uint8_t key[LUKS_MAX_KEY_BYTES], slot_key[LUKS_MAX_KEY_BYTES];
    strcpy(h.cipher_name, "aes");
    strcpy(h.cipher_mode, "xts-plain64");
    strcpy(h.hash_spec, "sha256");
    if (!fill_random(key, sizeof(key), errp) ||
        !fill_random(h.mk_digest_salt, LUKS_SALT_LEN, errp) ||
        !fill_random(h.slots[0].salt, LUKS_SALT_LEN, errp)) {
        return NULL;
    }
    g_autofree char *uuid = g_uuid_string_random();
    g_strlcpy(h.uuid, uuid, sizeof(h.uuid));
    uint32_t iters = pbkdf2_calibrate(iter_time_ms, h.key_bytes);
    h.mk_digest_iterations = MAX(iters / 4, LUKS_MIN_ITERS);
    luks_pbkdf2(key, h.key_bytes, h.mk_digest_salt, h.mk_digest_iterations, h.mk_digest,
           LUKS_DIGEST_LEN);
    for (int i = 0; i < LUKS_SLOTS; i++) {
        h.slots[i].active = LUKS_SLOT_INACTIVE;
        h.slots[i].key_offset = LUKS_ALIGN_SECTORS + i * luks_slot_stride();
        h.slots[i].stripes = LUKS_STRIPES;
    }
    h.slots[0].active = LUKS_SLOT_ACTIVE;
    h.slots[0].iterations = iters;
    h.payload_offset = luks_header_size() / LUKS_SECTOR_SIZE;

    size_t area = (size_t)luks_split_sectors(h.key_bytes, LUKS_STRIPES) * LUKS_SECTOR_SIZE;
    g_autofree uint8_t *split = g_malloc0(area);
    if (!af_split(key, h.key_bytes, LUKS_STRIPES, split, errp)) {
        return NULL;
    }
    LuksVolume slot_vol = { .hdr = h };
    luks_pbkdf2((const uint8_t *)password, strlen(password), h.slots[0].salt, iters, slot_key,
           h.key_bytes);
    xts_setup(&slot_vol, slot_key);
    luks_crypt(&slot_vol, true, 0, split, area);
    memset(&slot_vol, 0, sizeof(slot_vol));
    memset(slot_key, 0, sizeof(slot_key));

    uint8_t hbuf[LUKS_HEADER_LEN];
    luks_header_encode(&h, hbuf);
    int ret = bdrv_pwrite(file, base, sizeof(hbuf), hbuf);
    if (ret == 0) {
        ret = bdrv_pwrite(file, base + (uint64_t)h.slots[0].key_offset * LUKS_SECTOR_SIZE,
                          area, split);
    }
    if (ret < 0) {
        error_setg_errno(errp, -ret, "Could not write the LUKS header");
        memset(key, 0, sizeof(key));
        return NULL;
    }
    LuksVolume *vol = g_new0(LuksVolume, 1);
    vol->hdr = h;
    vol->unlocked = true;
    xts_setup(vol, key);
    memset(key, 0, sizeof(key));
    return vol;
}

/* The key slots as qemu-img info lists them: a JSON array. */
static char *luks_slots_json(const LuksHeader *h)
{
    GString *json = g_string_new("[");
    for (int i = 0; i < LUKS_SLOTS; i++) {
        const LuksSlot *s = &h->slots[i];
        uint64_t key_offset = (uint64_t)s->key_offset * LUKS_SECTOR_SIZE;
        if (s->active == LUKS_SLOT_ACTIVE) {
            g_string_append_printf(json, "%s{\"active\": true, \"iters\": %" PRIu32 ", "
                                         "\"key-offset\": %" PRIu64 ", \"stripes\": %" PRIu32 "}",
                                   i ? ", " : "", s->iterations, key_offset, s->stripes);
        } else {
            g_string_append_printf(json, "%s{\"active\": false, \"key-offset\": %" PRIu64 "}",
                                   i ? ", " : "", key_offset);
        }
    }
    g_string_append_c(json, ']');
    return g_string_free(json, false);
}

void luks_add_info(LuksVolume *vol, ImageInfoSpecific *info)
{
    const LuksHeader *h = &vol->hdr;
    g_autofree char *cipher = g_strdup_printf("\"aes-%u\"", h->key_bytes * 4);
    g_autofree char *uuid = g_strdup_printf("\"%s\"", h->uuid);
    g_autofree char *slots = luks_slots_json(h);
    g_autofree char *payload = g_strdup_printf("%" PRIu64,
                                               (uint64_t)h->payload_offset * LUKS_SECTOR_SIZE);
    g_autofree char *mk_iters = g_strdup_printf("%" PRIu32, h->mk_digest_iterations);
    struct { const char *key, *human, *value; } rows[] = {
        { "ivgen-alg", "ivgen alg", "\"plain64\"" },
        { "hash-alg", "hash alg", "\"sha256\"" },
        { "cipher-alg", "cipher alg", cipher },
        { "uuid", "uuid", uuid },
        { "cipher-mode", "cipher mode", "\"xts\"" },
        { "slots", "slots", slots },
        { "payload-offset", "payload offset", payload },
        { "master-key-iters", "master key iters", mk_iters },
    };
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        image_info_specific_add(info, rows[i].key, rows[i].human, rows[i].value);
    }
}
