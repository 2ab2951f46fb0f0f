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
    def __init__(self, name, smp=(1,), args="", mimic_only=False, devices=()):
        self.name = name
        self.smp = smp
        self.args = args
        self.mimic_only = mimic_only
        self.devices = devices


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


def run_program(name, smp=1, args="", devices=()):
    """Boot one program; return (exit status, output, argv). Fails the test on timeout."""
    cmd = _emulator_command() + [
        "-M", "pc", "-m", "256", "-smp", str(smp), "-nographic",
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
        "-kernel", str(_program_path(name)),
        "-append", f"cpus={smp} {args}".strip(),
    ]
    for dev in devices:
        cmd += ["-device", dev]
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
            yield pytest.param(prog, smp, id=f"{prog.name}-smp{smp}")


@pytest.mark.parametrize("prog,smp", _cases())
def test_x86_program_passes(prog, smp):
    if prog.mimic_only and ORACLE:
        pytest.skip(f"{prog.name} tests mimic's own device layout; QEMU's differs")
    status, out, cmd = run_program(prog.name, smp, prog.args, prog.devices)
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
