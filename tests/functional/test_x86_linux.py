"""Boot Debian's cloud kernel with a busybox initramfs on mimic-system-x86_64 (KVM).

The guest comes from scripts/build-x86-guest.sh (cached; see scripts/guest/init for
its conventions: "mimic guest: ready", mimic.cmd=..., "mimic guest: command exit N").

One probe boot per session (mimic.cmd, no shell) decides what the rest can do:
- its serial log is what test_kernel_starts_and_reads_firmware_tables reads, and that
  test passes even when the boot later stops, provided the lines appeared first;
- when the emulator stopped on a KVM internal error (this workplace's nested KVM
  cannot run a stock kernel to the end) the tests that need a running guest skip
  with that error as the reason, instead of each booting a failing kernel.

Environment:
  MIMIC_SYSTEM_X86_64  emulator to test (default <repo>/build/mimic-system-x86_64)
  MIMIC_ORACLE=qemu    run the same tests on Debian's qemu-system-x86_64 -accel tcg,
                       to check the tests themselves against a working emulator

Run: /usr/bin/python3 -m pytest tests/functional/test_x86_linux.py
"""

import fcntl
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

import guest_console
from guest_console import tail

REPO = Path(__file__).resolve().parents[2]
BUILD_GUEST = REPO / "scripts" / "build-x86-guest.sh"

# Seconds for one boot to a prompt or to power-off (TCG: ~2.5 s). The probe gets
# longer: under this workplace's nested KVM the kernel needs 55 to 150 s, depending
# on the host, to reach the point where it stops. It waits as long as the kernel
# keeps printing, up to PROBE_LIMIT; PROBE_STALL seconds of silence end it.
BOOT_TIMEOUT = int(os.environ.get("MIMIC_BOOT_TIMEOUT", "60"))
PROBE_LIMIT = 6 * BOOT_TIMEOUT
PROBE_STALL = 2 * BOOT_TIMEOUT
MEM_MIB = 512
PROMPT = r"mimic:[^\r\n]*# "
# How mimic (and QEMU) report a vCPU the host KVM could not run any further.
KVM_STOP_RE = re.compile(
    r"[^\r\n]*(KVM_EXIT_INTERNAL_ERROR|emulation failure|KVM internal error)[^\r\n]*"
)
ANSI_RE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|.)")
E820_USABLE_RE = re.compile(r"BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] usable")

KVM_GET_API_VERSION = 0xAE00
KVM_CREATE_VM = 0xAE01


def kvm_unusable_reason():
    """Why /dev/kvm cannot run a VM here, or None when it can."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"/dev/kvm unusable: {e.strerror}"
    try:
        version = fcntl.ioctl(fd, KVM_GET_API_VERSION, 0)
        if version != 12:
            return f"/dev/kvm speaks API version {version}, not 12"
        vm = fcntl.ioctl(fd, KVM_CREATE_VM, 0)
        os.close(vm)
    except OSError as e:
        return f"/dev/kvm cannot create a VM: {e.strerror}"
    finally:
        os.close(fd)
    return None


def kvm_stop_reason(log):
    """The skip reason when the log shows a KVM internal error, else None."""
    m = KVM_STOP_RE.search(log)
    if not m:
        return None
    detail = ANSI_RE.sub("", m.group(0)).strip()
    token = "KVM_EXIT_INTERNAL_ERROR"
    detail = detail[detail.index(token):] if token in detail else f"{token}: {detail}"
    detail = detail[:200]
    return f"host KVM cannot run this Linux kernel ({detail})"


@pytest.fixture(scope="session")
def guest():
    """(bzImage, initramfs) from the cached guest build."""
    r = subprocess.run(
        [str(BUILD_GUEST), "--print"], capture_output=True, text=True, timeout=900
    )
    if r.returncode != 0:
        pytest.fail(f"{BUILD_GUEST.name} failed (exit {r.returncode}):\n{r.stderr}")
    kernel, initrd = r.stdout.split()
    return kernel, initrd


@pytest.fixture(scope="session")
def emulator():
    """The emulator's argv prefix: binary and accelerator."""
    if os.environ.get("MIMIC_ORACLE") == "qemu":
        qemu = shutil.which("qemu-system-x86_64")
        if not qemu:
            pytest.skip("MIMIC_ORACLE=qemu but qemu-system-x86_64 is not installed")
        return [qemu, "-accel", "tcg"]
    binary = os.environ.get("MIMIC_SYSTEM_X86_64", str(REPO / "build" / "mimic-system-x86_64"))
    if not os.access(binary, os.X_OK):
        pytest.fail(f"{binary} not found or not executable (build mimic, or set MIMIC_SYSTEM_X86_64)")
    reason = kvm_unusable_reason()
    if reason:
        pytest.skip(reason)
    return [binary, "-enable-kvm"]


def guest_argv(emulator, guest, append=""):
    kernel, initrd = guest
    return emulator + [
        "-smp", "2", "-m", str(MEM_MIB), "-nographic",
        "-kernel", kernel, "-initrd", initrd,
        "-append", f"console=ttyS0 {append}".strip(),
    ]


class Console(guest_console.Console):
    """The guest console; a KVM internal error skips the test rather than fail it."""

    STOP_RE = KVM_STOP_RE

    def stop_reason(self):
        return kvm_stop_reason(self.log)


