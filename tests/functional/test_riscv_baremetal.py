"""Run the bare-metal riscv64 test programs (tests/tcg/riscv64/) on the virt machine.

Each program prints a line per section, "FAIL <check>: ..." for each failing
check, and ends with "PASS <prog>" (exit status 0 through the SiFive test
device) or "FAIL <prog>" (exit status = number of failures). This file boots
each one as

    mimic-system-riscv64 -M virt -bios none -nographic -kernel PROG.elf

once with the default translator backend and once with -accel tcg,backend=interp,
and requires the two serial outputs to be identical.

Environment:
    MIMIC_SYSTEM_RISCV64  emulator binary (default <repo>/build/mimic-system-riscv64)
    MIMIC_RISCV64_TESTS   directory of the .elf programs (default <repo>/build/tests/tcg/riscv64)
    MIMIC_ORACLE=qemu     run the programs on Debian's qemu-system-riscv64 instead
                          (checks the programs and this harness)
"""

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 30

ORACLE = os.environ.get("MIMIC_ORACLE", "")
EMULATOR = os.environ.get("MIMIC_SYSTEM_RISCV64", str(REPO / "build" / "mimic-system-riscv64"))
PROGRAMS_DIR = Path(os.environ.get("MIMIC_RISCV64_TESTS",
                                   str(REPO / "build" / "tests" / "tcg" / "riscv64")))

PROGRAMS = ["hello", "arith", "branch", "memory", "csr", "atomic", "timer", "smc", "fp",
            "isa-priv"]


def _emulator():
    """The emulator binary under test, or pytest.skip with the reason."""
    if ORACLE == "qemu":
        qemu = shutil.which("qemu-system-riscv64")
        if not qemu:
            pytest.skip("MIMIC_ORACLE=qemu but qemu-system-riscv64 is not installed "
                        "(Debian package qemu-system-misc)")
        return qemu
    if ORACLE:
        pytest.fail(f"MIMIC_ORACLE={ORACLE!r}: the only oracle is 'qemu'")
    if not os.access(EMULATOR, os.X_OK):
        if "MIMIC_SYSTEM_RISCV64" in os.environ:
            pytest.fail(f"MIMIC_SYSTEM_RISCV64={EMULATOR} is not an executable file")
        pytest.skip(f"{EMULATOR} not built (configure with --target-list=...,riscv64, "
                    "or set MIMIC_SYSTEM_RISCV64 to use another binary)")
    return EMULATOR


def _program_path(name):
    path = PROGRAMS_DIR / f"{name}.elf"
    if not path.is_file():
        if "MIMIC_RISCV64_TESTS" in os.environ:
            pytest.fail(f"{path} missing (MIMIC_RISCV64_TESTS={PROGRAMS_DIR})")
        pytest.skip(f"{path} not built (meson builds it from tests/tcg/riscv64 when "
                    "riscv64-linux-gnu-gcc is installed; or run tests/tcg/riscv64/build.sh "
                    "DIR and set MIMIC_RISCV64_TESTS=DIR)")
    return path


def run(args, timeout=TIMEOUT_S):
    """Run the emulator with args; return (exit status, output, argv). Fails on timeout."""
    cmd = [_emulator()] + args
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        pytest.fail(f"no exit within {timeout} s\ncommand: {shlex.join(cmd)}\n"
                    f"--- output ---\n{out}")
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), cmd


def run_program(name, accel=None, smp=1):
    args = ["-M", "virt", "-bios", "none", "-nographic", "-smp", str(smp)]
    if accel:
        args += ["-accel", accel]
    return run(args + ["-kernel", str(_program_path(name))])


def _report(status, out, cmd):
    return f"command: {shlex.join(cmd)}\nexit status {status}\n--- output ---\n{out}"


def _check_passed(name, status, out, cmd):
    report = _report(status, out, cmd)
    if re.search(rf"^SKIP {name}\b", out, re.MULTILINE):
        assert status == 0, report
        pytest.skip(out.strip().splitlines()[-1])
    assert not re.search(r"^FAIL", out, re.MULTILINE), report
    assert re.search(rf"^PASS {name}\r?$", out, re.MULTILINE), report
    assert status == 0, report


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_passes(name):
    status, out, cmd = run_program(name)
    _check_passed(name, status, out, cmd)


