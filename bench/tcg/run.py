#!/usr/bin/env python3
"""Translator benchmark: mimic-system-riscv64 beside Debian's qemu-system-riscv64 (TCG).

Runs each bare-metal riscv64 workload of bench/tcg/workloads/ under
  mimic x86_64   the translator with the x86-64 code generator (-accel tcg,backend=x86_64)
  mimic interp   the translator with the IR interpreter (-accel tcg,backend=interp)
  qemu tcg       qemu-system-riscv64 -accel tcg
all with -M virt -bios none -nographic -kernel W.elf, N times each (default 5), and prints
the medians of the whole emulator process's wall time (start to exit) and CPU time
(user + system, all its threads, from os.wait4), its peak RSS (ru_maxrss) and the
checksum the guest printed, then the ratios mimic / QEMU per workload (below 1: mimic
is faster or smaller) and their geometric means. On a busy host the CPU time is the
steadier figure: wall time then includes waiting for a core.

The workloads (each prints "checksum <hex>" and exits through the SiFive test device):
  intmix  CoreMark-like integer mix: linked list, integer matrices, state machine, CRC-16
  memory  2 MiB-array stream passes and a random pointer chase over 8 MiB (TLB misses)
  vm      a bytecode interpreter (jump-table dispatch, indirect jumps) running sieve and fib
  fib     naive recursive Fibonacci (calls and returns)
  fp      n-body in doubles (div, sqrt) and a double matrix product (fmadd)
Every emulator must print the same checksum: a row that differs from QEMU's (or, without
QEMU, from the others') reads WRONG. A missing binary reads "not installed"; a run that
times out or exits with a nonzero status marks its row failed instead of stopping the bench.

The workloads are built first with bench/tcg/build.sh (Debian's riscv64-linux-gnu-gcc)
into --elf-dir, unless --no-build.

Usage: bench/tcg/run.py [--runs N] [--workload NAME]... [--emulator NAME]...
                        [--mimic PATH] [--qemu PATH] [--elf-dir DIR] [-v]
Standard library only.
"""

import argparse
import math
import os
import re
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
WORKLOADS = ["intmix", "memory", "vm", "fib", "fp"]
CHECKSUM_RE = re.compile(rb"checksum ([0-9a-f]+)")
MACHINE_ARGS = ["-M", "virt", "-bios", "none", "-nographic"]


class Emulator:
    def __init__(self, key, label, binary, accel):
        self.key = key
        self.label = label
        self.binary = binary
        self.accel = accel

    def installed(self):
        return self.binary is not None and os.access(self.binary, os.X_OK)

    def argv(self, elf):
        return [self.binary, "-accel", self.accel] + MACHINE_ARGS + ["-kernel", str(elf)]


class Run:
    """One emulator process: wall and CPU time in seconds, RSS in KiB, checksum, error or None."""

    def __init__(self):
        self.wall = None
        self.cpu = None
        self.maxrss_kib = None
        self.checksum = None
        self.error = None
        self.output = b""


def run_once(argv, timeout):
    r = Run()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    out = bytearray()
    deadline = start + timeout
    killed = False
    while sel.get_map():
        now = time.perf_counter()
        if not killed and now >= deadline:
            r.error = f"timeout after {timeout:.0f} s"
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
        for key, _ in sel.select(None if killed else deadline - now):
            data = os.read(key.fd, 65536)
            if not data:
                sel.unregister(key.fileobj)
            else:
                out += data
    _, status, rusage = os.wait4(proc.pid, 0)
    r.wall = time.perf_counter() - start
    proc.stdout.close()
    code = os.waitstatus_to_exitcode(status)
    r.maxrss_kib = rusage.ru_maxrss
    r.cpu = rusage.ru_utime + rusage.ru_stime
    r.output = bytes(out)
    m = CHECKSUM_RE.search(r.output)
    r.checksum = m.group(1).decode() if m else None
    if r.error is None and code != 0:
        r.error = f"exit status {code}"
    if r.error is None and r.checksum is None:
        r.error = "no checksum line"
    return r


