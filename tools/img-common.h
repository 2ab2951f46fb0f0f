/*
 * Helpers shared by mimic-img's verbs (tools/mimic-img.c, tools/img-convert.c):
 * opening images the way qemu-img does, -o option parsing, human sizes and a
 * minimal JSON writer whose layout matches qemu-img's --output=json.
 */
#ifndef TOOLS_IMG_COMMON_H
#define TOOLS_IMG_COMMON_H

#include "block/block.h"
#include "util/error.h"

/* --image-opts was given: image names are option lists (bdrv_parse_image_opts). */
extern bool img_image_opts;
BlockBackend *img_open(const char *filename, const char *fmt, int flags, bool force_share,
                       const char *cache, bool quiet);
/*
 * filename itself even under --image-opts: for the paths that images name
 * (backing files, commit and rebase targets), which are never option lists.
 */
BlockBackend *img_open_path(const char *filename, const char *fmt, int flags, bool force_share,
                            const char *cache, bool quiet);
/* Open filename itself (never an option list) with options o. */
BlockBackend *img_open_with(const char *filename, BlockOpenOptions *o, int flags,
                            bool force_share, const char *cache);
/* Parse "-o key=val,..." into *opts. keys_out collects the keys given (for amend). */
bool img_parse_create_opts(const char *optstr, BlockCreateOptions *opts, GPtrArray *keys_out,
                           GError **errp);
bool img_parse_size(const char *str, uint64_t *out);
char *img_size_to_str(uint64_t val);

/* JSON output in qemu-img's style: 4-space indentation, "key": value. */
typedef struct JsonWriter {
    GString *out;
    int depth;
    bool first[32];
} JsonWriter;
void json_begin(JsonWriter *w, char open);
void json_key(JsonWriter *w, const char *key);
void json_end(JsonWriter *w, char close);
void json_str(JsonWriter *w, const char *key, const char *val);
void json_int(JsonWriter *w, const char *key, int64_t val);
void json_raw(JsonWriter *w, const char *key, const char *literal);

int img_convert(int argc, char **argv);
int img_bench(int argc, char **argv);

#endif
