#!/usr/bin/env python3
"""Boot-time benchmark: mimic-system-x86_64 beside Debian's qemu-system-x86_64.

For each workload x emulator, runs the emulator N times (default 5; the emulators take
turns) and prints medians of
  first out  process start -> first byte on the serial console (the emulator's stdout)
  to init    process start -> the guest's marker line ("mimic guest: ready" for Linux)
  to exit    process start -> process exit
  peak RSS   ru_maxrss of the emulator process (os.wait4), and that minus guest RAM
then the ratios mimic / QEMU (-M pc) for each workload.

Workloads:
  program  a freestanding Multiboot ELF that prints and exits through isa-debug-exit
           (default build/tests/x86/debugexit.elf, -append code=0: exit status 1)
  linux    the guest of scripts/build-x86-guest.sh with mimic.cmd=true (exit status 0)
Emulators: mimic (-M pc), QEMU -M pc, QEMU -M microvm; a missing binary reads
"not installed". A run that stops on a KVM internal error, times out or exits with
the wrong status marks its row failed (with the reason) instead of stopping the bench.

Usage: bench/boot/run.py [--accel kvm|tcg] [--runs N] [--workload program|linux]...
Standard library only.
"""

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import benchlib  # noqa: E402

REPO = benchlib.REPO
KVM_STOP_RE = re.compile(rb"KVM_EXIT_INTERNAL_ERROR|emulation failure|KVM internal error")
# QEMU -M microvm: no option ROMs (none are needed for -kernel), but keep the RTC
# and the PIT: without a timer to calibrate against, Linux under TCG hangs.
MICROVM = "microvm,x-option-roms=off,rtc=on"
TIME_KEYS = ["first out", "to init", "to exit"]


class Workload:
    def __init__(self, name, mem_mib, smp, guest_args, marker, want_status):
        self.name = name
        self.mem_mib = mem_mib
        self.smp = smp
        self.guest_args = guest_args  # None: not available (reason in self.missing)
        self.marker = marker
        self.want_status = want_status
        self.missing = None
        self.is_linux = False


