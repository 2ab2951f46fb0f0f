/*
 * Keyboard input routing: whoever produces key events (the monitor's
 * sendkey, later a display) hands them here; the machine's keyboard device
 * registered itself as the handler. Neither side sees the other's headers.
 *
 * Keys are PC keycodes in QEMU's "qnum" space: the scan code set 1 make code,
 * with 0x100 added for keys that set 1 prefixes with 0xe0 (right ctrl 0x11d,
 * delete 0x153). A keyboard device converts them to what it speaks.
 */
#ifndef SYSTEM_INPUT_H
#define SYSTEM_INPUT_H

#include "util/osdep.h"

#define INPUT_KEYCODE_EXTENDED 0x100

typedef void InputKeyHandler(void *opaque, int keycode, bool down);

/* The keyboard that gets key events; NULL handler: none (the device went away). */
void input_set_keyboard(InputKeyHandler *handler, void *opaque);
/* Deliver one key press or release; false when the machine has no keyboard. */
bool input_send_key(int keycode, bool down);

#endif
