"""Boot OpenSBI and Linux with a busybox initramfs on mimic-system-riscv64's virt machine.

The guest comes from scripts/build-riscv-guest.sh (Linux from Debian's linux-source-6.1,
busybox from Debian's source package; cached; see scripts/guest/init for its conventions:
"mimic guest: ready", mimic.cmd=..., "mimic guest: command exit N"). The firmware is
Debian's OpenSBI (-bios default), the same as QEMU's virt machine uses by default.

Each test boots at most once; commands go through mimic.cmd where no shell is needed.

Environment:
  MIMIC_SYSTEM_RISCV64  emulator to test (default <repo>/build/mimic-system-riscv64)
  MIMIC_ORACLE=qemu     run the same tests on Debian's qemu-system-riscv64, to check the
                        tests themselves against a working emulator
  MIMIC_BOOT_TIMEOUT    seconds for one boot (default 60)

Run: /usr/bin/python3 -m pytest tests/functional/test_riscv_linux.py
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from guest_console import Console, tail  # noqa: F401 (tail: for the tests that import it)
from mimic_env import riscv_guest

REPO = Path(__file__).resolve().parents[2]
OPENSBI = Path("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin")

BOOT_TIMEOUT = int(os.environ.get("MIMIC_BOOT_TIMEOUT", "60"))
MEM_MIB = 512
PROMPT = r"mimic:[^\r\n]*# "


@pytest.fixture(scope="session")
def emulator():
    """The emulator's argv prefix."""
    if not OPENSBI.exists():
        pytest.fail(f"{OPENSBI} is missing: install Debian's opensbi (scripts/install-deps.sh)")
    if os.environ.get("MIMIC_ORACLE") == "qemu":
        qemu = shutil.which("qemu-system-riscv64")
        if not qemu:
            pytest.skip("MIMIC_ORACLE=qemu but qemu-system-riscv64 is not installed")
        return [qemu, "-M", "virt", "-bios", str(OPENSBI)]
    binary = os.environ.get("MIMIC_SYSTEM_RISCV64", str(REPO / "build" / "mimic-system-riscv64"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"{binary} not found or not executable (build mimic, or set "
                    "MIMIC_SYSTEM_RISCV64)")
    return [binary, "-M", "virt"]


@pytest.fixture(scope="session")
def guest():
    """(Image, initramfs) from the cached guest build (minutes the first time)."""
    return riscv_guest()


SMP = 2


def guest_argv(emulator, guest, append=""):
    kernel, initrd = guest
    return emulator + [
        "-smp", str(SMP), "-m", str(MEM_MIB), "-nographic",
        "-kernel", kernel, "-initrd", initrd,
        "-append", f"console=ttyS0 {append}".strip(),
    ]


@pytest.fixture
def console(emulator):
    """Start the emulator with extra arguments; the test drives it. Killed at the end."""
    consoles = []

    def start(args, boots=1):
        c = Console(args, BOOT_TIMEOUT * boots)
        consoles.append(c)
        return c

    yield start
    for c in consoles:
        c.kill()


def test_opensbi_boots_alone(emulator, console):
    """-bios default with no -kernel: OpenSBI comes up, finds the machine's devices."""
    c = console(emulator + ["-smp", "2", "-m", "256", "-nographic"])
    c.expect(r"OpenSBI v\d+\.\d+", "OpenSBI's banner")
    c.expect(r"Platform HART Count\s*: 2", "OpenSBI's hart count")
    c.expect(r"Platform Console Device\s*: uart8250", "OpenSBI's console driver")
    c.expect(r"Boot HART ID\s*: 0", "OpenSBI's boot-hart report")


def test_command_nproc_meminfo_and_poweroff(emulator, guest, console):
    """mimic.cmd runs under Linux with SMP harts and 512 MiB, then powers off with status 0."""
    c = console(guest_argv(emulator, guest,
                           'mimic.cmd="echo NPROC=$(nproc); grep MemTotal /proc/meminfo"'))
    c.expect("OpenSBI v", "OpenSBI's banner")
    c.expect("Linux version", "the kernel banner")
    c.expect("mimic guest: ready", "/init")
    nproc = int(c.expect(r"NPROC=(\d+)", "nproc's answer").group(1))
    assert nproc == SMP, c.log
    mem_kib = int(c.expect(r"MemTotal:\s+(\d+) kB", "MemTotal").group(1))
    assert MEM_MIB - 64 <= mem_kib / 1024 <= MEM_MIB, f"MemTotal {mem_kib} kB with -m {MEM_MIB}"
    assert c.expect(r"mimic guest: command exit (\d+)", "the exit line").group(1) == "0"
    status, signal = c.wait_exit("power-off")
    assert (status, signal) == (0, None), f"exit status {status}, signal {signal}"


def test_shell_interactive_then_poweroff(emulator, guest, console):
    """The busybox shell answers on the UART (interrupt-driven input) and poweroff ends it."""
    c = console(guest_argv(emulator, guest))
    c.expect(PROMPT, "the shell prompt")
    c.run("echo SUM=$((6 * 7)); uname -m")
    c.expect(r"SUM=42", "the shell's arithmetic")
    c.expect(r"riscv64", "uname -m")
    c.run("date +%Y")
    year = int(c.expect(r"\n(20\d\d)\r*\n", "date from the goldfish RTC").group(1))
    assert year >= 2024, f"RTC says {year}"
    c.run("poweroff")
    status, signal = c.wait_exit("power-off")
    assert (status, signal) == (0, None), f"exit status {status}, signal {signal}"


def test_reboot_boots_again(emulator, guest, console):
    c = console(guest_argv(emulator, guest), boots=2)
    c.expect("mimic guest: ready", "/init")
    c.expect(PROMPT, "the shell prompt")
    c.run("reboot")
    c.expect(r"reboot: Restarting system", "the kernel's restart message")
    c.expect("OpenSBI v", "OpenSBI's banner on the second boot")
    c.expect("mimic guest: ready", "the second boot's /init")
    c.expect(PROMPT, "the second boot's shell prompt")
    c.run("poweroff -f")
    status, signal = c.wait_exit("power-off after the reboot")
    assert (status, signal) == (0, None), f"exit status {status}, signal {signal}"


def test_virtio_blk_qcow2_read_and_write(emulator, guest, console, tmp_path):
    """Linux reads a qcow2 disk through virtio-mmio + virtio-blk and writes to it; the
    bytes it wrote are in the image afterwards, and the image stays consistent."""
    if os.environ.get("MIMIC_ORACLE") == "qemu":
        pytest.skip("checks mimic's image tools too")
    build = Path(os.environ.get("MIMIC_BUILD", REPO / "build"))
    img_tool, io_tool = build / "tools" / "mimic-img", build / "tools" / "mimic-io"
    disk = tmp_path / "disk.qcow2"
    subprocess.run([img_tool, "create", "-f", "qcow2", disk, "8M"], check=True,
                   capture_output=True)
    subprocess.run([io_tool, "-c", "write -P 0xab 0 4k", disk], check=True, capture_output=True)
    cmd = ("od -An -tx1 -N8 /dev/vda; "
           "printf 'MIMICDSK' | dd of=/dev/vda bs=512 seek=16 conv=fsync 2>/dev/null")
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{cmd}"') +
                ["-drive", f"file={disk},if=virtio,format=qcow2"])
    c.expect(r"ab ab ab ab ab ab ab ab", "the guest reading the disk's first bytes")
    assert c.expect(r"mimic guest: command exit (\d+)", "the exit line").group(1) == "0"
    status, signal = c.wait_exit("power-off")
    assert (status, signal) == (0, None), f"exit status {status}, signal {signal}"
    r = subprocess.run([io_tool, "-c", "read -P 0x4d 8192 1", "-c", "read -P 0xab 0 4k", disk],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "Pattern verification failed" not in r.stdout, r.stdout
    r = subprocess.run([img_tool, "check", disk], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
