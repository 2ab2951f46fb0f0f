/*
 * Machine reset steps shared by every board.
 */
#include "hw/core/reset.h"
#include "hw/core/loader.h"
#include "accel/accel.h"
#include "core/qdev.h"

void machine_reset_devices(void)
{
    const AccelOps *accel = current_accel();

    qdev_reset_all();
    rom_reset();
    if (accel && accel->reset_vm) {
        accel->reset_vm();
    }
}