@pytest.mark.parametrize("name", PROGRAMS)
def test_interp_backend_agrees(name):
    """The IR interpreter must produce exactly the serial output of the code generator."""
    if ORACLE:
        pytest.skip("compares mimic's two translator backends; QEMU has one")
    status_jit, out_jit, cmd_jit = run_program(name)
    status_int, out_int, cmd_int = run_program(name, accel="tcg,backend=interp")
    _check_passed(name, status_int, out_int, cmd_int)
    assert (status_int, out_int) == (status_jit, out_jit), (
        f"backends disagree\n=== {shlex.join(cmd_jit)}\n{_report(status_jit, out_jit, cmd_jit)}"
        f"\n=== {shlex.join(cmd_int)}\n{_report(status_int, out_int, cmd_int)}")


@pytest.mark.parametrize("smp", [2, 4])
def test_secondary_harts_park(smp):
    """Every hart starts at the entry; the crt parks all but hart 0, which must still pass."""
    status, out, cmd = run_program("hello", smp=smp)
    _check_passed("hello", status, out, cmd)


def test_dumpdtb(tmp_path):
    dtb = tmp_path / "virt.dtb"
    status, out, cmd = run(["-M", f"virt,dumpdtb={dtb}", "-bios", "none", "-nographic",
                            "-smp", "2", "-m", "256"])
    assert status == 0, _report(status, out, cmd)
    data = dtb.read_bytes()
    assert data[:4] == bytes.fromhex("d00dfeed"), "not a flattened device tree"
    dtc = shutil.which("dtc")
    if not dtc:
        return
    dts = subprocess.run([dtc, "-I", "dtb", "-O", "dts", str(dtb)], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    for needle in ['compatible = "riscv-virtio"', "cpu@0 {", "cpu@1 {",
                   "timebase-frequency = <0x989680>", 'riscv,isa = "rv64',
                   'compatible = "riscv,cpu-intc"', "memory@80000000 {",
                   "reg = <0x00 0x80000000 0x00 0x10000000>",
                   "serial@10000000 {", 'compatible = "ns16550a"',
                   "test@100000 {", 'compatible = "sifive,test1\\0sifive,test0\\0syscon"',
                   "clint@2000000 {", 'compatible = "sifive,clint0\\0riscv,clint0"',
                   'stdout-path = "/soc/serial@10000000"', 'compatible = "syscon-poweroff"',
                   'compatible = "syscon-reboot"']:
        assert needle in dts, f"{needle!r} missing from the device tree:\n{dts}"


def test_dumpdtb_has_bootargs(tmp_path):
    dtb = tmp_path / "virt.dtb"
    status, out, cmd = run(["-M", f"virt,dumpdtb={dtb}", "-bios", "none", "-nographic",
                            "-kernel", str(_program_path("hello")),
                            "-append", "console=ttyS0 quiet"])
    assert status == 0, _report(status, out, cmd)
    assert b"console=ttyS0 quiet\0" in dtb.read_bytes()


def test_missing_firmware_file_is_a_clear_error():
    if ORACLE:
        pytest.skip("checks mimic's own message")
    status, out, cmd = run(["-M", "virt", "-bios", "/nonexistent/fw.bin", "-nographic"])
    assert status == 1, _report(status, out, cmd)
    assert "/nonexistent/fw.bin" in out, _report(status, out, cmd)


def test_raw_binary_loads_at_ram_base(tmp_path):
    """A -kernel that is not ELF is a raw image at 0x80000000, entered at its first byte."""
    objcopy = shutil.which("riscv64-linux-gnu-objcopy")
    if not objcopy:
        pytest.skip("riscv64-linux-gnu-objcopy not installed (Debian binutils-riscv64-linux-gnu)")
    raw = tmp_path / "hello.bin"
    subprocess.run([objcopy, "-O", "binary", str(_program_path("hello")), str(raw)], check=True)
    status, out, cmd = run(["-M", "virt", "-bios", "none", "-nographic", "-kernel", str(raw)])
    _check_passed("hello", status, out, cmd)
