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

With --baseline PATH, a second mimic build (say, the one before a change) runs beside
--mimic with the code generator, and the ratios mimic / baseline follow. Each workload's
runs go round the emulators in turn, so that a change in the host's load hits them alike.

Usage: bench/tcg/run.py [--runs N] [--workload NAME]... [--emulator NAME]...
                        [--mimic PATH] [--baseline PATH] [--qemu PATH] [--elf-dir DIR] [-v]
Standard library only.
"""

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import benchlib  # noqa: E402

REPO = benchlib.REPO
HERE = Path(__file__).resolve().parent
WORKLOADS = ["intmix", "memory", "vm", "fib", "fp"]
CHECKSUM_RE = re.compile(rb"checksum ([0-9a-f]+)")
MACHINE_ARGS = ["-M", "virt", "-bios", "none", "-nographic"]


def emulator(key, label, binary, accel):
    return benchlib.Emulator(key, label, binary, ["-accel", accel])


def guest_args(elf):
    return MACHINE_ARGS + ["-kernel", str(elf)]


def run_once(argv, timeout):
    """One run: (figures, why it failed or None, ProcessRun)."""
    r = benchlib.run_process(argv, timeout)
    m = CHECKSUM_RE.search(r.output())
    found = m.group(1).decode() if m else None
    why = r.why_failed()
    if why is None and found is None:
        why = "no checksum line"
    figures = {"wall": r.wall, "CPU": r.cpu, "peak RSS": r.maxrss_kib, "checksum": found}
    return figures, why, r


def checksum(row):
    return row.runs[0]["checksum"] if row.runs else None


def measure_once(row, args):
    """One run of row, which must print the checksum of its first run."""
    figures, why, r = run_once(row.argv, args.timeout)
    if why is None and row.runs and figures["checksum"] != checksum(row):
        why = f"checksum {figures['checksum']} differs from run 1's {checksum(row)}"
    if why is None and args.verbose:
        print(f"  {row.emulator.label} run {len(row.runs) + 1}: {fmt_s(r.wall)} "
              f"(CPU {fmt_s(r.cpu)}), {benchlib.fmt_mib(r.maxrss_kib)}, "
              f"checksum {figures['checksum']}", file=sys.stderr)
    return figures, why, r


def measure(workload, elf, emulators, args):
    """The workload's rows, the emulators' runs interleaved (A B C A B C ...)."""
    missing = None if elf.is_file() else f"{elf} missing"
    rows = [benchlib.prepare_row([workload, emu.label], emu, emu.argv(guest_args(elf)),
                                 missing, args.verbose) for emu in emulators]
    for row in rows:
        row.workload = workload
        row.wrong = None  # checksum disagreement
    for _ in range(args.runs):
        benchlib.measure_round(rows, lambda row: measure_once(row, args), args.verbose)
    return rows


def check_agreement(rows):
    """Mark rows whose checksum differs from QEMU's, or without QEMU from the majority's."""
    by_workload = {}
    for row in rows:
        if row.ok():
            by_workload.setdefault(row.workload, []).append(row)
    for group in by_workload.values():
        qemu = [r for r in group if r.emulator.key == "qemu"]
        if qemu:
            want, who = checksum(qemu[0]), "QEMU's"
        else:
            sums = [checksum(r) for r in group]
            top = max(sums, key=sums.count)
            if sums.count(top) * 2 <= len(sums) and len(set(sums)) > 1:
                want, who = None, "the others'"  # no majority: every row is suspect
            else:
                want, who = top, "the others'"
        for r in group:
            if want is None or checksum(r) != want:
                r.wrong = f"WRONG: checksum {checksum(r)}" + (
                    f", {who} {want}" if want else ", no agreement")


def fmt_s(v):
    return benchlib.fmt_s(v, ms_digits=0)


def print_table(rows, runs):
    head = ["workload", "emulator", "wall", "CPU", "peak RSS", "checksum"]
    lines = []
    for row in rows:
        if row.note:
            lines.append(row.cells + [row.note])
        else:
            lines.append(row.cells + [fmt_s(row.median("wall")), fmt_s(row.median("CPU")),
                                      benchlib.fmt_mib(row.median("peak RSS")),
                                      row.wrong or checksum(row)])
    print(f"translator benchmark (riscv64 guest, -M virt -bios none), median of {runs} runs")
    benchlib.print_table(head, lines)


def print_ratio_table(rows, num_key, den_key, title):
    by = {(r.workload, r.emulator.key): r for r in rows}
    workloads = list(dict.fromkeys(r.workload for r in rows))
    den_label = "QEMU" if den_key == "qemu" else "baseline"
    print(f"\n{title} (below 1: faster or smaller)")
    print(f"  {'':8s} {'wall':>6s} {'CPU':>6s} {'RSS':>6s}")
    walls, cpus = [], []
    for name in workloads:
        m, q = by.get((name, num_key)), by.get((name, den_key))
        why = benchlib.why_no_ratio(m, q, "mimic", den_label)
        if why:
            print(f"  {name}: no ratio ({why})")
            continue
        wall, cpu, rss = (benchlib.ratio(m.median(key), q.median(key))
                          for key in ("wall", "CPU", "peak RSS"))
        flag = "  (" + m.wrong + ")" if m.wrong else ""
        print(f"  {name:8s} {wall:6.2f} {cpu:6.2f} {rss:6.2f}{flag}")
        if not m.wrong:
            walls.append(wall)
            cpus.append(cpu)
    if walls:
        print(f"  {'geomean':8s} {benchlib.geomean(walls):6.2f} {benchlib.geomean(cpus):6.2f}"
              f"          ({len(walls)} of {len(workloads)} workloads)")


def print_ratios(rows):
    keys = {r.emulator.key for r in rows}
    pairs = [("mimic", "qemu", "mimic x86_64 / QEMU TCG"),
             ("interp", "qemu", "mimic interp / QEMU TCG"),
             ("mimic", "baseline", "mimic x86_64 / the baseline build")]
    for num, den, title in pairs:
        if num in keys and den in keys:
            print_ratio_table(rows, num, den, title)


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
    ap.add_argument("--baseline", metavar="PATH",
                    help="another mimic-system-riscv64 (the build before a change) measured "
                         "beside --mimic with the code generator, with the ratios between them")
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
    emulators = [emulator("mimic", "mimic x86_64", args.mimic, "tcg,backend=x86_64"),
                 emulator("interp", "mimic interp", args.mimic, "tcg,backend=interp"),
                 emulator("qemu", "qemu tcg", args.qemu, "tcg")]
    if args.emulator:
        emulators = [e for e in emulators if e.key in args.emulator]
    if args.baseline:
        emulators.insert(1, emulator("baseline", "mimic baseline", args.baseline,
                                     "tcg,backend=x86_64"))
    rows = []
    for name in names:
        print(f"bench: {name} on {', '.join(e.label for e in emulators)} ...", file=sys.stderr,
              flush=True)
        rows += measure(name, args.elf_dir / f"{name}.elf", emulators, args)
    check_agreement(rows)
    print()
    print_table(rows, args.runs)
    print_ratios(rows)
    sys.stdout.flush()
    if any(r.wrong for r in rows):
        sys.exit(2)


if __name__ == "__main__":
    main()
