"""Debian's U-Boot (package u-boot-qemu) on mimic-system-riscv64's virt machine:
the S-mode build as OpenSBI's next stage (-kernel), the M-mode build as the
firmware (-bios). Each test stops autoboot, then runs commands at the "=>"
prompt and checks their answers against what the test set up: RAM size, a
virtio disk's size and bytes, the flash banks and the file behind one; and
U-Boot boots the Linux guest (scripts/build-riscv-guest.sh) off a virtio disk.

Environment: MIMIC_SYSTEM_RISCV64 (default <repo>/build/mimic-system-riscv64),
MIMIC_ORACLE=qemu runs the same on Debian's qemu-system-riscv64 (except the
flash test: QEMU 7.2 boots from a given pflash0 instead), MIMIC_BOOT_TIMEOUT.
"""

import os
import re
from pathlib import Path

import pytest

# emulator: the fixture giving the emulator's argv (or QEMU's, with MIMIC_ORACLE=qemu).
from mimic_env import riscv_guest
from test_riscv_linux import BOOT_TIMEOUT, Console, emulator  # noqa: F401

UBOOT_DIR = Path("/usr/lib/u-boot")
SMODE = UBOOT_DIR / "qemu-riscv64_smode" / "u-boot.bin"
MMODE = UBOOT_DIR / "qemu-riscv64" / "u-boot.bin"
PROMPT = "=> "
MiB = 1 << 20


def _uboot(path):
    if not path.exists():
        pytest.skip(f"{path} is missing: install Debian's u-boot-qemu "
                    "(scripts/install-deps.sh)")
    return str(path)


@pytest.fixture
def uboot(emulator):
    """Start U-Boot with extra arguments and stop its autoboot; returns a command runner."""
    consoles = []

    def start(args):
        c = Console(emulator + ["-m", "256", "-nographic", *args], BOOT_TIMEOUT)
        consoles.append(c)
        c.expect("Hit any key to stop autoboot", "U-Boot's autoboot countdown")
        c.run("")
        c.expect(PROMPT, "U-Boot's prompt")

        def command(line, what=None):
            c.run(line)
            c.expect(re.escape(line) + r"\r*\n", f"the echo of '{line}'")
            c.expect(PROMPT, what or f"the answer to '{line}'")
            return c.child.before

        command.console = c
        return command

    yield start
    for c in consoles:
        c.kill()


def test_smode_uboot_version_and_bdinfo(uboot):
    run = uboot(["-kernel", _uboot(SMODE)])
    assert re.match(r"U-Boot 20\d\d\.\d\d", run("version")), run.console.log
    bdinfo = run("bdinfo")
    assert re.search(r"-> start\s+= 0x0*80000000", bdinfo), bdinfo
    assert re.search(r"-> size\s+= 0x0*10000000", bdinfo), f"-m 256 is 0x10000000\n{bdinfo}"


def test_smode_uboot_reads_a_virtio_disk(uboot, tmp_path):
    disk = tmp_path / "disk.img"
    marker = bytes(range(0x40, 0x50))
    disk.write_bytes(b"\0" * 512 + marker + b"\0" * (16 * MiB - 512 - len(marker)))
    run = uboot(["-kernel", _uboot(SMODE), "-drive", f"file={disk},if=virtio,format=raw"])
    run("virtio scan")
    info = run("virtio info")
    # The vendor U-Boot prints differs (mimic: QEMU, QEMU 7.2: 1af4); the device is the point.
    assert re.search(r"Device 0: \S+ VirtIO Block Device", info), info
    assert re.search(r"Capacity: 16\.0 MB .*\(32768 x 512\)", info), info
    read = run("virtio read 0x84000000 1 1")
    assert "1 blocks read: OK" in read, read
    dump = run("md.b 0x84000000 0x10")
    got = bytes(int(b, 16) for b in re.search(r"84000000:((?: [0-9a-f]{2}){16})", dump)
                .group(1).split())
    assert got == marker, dump


def test_smode_uboot_erases_and_programs_flash(uboot, tmp_path):
    if os.environ.get("MIMIC_ORACLE") == "qemu":
        pytest.skip("QEMU 7.2 boots from the flash when a pflash drive is given")
    flash = tmp_path / "flash1.img"
    flash.write_bytes(b"\0" * (32 * MiB))
    run = uboot(["-kernel", _uboot(SMODE),
                 "-drive", f"if=pflash,unit=1,format=raw,file={flash}"])
    flinfo = run("flinfo")
    assert len(re.findall(r"CFI conformant flash", flinfo)) == 2, flinfo
    assert "Intel Extended command set, Manufacturer ID: 0x89, Device ID: 0x0018" in flinfo, flinfo
    run("mw.l 0x84000000 0x1234abcd 4")
    assert "Un-Protected" in run("protect off 0x22000000 +0x40000")
    assert "Erased" in run("erase 0x22000000 +0x40000", "the erase")
    assert "done" in run("cp.b 0x84000000 0x22000000 0x10", "the copy to flash")
    dump = run("md.l 0x22000000 8")
    assert re.search(r"22000000: 1234abcd 1234abcd 1234abcd 1234abcd", dump), dump
    data = flash.read_bytes()
    assert data[:16] == (0x1234abcd).to_bytes(4, "little") * 4, data[:32].hex()
    assert data[16:0x40000] == b"\xff" * (0x40000 - 16), "the rest of the erased block"
    assert data[0x40000:] == b"\0" * (32 * MiB - 0x40000), "outside the erased block"


def test_smode_uboot_boots_linux_from_a_virtio_disk(uboot, tmp_path):
    """OpenSBI -> U-Boot -> Linux: U-Boot reads the kernel and initramfs off a raw
    virtio disk and boots them with booti on the device tree it was given."""
    kernel, initrd = (Path(p).read_bytes() for p in riscv_guest())
    initrd_sector = 16384
    disk = tmp_path / "boot.img"
    disk.write_bytes(kernel.ljust(initrd_sector * 512, b"\0") + initrd.ljust(8 * MiB, b"\0"))
    run = uboot(["-kernel", _uboot(SMODE), "-drive", f"file={disk},if=virtio,format=raw"])
    run("virtio scan")
    sectors = [(0, len(kernel)), (initrd_sector, len(initrd))]
    for (start, size), dest in zip(sectors, ("${kernel_addr_r}", "${ramdisk_addr_r}")):
        count = (size + 511) // 512
        assert f"{count} blocks read: OK" in run(f"virtio read {dest} {start:x} {count:x}")
    run("setenv bootargs console=ttyS0 mimic.cmd=true")
    c = run.console
    c.run(f"booti ${{kernel_addr_r}} ${{ramdisk_addr_r}}:{len(initrd):x} ${{fdtcontroladdr}}")
    c.expect("Starting kernel", "U-Boot starting Linux")
    c.expect("Linux version", "the kernel banner")
    c.expect("mimic guest: ready", "/init")
    assert c.expect(r"mimic guest: command exit (\d+)", "the command").group(1) == "0"
    assert c.wait_exit("power-off") == (0, None)


def test_mmode_uboot_as_firmware(uboot):
    run = uboot(["-bios", _uboot(MMODE)])
    assert re.match(r"U-Boot 20\d\d\.\d\d", run("version")), run.console.log
