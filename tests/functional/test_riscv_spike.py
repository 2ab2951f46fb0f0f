"""The spike machine's HTIF: run the programs in tests/tcg/riscv64-spike/ as

    mimic-system-riscv64 -M spike -nographic -kernel PROG.elf

and check their console output and exit status (tohost exit: status >> 1).

Environment:
    MIMIC_SYSTEM_RISCV64        emulator binary (default <repo>/build/mimic-system-riscv64)
    MIMIC_RISCV64_SPIKE_TESTS   directory of the .elf programs
                                (default <repo>/build/tests/tcg/riscv64-spike)
    MIMIC_ORACLE=qemu           run them on Debian's qemu-system-riscv64 -M spike -bios none
                                instead (checks the programs and this harness)
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_S = 20

ORACLE = os.environ.get("MIMIC_ORACLE", "")
EMULATOR = os.environ.get("MIMIC_SYSTEM_RISCV64", str(REPO / "build" / "mimic-system-riscv64"))
PROGRAMS_DIR = Path(os.environ.get("MIMIC_RISCV64_SPIKE_TESTS",
                                   str(REPO / "build" / "tests" / "tcg" / "riscv64-spike")))


def _emulator():
    """The command prefix to run, or pytest.skip with the reason."""
    if ORACLE == "qemu":
        qemu = shutil.which("qemu-system-riscv64")
        if not qemu:
            pytest.skip("MIMIC_ORACLE=qemu but qemu-system-riscv64 is not installed "
                        "(Debian package qemu-system-misc)")
        return [qemu, "-M", "spike", "-bios", "none"]
    if ORACLE:
        pytest.fail(f"MIMIC_ORACLE={ORACLE!r}: the only oracle is 'qemu'")
    if not os.access(EMULATOR, os.X_OK):
        if "MIMIC_SYSTEM_RISCV64" in os.environ:
            pytest.fail(f"MIMIC_SYSTEM_RISCV64={EMULATOR} is not an executable file")
        pytest.skip(f"{EMULATOR} not built (or set MIMIC_SYSTEM_RISCV64)")
    return [EMULATOR, "-M", "spike"]


def _program(name):
    path = PROGRAMS_DIR / f"{name}.elf"
    if not path.is_file():
        if "MIMIC_RISCV64_SPIKE_TESTS" in os.environ:
            pytest.fail(f"{path} missing")
        pytest.skip(f"{path} not built (needs riscv64-linux-gnu-gcc)")
    return path


def _run(name, *extra):
    cmd = _emulator() + ["-nographic", "-kernel", str(_program(name)), *extra]
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=TIMEOUT_S, check=False)


def test_console_putchar_then_exit_zero():
    r = _run("hello")
    assert r.stdout.decode(errors="replace").replace("\r\n", "\n") == "hello spike\n", r.stderr
    assert r.returncode == 0, r.stderr


def test_exit_status_is_tohost_shifted_right():
    r = _run("exit7")
    assert r.returncode == 7, r.stderr
    assert r.stdout == b""


def test_tohost_written_as_two_32bit_halves():
    r = _run("halves")
    assert r.stdout.decode(errors="replace") == "H", r.stderr
    assert r.returncode == 5, r.stderr


def test_more_harts_and_memory_still_exit():
    r = _run("exit7", "-smp", "2", "-m", "256")
    assert r.returncode == 7, r.stderr


def test_elf_without_tohost_is_refused():
    if ORACLE:
        pytest.skip("QEMU waits forever on such an image; this pins mimic's message")
    r = _run("notohost")
    assert r.returncode == 1
    err = r.stderr.decode(errors="replace")
    assert "no 'tohost' symbol" in err and "notohost.elf" in err, err


def test_raw_image_is_refused(tmp_path):
    if ORACLE:
        pytest.skip("checks mimic's message")
    raw = tmp_path / "prog.bin"
    raw.write_bytes(b"\x6f\x00\x00\x00")  # j .
    cmd = _emulator() + ["-nographic", "-kernel", str(raw)]
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT_S,
                       check=False)
    assert r.returncode == 1
    assert b"needs an ELF image" in r.stderr, r.stderr