class Row:
    def __init__(self, workload, emu):
        self.workload = workload
        self.emulator = emu
        self.note = None  # "not installed", failure reason
        self.wrong = None  # checksum disagreement
        self.runs = []

    def ok(self):
        return self.note is None and self.runs

    def median(self, attr):
        vals = [getattr(r, attr) for r in self.runs if getattr(r, attr) is not None]
        return statistics.median(vals) if vals else None

    def checksum(self):
        return self.runs[0].checksum if self.runs else None


def measure(workload, elf, emu, args):
    row = Row(workload, emu)
    if not emu.installed():
        row.note = "not installed"
        return row
    if not elf.is_file():
        row.note = f"{elf} missing"
        return row
    argv = emu.argv(elf)
    if args.verbose:
        print("+ " + " ".join(argv), file=sys.stderr)
    for i in range(args.runs):
        r = run_once(argv, args.timeout)
        if r.error is None and row.runs and r.checksum != row.runs[0].checksum:
            r.error = f"checksum {r.checksum} differs from run 1's {row.runs[0].checksum}"
        if r.error:
            row.note = f"failed: {r.error} after {fmt_s(r.wall)} (run {i + 1})"
            if args.verbose:
                tail = r.output.decode("utf-8", "replace").splitlines()[-15:]
                print("\n".join("  | " + l for l in tail), file=sys.stderr)
            row.runs = []
            return row
        row.runs.append(r)
        if args.verbose:
            print(f"  run {i + 1}: {fmt_s(r.wall)} (CPU {fmt_s(r.cpu)}), {fmt_mib(r.maxrss_kib)}, "
                  f"checksum {r.checksum}", file=sys.stderr)
    return row


def check_agreement(rows):
    """Mark rows whose checksum differs from QEMU's, or without QEMU from the majority's."""
    by_workload = {}
    for row in rows:
        if row.ok():
            by_workload.setdefault(row.workload, []).append(row)
    for group in by_workload.values():
        qemu = [r for r in group if r.emulator.key == "qemu"]
        if qemu:
            want, who = qemu[0].checksum(), "QEMU's"
        else:
            sums = [r.checksum() for r in group]
            top = max(sums, key=sums.count)
            if sums.count(top) * 2 <= len(sums) and len(set(sums)) > 1:
                want, who = None, "the others'"  # no majority: every row is suspect
            else:
                want, who = top, "the others'"
        for r in group:
            if want is None or r.checksum() != want:
                r.wrong = f"WRONG: checksum {r.checksum()}" + (
                    f", {who} {want}" if want else ", no agreement")


def fmt_s(v):
    if v is None:
        return "-"
    return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.3f} s"


def fmt_mib(kib):
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


def print_table(rows, runs):
    head = ["workload", "emulator", "wall", "CPU", "peak RSS", "checksum"]
    lines = []
    for row in rows:
        cells = [row.workload, row.emulator.label]
        if row.note:
            cells.append(row.note)
        else:
            cells += [fmt_s(row.median("wall")), fmt_s(row.median("cpu")),
                      fmt_mib(row.median("maxrss_kib")),
                      row.wrong or row.checksum()]
        lines.append(cells)
    full = [head] + [l for l in lines if len(l) == len(head)]
    widths = [max(len(c[i]) for c in full) for i in range(len(head))]
    widths[1] = max([widths[1]] + [len(l[1]) for l in lines])
    print(f"translator benchmark (riscv64 guest, -M virt -bios none), median of {runs} runs")

    def out(cells):
        if len(cells) == 3:  # a note spans the measurement columns
            print("  ".join([cells[0].ljust(widths[0]), cells[1].ljust(widths[1]), cells[2]]))
        else:
            print("  ".join(c.rjust(widths[i]) if i in (2, 3, 4) else c.ljust(widths[i])
                            for i, c in enumerate(cells)).rstrip())

    out(head)
    for l in lines:
        out(l)


