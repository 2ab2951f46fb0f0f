"""Differential test of the riscv64 translator on random instruction streams.

For each fixed seed, tests/tcg/riscv64-random/build.sh generates (gen.py) and
builds a bare-metal program: ~2000 random RV64GC instructions (I, M, A, C,
F, D) on random registers and a 4 KiB scratch buffer, run once or looped so that translated
blocks are chained and re-entered. The program prints x1..x31, f0..f31, fcsr and the
whole buffer over the UART and exits 0. This file boots it as

    mimic-system-riscv64 -M virt -bios none -nographic -kernel PROG.elf

with the default code generator and with -accel tcg,backend=interp, and
requires identical output; when Debian's qemu-system-riscv64 is installed it
also requires QEMU's output, the oracle for the semantics, to be identical.

To reproduce a failure by hand:
    tests/tcg/riscv64-random/build.sh /tmp/r.elf SEED [--loop K]
and run /tmp/r.elf under each emulator; /tmp/r.S is the generated source.
Shrinking --insns finds the first instruction whose result differs.

Environment:
    MIMIC_SYSTEM_RISCV64  emulator binary (default <repo>/build/mimic-system-riscv64)
    RISCV_TEST_CC         cross compiler (default riscv64-linux-gnu-gcc)
"""

import difflib
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_riscv_baremetal import run

REPO = Path(__file__).resolve().parents[2]
BUILD_SH = REPO / "tests" / "tcg" / "riscv64-random" / "build.sh"
EMULATOR = os.environ.get("MIMIC_SYSTEM_RISCV64", str(REPO / "build" / "mimic-system-riscv64"))
CC = os.environ.get("RISCV_TEST_CC", "riscv64-linux-gnu-gcc")
TIMEOUT_S = 30

INSNS = 2000
LOOP = 25
SEEDS = list(range(1, 21))

# x1..x31, f0..f31 and fcsr (as "f32"), then the 4 KiB buffer as 128 lines of four
# doublewords.
OUTPUT_RE = re.compile(r"(x\d\d [0-9a-f]{16}\n){31}(f\d\d [0-9a-f]{16}\n){33}"
                       r"(m[0-9a-f]{3}( [0-9a-f]{16}){4}\n){128}")


def _emulator():
    if not os.access(EMULATOR, os.X_OK):
        if "MIMIC_SYSTEM_RISCV64" in os.environ:
            pytest.fail(f"MIMIC_SYSTEM_RISCV64={EMULATOR} is not an executable file")
        pytest.skip(f"{EMULATOR} not built (configure with --target-list=...,riscv64, "
                    "or set MIMIC_SYSTEM_RISCV64 to use another binary)")
    return EMULATOR


def _build(tmp_path, seed, loop):
    if not shutil.which(CC):
        pytest.skip(f"{CC} not installed (Debian gcc-riscv64-linux-gnu)")
    elf = tmp_path / f"random-{seed}-loop{loop}.elf"
    cmd = ["sh", str(BUILD_SH), str(elf), str(seed), "--insns", str(INSNS), "--loop", str(loop)]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          env=dict(os.environ, PYTHON=sys.executable))
    assert proc.returncode == 0, (f"{shlex.join(cmd)} failed:\n"
                                  f"{proc.stdout.decode('utf-8', 'replace')}")
    return elf


def _run(binary, elf, accel=None):
    """Boot elf; return (exit status, serial output, command line)."""
    args = ["-M", "virt", "-bios", "none", "-nographic"]
    if accel:
        args += ["-accel", accel]
    status, out, cmd = run(args + ["-kernel", str(elf)], TIMEOUT_S, binary)
    return status, out.replace("\r\n", "\n"), cmd


def _check_complete(result):
    status, out, cmd = result
    report = f"command: {shlex.join(cmd)}\nexit status {status}\n--- output ---\n{out}"
    assert status == 0, report
    assert OUTPUT_RE.fullmatch(out), "output is not 31 registers and the buffer\n" + report


def _assert_same(want, got):
    """got's output must be want's; on a mismatch show only the lines that differ."""
    if (got[0], got[1]) == (want[0], want[1]):
        return
    diff = "\n".join(difflib.unified_diff(want[1].splitlines(), got[1].splitlines(),
                                          shlex.join(want[2]), shlex.join(got[2]),
                                          n=0, lineterm=""))
    pytest.fail(f"outputs differ (exit status {want[0]} vs {got[0]})\n{diff}")


@pytest.mark.parametrize("loop", [1, LOOP], ids=["once", f"loop{LOOP}"])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_stream_backends_agree(tmp_path, seed, loop):
    """The code generator, the IR interpreter and QEMU leave the same registers and memory."""
    emulator = _emulator()
    elf = _build(tmp_path, seed, loop)
    jit = _run(emulator, elf)
    _check_complete(jit)
    interp = _run(emulator, elf, accel="tcg,backend=interp")
    _assert_same(jit, interp)
    qemu = shutil.which("qemu-system-riscv64")
    if qemu:
        _assert_same(_run(qemu, elf), jit)
