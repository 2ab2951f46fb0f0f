"""Run the freestanding x86 test programs (tests/x86/) as multiboot kernels.

Each program prints its own report, then "PASS" on a line of its own and
writes 0 to isa-debug-exit (exit status 1), or prints "FAIL: <reason>" and
writes 1 (exit status 3). This file boots each one under mimic with KVM:

    mimic-system-x86_64 -enable-kvm -M pc -m 256 -smp N -nographic \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -kernel PROG.elf -append "cpus=N ..."

Environment:
    MIMIC_SYSTEM_X86_64  emulator binary (default <repo>/build/mimic-system-x86_64)
    MIMIC_X86_TESTS      directory of the .elf programs (default <repo>/build/tests/x86)
    MIMIC_ORACLE=qemu    run the same tests on Debian's qemu-system-x86_64 with
                         -accel tcg instead (checks the programs and this harness);
                         mimic-only programs are skipped
"""

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30

ORACLE = os.environ.get("MIMIC_ORACLE", "")
EMULATOR = os.environ.get("MIMIC_SYSTEM_X86_64", str(REPO / "build" / "mimic-system-x86_64"))
PROGRAMS_DIR = Path(os.environ.get("MIMIC_X86_TESTS", str(REPO / "build" / "tests" / "x86")))


class Program:
    def __init__(self, name, smp=(1,), args="", mimic_only=False, devices=(), options=(),
                 mimic_args="", label=None):
        self.name = name
        self.smp = smp
        self.args = args
        self.mimic_only = mimic_only
        self.devices = devices
        self.options = options        # more emulator options (netdevs, NICs)
        self.mimic_args = mimic_args  # program arguments for checks QEMU would fail
        self.label = label or name


E1000_MAC = "52:54:00:ab:cd:ef"


PROGRAMS = [
    Program("modes"),
    Program("serial"),
    # mimic's pc-testdev layout; QEMU's pc-testdev has other registers.
    Program("io", mimic_only=True, devices=("pc-testdev",)),
    Program("fwcfg", smp=(1, 2, 4)),
    Program("acpi", smp=(1, 2, 4)),
    Program("timer", smp=(1, 2)),
    Program("smp", smp=(1, 2, 4)),
    Program("reset"),
    Program("debugexit"),
    Program("cpuid", smp=(1, 2)),
    Program("e1000", args=f"mac={E1000_MAC}", mimic_args="mimic=1",
            options=("-netdev", "user,id=n0", "-device", f"e1000,netdev=n0,mac={E1000_MAC}")),
    # -nic without model=: the pc machine's default NIC is an e1000.
    Program("e1000", args=f"mac={E1000_MAC}", mimic_args="mimic=1",
            options=("-nic", f"user,mac={E1000_MAC}"), label="e1000-default-nic"),
    # MSI-X through the pc machine's MSI window into the local APIC.
    Program("msix", devices=("virtio-rng-pci",)),
]

PASS_LINE = re.compile(r"^PASS\r?$", re.MULTILINE)


def _kvm_unusable():
    """Why /dev/kvm cannot be used, or None if it can."""
    try:
        fd = os.open("/dev/kvm", os.O_RDWR | os.O_CLOEXEC)
    except OSError as e:
        return f"/dev/kvm not usable ({e.strerror}); these tests need KVM"
    os.close(fd)
    return None


def _emulator_command():
    """argv prefix of the emulator under test, or pytest.skip with the reason."""
    if ORACLE == "qemu":
        qemu = shutil.which("qemu-system-x86_64")
        if not qemu:
            pytest.skip("MIMIC_ORACLE=qemu but qemu-system-x86_64 is not installed "
                        "(Debian package qemu-system-x86)")
        return [qemu, "-accel", "tcg"]
    if ORACLE:
        pytest.fail(f"MIMIC_ORACLE={ORACLE!r}: the only oracle is 'qemu'")
    reason = _kvm_unusable()
    if reason:
        pytest.skip(reason)
    if not os.access(EMULATOR, os.X_OK):
        if "MIMIC_SYSTEM_X86_64" in os.environ:
            pytest.fail(f"MIMIC_SYSTEM_X86_64={EMULATOR} is not an executable file")
        pytest.skip(f"{EMULATOR} not built (set MIMIC_SYSTEM_X86_64 to use another binary)")
    return [EMULATOR, "-enable-kvm"]