def print_ratios(rows):
    by = {(r.workload, r.emulator.key): r for r in rows}
    workloads = list(dict.fromkeys(r.workload for r in rows))
    for key, label in (("mimic", "mimic x86_64"), ("interp", "mimic interp")):
        if not any(r.emulator.key == key for r in rows):
            continue
        print(f"\n{label} / QEMU TCG (below 1: mimic is faster or smaller)")
        print(f"  {'':8s} {'wall':>6s} {'CPU':>6s} {'RSS':>6s}")
        logs, cpu_logs = [], []
        for name in workloads:
            m, q = by.get((name, key)), by.get((name, "qemu"))
            if not q:
                print(f"  {name}: no ratio (QEMU not run)")
                continue
            if not m or not m.ok() or not q.ok():
                why = ("mimic " + m.note if m and m.note else
                       "QEMU " + q.note if q.note else "")
                print(f"  {name}: no ratio ({why})")
                continue
            ratio = m.median("wall") / q.median("wall")
            cpu = m.median("cpu") / q.median("cpu")
            rss = m.median("maxrss_kib") / q.median("maxrss_kib")
            flag = "  (" + m.wrong + ")" if m.wrong else ""
            print(f"  {name:8s} {ratio:6.2f} {cpu:6.2f} {rss:6.2f}{flag}")
            if not m.wrong:
                logs.append(math.log(ratio))
                cpu_logs.append(math.log(cpu))
        if logs:
            print(f"  {'geomean':8s} {math.exp(sum(logs) / len(logs)):6.2f}"
                  f" {math.exp(sum(cpu_logs) / len(cpu_logs)):6.2f}"
                  f"          ({len(logs)} of {len(workloads)} workloads)")


def build_workloads(names, elf_dir, verbose):
    cmd = [str(HERE / "build.sh"), str(elf_dir)] + names
    if verbose:
        print("+ " + " ".join(cmd), file=sys.stderr)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        lines = (r.stderr.strip() or r.stdout.strip() or "?").splitlines()
        print(f"bench: building the workloads failed: {lines[-1]}", file=sys.stderr)
        if not all((elf_dir / f"{n}.elf").is_file() for n in names):
            sys.exit(1)
        print("bench: using the ELFs already in " + str(elf_dir), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per row (default 5)")
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds per run before it counts as failed (default 120)")
    ap.add_argument("--workload", action="append", choices=WORKLOADS,
                    help="only these workloads (repeatable; default all)")
    ap.add_argument("--emulator", action="append", choices=["mimic", "interp", "qemu"],
                    help="only these emulators (repeatable; default all): mimic is the "
                         "x86-64 code generator, interp the IR interpreter")
    ap.add_argument("--mimic", default=str(REPO / "build" / "mimic-system-riscv64"),
                    help="mimic-system-riscv64 binary (default build/mimic-system-riscv64)")
    ap.add_argument("--qemu", default=shutil.which("qemu-system-riscv64"),
                    help="qemu-system-riscv64 binary (default: from PATH)")
    ap.add_argument("--elf-dir", type=Path, default=REPO / "build" / "bench" / "tcg",
                    help="where the workload ELFs are built (default build/bench/tcg)")
    ap.add_argument("--no-build", action="store_true",
                    help="use the ELFs in --elf-dir as they are")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print command lines, each run, and the output tail of a failed run")
    args = ap.parse_args()
    if args.runs < 1:
        ap.error("--runs must be at least 1")

    names = args.workload or WORKLOADS
    if not args.no_build:
        build_workloads(names, args.elf_dir, args.verbose)
    emulators = [Emulator("mimic", "mimic x86_64", args.mimic, "tcg,backend=x86_64"),
                 Emulator("interp", "mimic interp", args.mimic, "tcg,backend=interp"),
                 Emulator("qemu", "qemu tcg", args.qemu, "tcg")]
    if args.emulator:
        emulators = [e for e in emulators if e.key in args.emulator]
    rows = []
    for name in names:
        for emu in emulators:
            print(f"bench: {name} on {emu.label} ...", file=sys.stderr, flush=True)
            rows.append(measure(name, args.elf_dir / f"{name}.elf", emu, args))
    check_agreement(rows)
    print()
    print_table(rows, args.runs)
    print_ratios(rows)
    sys.stdout.flush()
    if any(r.wrong for r in rows):
        sys.exit(2)


if __name__ == "__main__":
    main()