def program_workload(path):
    w = Workload(
        "program", 64, 1,
        ["-kernel", str(path), "-append", "code=0",
         "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
        None,
        1,  # isa-debug-exit: status = (value << 1) | 1
    )
    if not path.is_file():
        w.missing = f"{path} missing"
    return w


def linux_workload():
    w = Workload("linux", 512, 2, None, b"mimic guest: ready", 0)
    files, w.missing = benchlib.guest_files("x86")
    if w.missing:
        return w
    kernel, initrd = files
    w.guest_args = ["-kernel", kernel, "-initrd", initrd,
                    "-append", "console=ttyS0 mimic.cmd=true"]
    w.is_linux = True
    return w


def host_tsc_khz():
    """The host's TSC rate, which TCG's guest TSC follows (from /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return int(float(line.split(":")[1]) * 1000)
    except (OSError, ValueError):
        pass
    return None


def emulator(key, label, binary, machine):
    return benchlib.Emulator(key, label, binary, ["-M", machine])


def argv(emu, accel, w):
    accel_args = ["-enable-kvm"] if accel == "kvm" else ["-accel", "tcg"]
    guest_args = list(w.guest_args)
    khz = host_tsc_khz()
    if w.is_linux and accel == "tcg" and emu.key == "microvm" and khz:
        # microvm has no HPET or ACPI PM timer: when TCG's jitter spoils the PIT
        # calibration (often, on a busy host) Linux has no TSC rate and hangs.
        # Under KVM, kvmclock tells the rate and this is not needed.
        i = guest_args.index("-append") + 1
        guest_args[i] += f" tsc_early_khz={khz}"
    return emu.argv(accel_args + ["-m", str(w.mem_mib), "-smp", str(w.smp), "-nographic"] +
                    guest_args)


def run_once(argv, w, timeout):
    """One run: (figures, why it failed or None, ProcessRun)."""
    r = benchlib.run_process(argv, timeout, marks={"init": w.marker} if w.marker else {},
                             stop_on=(KVM_STOP_RE, "KVM internal error"))
    why = r.why_failed(w.want_status)
    if why is None and r.first_out is None:
        why = "no console output"
    if why is None and w.marker and "init" not in r.marks:
        why = "no '%s' line" % w.marker.decode()
    figures = {"first out": r.first_out, "to init": r.marks.get("init"), "to exit": r.wall,
               "peak RSS": r.maxrss_kib}
    return figures, why, r


def measure(w, emulators, args):
    """The workload's rows, the emulators' runs interleaved (A B C A B C ...)."""
    rows = [benchlib.prepare_row([w.name, emu.label], emu,
                                 None if w.missing else argv(emu, args.accel, w),
                                 w.missing, args.verbose) for emu in emulators]
    for row in rows:
        row.workload = w
    for _ in range(args.runs):
        benchlib.measure_round(rows, lambda row: run_once(row.argv, w, args.timeout),
                               args.verbose)
    return rows


def print_table(rows, accel, runs):
    head = ["workload", "emulator", "first out", "to init", "to exit", "peak RSS", "RSS-RAM"]
    lines = []
    for row in rows:
        if row.note:
            lines.append(row.cells + [row.note])
            continue
        rss = row.median("peak RSS")
        over = None if rss is None else rss - row.workload.mem_mib * 1024
        lines.append(row.cells + [benchlib.fmt_s(row.median(key)) for key in TIME_KEYS] +
                     [benchlib.fmt_mib(rss), benchlib.fmt_mib(over)])
    print(f"boot benchmark, accel={accel}, median of {runs} runs")
    benchlib.print_table(head, lines)


def print_ratios(rows):
    print("\nmimic / QEMU -M pc (below 1: mimic is faster or smaller)")
    by = {tuple(r.cells): r for r in rows}
    printed = False
    for name in dict.fromkeys(r.workload.name for r in rows):
        m, q = by.get((name, "mimic pc")), by.get((name, "qemu pc"))
        why = benchlib.why_no_ratio(m, q, "mimic", "qemu")
        if why:
            print(f"  {name}: no ratio ({why})")
            continue
        parts = []
        for key in TIME_KEYS + ["peak RSS"]:
            v = benchlib.ratio(m.median(key), q.median(key))
            if v is not None:
                parts.append(f"{key} {v:.2f}")
        print(f"  {name}: " + ", ".join(parts))
        printed = True
    return printed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--accel", choices=["kvm", "tcg"], default="kvm",
                    help="kvm: -enable-kvm (default); tcg: -accel tcg")
    ap.add_argument("--runs", type=int, default=5, help="runs per row (default 5)")
    ap.add_argument("--timeout", type=float, default=60, help="seconds per run (default 60)")
    ap.add_argument("--workload", action="append", choices=["program", "linux"],
                    help="only these workloads (repeatable; default both)")
    ap.add_argument("--mimic", default=str(REPO / "build" / "mimic-system-x86_64"))
    ap.add_argument("--qemu", default=shutil.which("qemu-system-x86_64"))
    ap.add_argument("--program", type=Path,
                    default=REPO / "build" / "tests" / "x86" / "debugexit.elf",
                    help="Multiboot ELF for the program workload")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print command lines, and the output tail of a failed run")
    args = ap.parse_args()

    if args.accel == "kvm":
        try:
            os.close(os.open("/dev/kvm", os.O_RDWR))
        except OSError as e:
            sys.exit(f"bench: /dev/kvm unusable ({e.strerror}); try --accel tcg")

    workloads = []
    for name in args.workload or ["program", "linux"]:
        workloads.append(program_workload(args.program) if name == "program"
                         else linux_workload())
    emulators = [emulator("mimic", "mimic pc", args.mimic, "pc"),
                 emulator("qemu", "qemu pc", args.qemu, "pc"),
                 emulator("microvm", "qemu microvm", args.qemu, MICROVM)]
    rows = []
    for w in workloads:
        print(f"bench: {w.name} on {', '.join(e.label for e in emulators)} ...",
              file=sys.stderr, flush=True)
        rows += measure(w, emulators, args)
    print()
    print_table(rows, args.accel, args.runs)
    print_ratios(rows)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