def _program_path(name):
    path = PROGRAMS_DIR / f"{name}.elf"
    if not path.is_file():
        if "MIMIC_X86_TESTS" in os.environ:
            pytest.fail(f"{path} missing (MIMIC_X86_TESTS={PROGRAMS_DIR})")
        pytest.skip(f"{path} not built (meson builds it from tests/x86; "
                    "or run tests/x86/build.sh DIR and set MIMIC_X86_TESTS=DIR)")
    return path


def run_program(name, smp=1, args="", devices=(), options=()):
    """Boot one program; return (exit status, output, argv). Fails the test on timeout."""
    cmd = _emulator_command() + [
        "-M", "pc", "-m", "256", "-smp", str(smp), "-nographic",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-kernel", str(_program_path(name)),
        "-append", f"cpus={smp} {args}".strip(),
    ]
    for dev in devices:
        cmd += ["-device", dev]
    cmd += list(options)
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        pytest.fail(f"{name} -smp {smp}: no exit within {TIMEOUT_S} s\n"
                    f"command: {shlex.join(cmd)}\n--- output ---\n{out}")
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), cmd


def _cases():
    for prog in PROGRAMS:
        for smp in prog.smp:
            yield pytest.param(prog, smp, id=f"{prog.label}-smp{smp}")


@pytest.mark.parametrize("prog,smp", _cases())
def test_x86_program_passes(prog, smp):
    if prog.mimic_only and ORACLE:
        pytest.skip(f"{prog.name} tests mimic's own device layout; QEMU's differs")
    args = prog.args if ORACLE else f"{prog.args} {prog.mimic_args}".strip()
    status, out, cmd = run_program(prog.name, smp, args, prog.devices, prog.options)
    report = f"command: {shlex.join(cmd)}\nexit status {status}\n--- output ---\n{out}"
    assert "FAIL" not in out, report
    assert PASS_LINE.search(out), report
    assert status == 1, report


def test_debugexit_code_sets_exit_status():
    status, out, cmd = run_program("debugexit", 1, "code=5")
    assert status == (5 << 1) | 1, (
        f"command: {shlex.join(cmd)}\nexit status {status}, expected 11\n--- output ---\n{out}")
    assert "code=5" in out, out


def test_cpu_model_filters_cpuid():
    """-cpu mimic64 hides XSAVE/AVX/CMPXCHG16B. Under a paravirtual KVM (kvm_pvm) the
    guest executes CPUID natively, so no model can filter it there."""
    if ORACLE:
        pytest.skip("checks mimic's own CPU model")
    if os.path.exists("/sys/module/kvm_pvm"):
        pytest.skip("kvm_pvm runs CPUID natively: CPU models cannot filter it on this host")
    status, out, cmd = run_program("cpuid", 1, "model=mimic64")
    assert status == 1 and "PASS" in out, f"command: {shlex.join(cmd)}\n{out}"


def _wait_for_line(path, text, proc, timeout=20):
    deadline = time.time() + timeout
    while True:
        out = path.read_text(errors="replace") if path.exists() else ""
        if text in out:
            return
        assert proc.poll() is None and time.time() < deadline, \
            f"no '{text}' (exit status {proc.poll()})\n--- output ---\n{out}"
        time.sleep(0.05)


def test_e1000_set_link_reaches_the_guest(tmp_path):
    """set_link off/on on the monitor: the e1000 program sees STATUS.LU and the PHY's
    link bit fall and rise, each time with LSC, and the network works again after."""
    from monitor_client import QMP

    sock = str(tmp_path / "qmp.sock")
    log = tmp_path / "serial.log"
    args = f"cpus=1 mac={E1000_MAC} link=1" + ("" if ORACLE else " mimic=1")
    cmd = _emulator_command() + [
        "-M", "pc", "-m", "256", "-display", "none", "-serial", f"file:{log}",
        "-qmp", f"unix:{sock},server=on,wait=off",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-kernel", str(_program_path("e1000")), "-append", args,
        "-netdev", "user,id=n0", "-device", f"e1000,netdev=n0,mac={E1000_MAC}"]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        qmp = QMP(sock)
        for up in (False, True):
            _wait_for_line(log, f"waiting for set_link {'on' if up else 'off'}", proc)
            assert qmp.cmd("set_link", {"name": "n0", "up": up}) == {"return": {}}
        status = proc.wait(timeout=TIMEOUT_S)
        out = log.read_text(errors="replace")
        report = f"command: {shlex.join(cmd)}\nexit status {status}\n--- output ---\n{out}"
        assert "FAIL" not in out and PASS_LINE.search(out) and status == 1, report
        assert "link down, LSC" in out and "link up, LSC" in out, report
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_acpi_poweroff_ends_the_process_with_status_0():
    status, out, cmd = run_program("poweroff", 1)
    assert "powering off" in out, out
    assert status == 0, f"command: {shlex.join(cmd)}\nexit status {status}\n{out}"


