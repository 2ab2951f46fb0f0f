/*
 * Keyboard input routing (include/system/input.h): one registered keyboard.
 * Called with the big lock held, from the main loop.
 */
#include "system/input.h"

static InputKeyHandler *kbd_handler;
static void *kbd_opaque;

void input_set_keyboard(InputKeyHandler *handler, void *opaque)
{
    kbd_handler = handler;
    kbd_opaque = opaque;
}

bool input_send_key(int keycode, bool down)
{
    if (!kbd_handler) {
        return false;
    }
    kbd_handler(kbd_opaque, keycode, down);
    return true;
}
