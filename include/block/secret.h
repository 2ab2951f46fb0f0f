/*
 * Secrets for encrypted images, as QEMU's "secret" object:
 *   --object secret,id=ID,data=TEXT[,format=raw|base64]
 *   --object secret,id=ID,file=PATH[,format=raw|base64]
 * An image names its key by id (encrypt.key-secret=ID, key-secret=ID).
 */
#ifndef BLOCK_SECRET_H
#define BLOCK_SECRET_H

#include "util/osdep.h"

/* Parse one --object/-object value; only type "secret" is known. */
bool secret_object_add(const char *spec, GError **errp);
/* The secret's text, or NULL with errp when no secret has that id. */
const char *secret_lookup(const char *id, GError **errp);

#endif