def test_acpi_poweroff_with_no_shutdown_keeps_the_vm(tmp_path):
    if ORACLE:
        pytest.skip("checks mimic's monitor")
    sock = str(tmp_path / "mon.sock")
    cmd = _emulator_command() + [
        "-M", "pc", "-m", "64", "-display", "none", "-serial", "stdio", "-no-shutdown",
        "-monitor", f"unix:{sock},server=on,wait=off",
        "-kernel", str(_program_path("poweroff"))]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        time.sleep(1.5)
        assert proc.poll() is None, "the process exited despite -no-shutdown"
        s = socket.socket(socket.AF_UNIX)
        s.connect(sock)
        s.settimeout(5)
        buf = b""
        while not buf.endswith(b"(mimic) "):
            buf += s.recv(4096)
        s.sendall(b"info status\r")
        buf = b""
        while not buf.endswith(b"(mimic) "):
            buf += s.recv(4096)
        assert b"shutdown" in buf, buf
        s.sendall(b"quit\r")
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# The ide program's disk: sparse, a little over 2^28 sectors so that LBA48 matters.
IDE_DISK_SECTORS = (1 << 28) + 64
IDE_CD_BLOCKS = 40


def _ide_pattern(block, size):
    """Block `block` of the ide program's images: its number (8 bytes LE), then a ramp."""
    head = block.to_bytes(8, "little")
    return head + bytes((block * 31 + j * 7 + 1) & 0xff for j in range(8, size))


def _ide_write_blocks(f, blocks, size):
    for b in blocks:
        f.seek(b * size)
        f.write(_ide_pattern(b, size))


@pytest.mark.parametrize("network", [(), ("-netdev", "user,id=n0")], ids=["alone", "with-slirp"])
def test_x86_ide_reads_writes_and_survives_hostile_dma(tmp_path, network):
    """PIIX3 IDE: IDENTIFY, PIO and DMA reads and writes, ATAPI from -cdrom, hostile DMA.

    The program writes sectors 100-101, 2^28+20 (PIO) and 200-202 (DMA) with the
    inverse of their pattern; the image must hold exactly that afterwards. With a user
    network backend beside it (a main-loop source ready on every iteration), the disk's
    completions must still arrive.
    """
    disk = tmp_path / "disk.img"
    cd = tmp_path / "cd.iso"
    lba48 = 1 << 28
    with open(disk, "wb") as f:
        f.truncate(IDE_DISK_SECTORS * 512)
        _ide_write_blocks(f, list(range(0, 64)) + list(range(lba48, lba48 + 32)), 512)
    with open(cd, "wb") as f:
        _ide_write_blocks(f, range(IDE_CD_BLOCKS), 2048)
    args = f"sectors={IDE_DISK_SECTORS} cdblocks={IDE_CD_BLOCKS}"
    if not ORACLE:
        args += " mimic=1"
    options = ("-drive", f"file={disk},format=raw,if=ide,index=0", "-cdrom", str(cd), *network)
    status, out, cmd = run_program("ide", 1, args, (), options)
    report = f"command: {shlex.join(cmd)}\nexit status {status}\n--- output ---\n{out}"
    assert "FAIL" not in out, report
    assert PASS_LINE.search(out) and status == 1, report
    with open(disk, "rb") as f:
        for lba in (100, 101, lba48 + 20, 200, 201, 202):
            f.seek(lba * 512)
            want = bytes(~b & 0xff for b in _ide_pattern(lba, 512))
            assert f.read(512) == want, f"sector {lba} of the image is not what the guest wrote"
        for lba in (99, 102, 199, 203):  # next to the writes: untouched (zero)
            f.seek(lba * 512)
            assert f.read(512) == bytes(512), f"sector {lba} of the image was written"