class Probe:
    def __init__(self, argv, log, returncode, timed_out, seconds):
        self.argv = argv
        self.log = log
        self.returncode = returncode
        self.timed_out = timed_out
        self.seconds = seconds
        self.kvm_stop = kvm_stop_reason(log)
        self.reached_init = "mimic guest: ready" in log

    def describe(self):
        end = "timed out" if self.timed_out else f"exit status {self.returncode}"
        return f"{' '.join(self.argv)}\n({end}); serial log tail:\n{tail(self.log)}"


@pytest.fixture(scope="session")
def probe(emulator, guest, tmp_path_factory):
    """One boot running a command; every other test decides from it whether to run.

    earlyprintk makes the kernel write its log as it goes: without it nothing reaches
    the serial port before the console driver starts, and a kernel stopped earlier
    than that leaves no trace of what it read from the firmware.
    """
    argv = guest_argv(
        emulator, guest, 'earlyprintk=serial,ttyS0,115200 mimic.cmd="echo probe-nproc=$(nproc)"'
    )
    start = time.monotonic()
    c = Console(argv, PROBE_LIMIT)
    timed_out = False
    try:
        while True:
            left = start + PROBE_LIMIT - time.monotonic()
            if left <= 0:
                raise pexpect.TIMEOUT("probe limit")
            seen = c.child.expect([pexpect.EOF, KVM_STOP_RE, r"\n"], timeout=min(PROBE_STALL, left))
            if seen == 0:
                break
            if seen == 1:
                # Let the emulator finish its report; QEMU stays paused rather than exit.
                c.child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=3)
                break
    except pexpect.TIMEOUT:
        timed_out = True
    seconds = time.monotonic() - start
    c.kill()
    (tmp_path_factory.mktemp("x86-linux") / "probe.log").write_text(c.log)
    return Probe(argv, c.log, c.child.exitstatus, timed_out, seconds)


@pytest.fixture
def booted(probe):
    """Gate for tests that need the guest to run to userspace."""
    if probe.kvm_stop:
        pytest.skip(probe.kvm_stop)
    if not probe.reached_init:
        pytest.fail("probe boot never reached /init:\n" + probe.describe())
    return probe


@pytest.fixture
def console(emulator, guest, booted):
    """Start the guest (an interactive shell unless append has mimic.cmd); the test drives it."""
    consoles = []

    # A host whose KVM boots Linux slowly gets as long per boot as the probe took, twice.
    per_boot = max(BOOT_TIMEOUT, 2 * booted.seconds)

    def start(append="", boots=1):
        c = Console(guest_argv(emulator, guest, append), per_boot * boots)
        consoles.append(c)
        return c

    yield start
    for c in consoles:
        c.kill()


def test_kernel_starts_and_reads_firmware_tables(probe):
    log = probe.log
    assert "Linux version" in log, "no kernel banner:\n" + probe.describe()

    usable = [(int(a, 16), int(b, 16)) for a, b in E820_USABLE_RE.findall(log)]
    assert usable, "no usable BIOS-e820 ranges in the kernel log:\n" + probe.describe()
    assert usable[0][0] == 0, f"the first usable e820 range starts at {usable[0][0]:#x}, not 0"
    usable_mib = sum(end - start + 1 for start, end in usable) / (1 << 20)
    assert 500 <= usable_mib <= MEM_MIB, (
        f"e820 usable ranges add up to {usable_mib:.1f} MiB with -m {MEM_MIB}: {usable}"
    )

    for table in ("RSDP", "FACP", "APIC", "DSDT"):
        assert re.search(rf"ACPI: {table} 0x[0-9A-F]+", log), (
            f"kernel found no ACPI {table}:\n" + probe.describe()
        )


def test_shell_nproc_meminfo(console):
    c = console()
    c.expect(PROMPT, "the shell prompt")
    c.run("echo NPROC=$(nproc)")
    nproc = int(c.expect(r"NPROC=(\d+)", "nproc's answer").group(1))
    assert nproc == 2
    c.run("grep MemTotal /proc/meminfo")
    mem_kib = int(c.expect(r"MemTotal:\s+(\d+) kB", "MemTotal").group(1))
    assert abs(mem_kib / 1024 - MEM_MIB) <= 64, f"MemTotal {mem_kib} kB with -m {MEM_MIB}"
    c.run("poweroff -f")
    status, signal = c.wait_exit("power-off")
    assert (status, signal) == (0, None)


def test_reboot_comes_back(console):
    c = console(boots=2)
    c.expect(PROMPT, "the shell prompt")
    c.run("reboot -f")
    c.expect(r"reboot: (Restarting system|machine restart)", "the kernel's restart message")
    c.expect(r"Linux version", "the second boot's kernel banner")
    c.expect("mimic guest: ready", "the second boot's /init")
    c.expect(PROMPT, "the second boot's shell prompt")
    c.run("poweroff -f")
    status, signal = c.wait_exit("power-off after the reboot")
    assert (status, signal) == (0, None)


def test_poweroff_exits_zero(console):
    c = console('mimic.cmd="echo bye"')
    assert c.expect(r"mimic guest: command exit (\d+)", "the command's exit line").group(1) == "0"
    status, signal = c.wait_exit("power-off")
    assert (status, signal) == (0, None), f"exit status {status}, signal {signal}"
