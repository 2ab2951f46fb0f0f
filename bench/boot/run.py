#!/usr/bin/env python3
"""Boot-time benchmark: mimic-system-x86_64 beside Debian's qemu-system-x86_64.

For each workload x emulator, runs the emulator N times (default 5) and prints medians of
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
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
KVM_STOP_RE = re.compile(rb"KVM_EXIT_INTERNAL_ERROR|emulation failure|KVM internal error")
# QEMU -M microvm: no option ROMs (none are needed for -kernel), but keep the RTC
# and the PIT: without a timer to calibrate against, Linux under TCG hangs.
MICROVM = "microvm,x-option-roms=off,rtc=on"


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
    script = REPO / "scripts" / "build-x86-guest.sh"
    r = subprocess.run([str(script), "--print"], capture_output=True, text=True)
    if r.returncode != 0:
        w.missing = "guest build failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
        return w
    kernel, initrd = r.stdout.split()
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


class Emulator:
    def __init__(self, label, binary, machine):
        self.label = label
        self.binary = binary
        self.machine = machine

    def installed(self):
        return self.binary is not None and os.access(self.binary, os.X_OK)

    def argv(self, accel, w):
        accel_args = ["-enable-kvm"] if accel == "kvm" else ["-accel", "tcg"]
        guest_args = list(w.guest_args)
        khz = host_tsc_khz()
        if w.is_linux and accel == "tcg" and self.machine.startswith("microvm") and khz:
            # microvm has no HPET or ACPI PM timer: when TCG's jitter spoils the PIT
            # calibration (often, on a busy host) Linux has no TSC rate and hangs.
            # Under KVM, kvmclock tells the rate and this is not needed.
            i = guest_args.index("-append") + 1
            guest_args[i] += f" tsc_early_khz={khz}"
        return ([self.binary] + accel_args +
                ["-M", self.machine, "-m", str(w.mem_mib), "-smp", str(w.smp), "-nographic"] +
                guest_args)


class Run:
    """One emulator process: timings in seconds, RSS in KiB, error or None."""

    def __init__(self):
        self.first_out = None
        self.to_marker = None
        self.to_exit = None
        self.maxrss_kib = None
        self.error = None
        self.output = b""


def run_once(argv, w, timeout):
    r = Run()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    sel.register(proc.stderr, selectors.EVENT_READ)
    serial = bytearray()
    stderr = bytearray()
    deadline = start + timeout
    stop_at = None  # set when the guest cannot go on: kill soon after
    killed = False
    while sel.get_map():
        now = time.perf_counter()
        if not killed and (now >= deadline or (stop_at is not None and now >= stop_at)):
            if stop_at is None:
                r.error = f"timeout after {timeout:.0f} s"
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
        wait = None if killed else min(deadline, stop_at or deadline) - now
        for key, _ in sel.select(wait):
            data = os.read(key.fd, 65536)
            t = time.perf_counter() - start
            if not data:
                sel.unregister(key.fileobj)
                continue
            if key.fileobj is proc.stdout:
                if r.first_out is None:
                    r.first_out = t
                serial += data
                if w.marker and r.to_marker is None and w.marker in serial:
                    r.to_marker = t
            else:
                stderr += data
            if stop_at is None and KVM_STOP_RE.search(serial + stderr):
                # The vCPU cannot go on; QEMU would sit paused until the timeout.
                r.error = "KVM internal error"
                stop_at = time.perf_counter() + 0.5
    _, status, rusage = os.wait4(proc.pid, 0)
    r.to_exit = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    for f in (proc.stdout, proc.stderr):
        f.close()
    r.maxrss_kib = rusage.ru_maxrss
    r.output = bytes(serial + stderr)
    if r.error is None and proc.returncode != w.want_status:
        r.error = f"exit status {proc.returncode}, want {w.want_status}"
    if r.error is None and w.marker and r.to_marker is None:
        r.error = "no '%s' line" % w.marker.decode()
    return r


class Row:
    def __init__(self, w, emu):
        self.workload = w
        self.emulator = emu
        self.note = None  # "not installed", failure reason
        self.runs = []

    def median(self, attr):
        vals = [getattr(r, attr) for r in self.runs if getattr(r, attr) is not None]
        return statistics.median(vals) if vals else None


def measure(w, emu, args):
    row = Row(w, emu)
    if not emu.installed():
        row.note = "not installed"
        return row
    if w.missing:
        row.note = w.missing
        return row
    argv = emu.argv(args.accel, w)
    if args.verbose:
        print("+ " + " ".join(argv), file=sys.stderr)
    for i in range(args.runs):
        r = run_once(argv, w, args.timeout)
        if r.error:
            when = "" if r.error.startswith("timeout") else f" after {fmt_s(r.to_exit)}"
            row.note = f"failed: {r.error}{when} (run {i + 1})"
            if args.verbose:
                tail = r.output.decode("utf-8", "replace").splitlines()[-15:]
                print("\n".join("  | " + l for l in tail), file=sys.stderr)
            row.runs = []
            return row
        row.runs.append(r)
    return row


def fmt_s(v):
    if v is None:
        return "-"
    return f"{v * 1000:.1f} ms" if v < 1 else f"{v:.3f} s"


def fmt_mib(kib):
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


def print_table(rows, accel, runs):
    head = ["workload", "emulator", "first out", "to init", "to exit", "peak RSS", "RSS-RAM"]
    lines = []
    for row in rows:
        cells = [row.workload.name, row.emulator.label]
        if row.note:
            cells += [row.note]
        else:
            rss = row.median("maxrss_kib")
            over = None if rss is None else rss - row.workload.mem_mib * 1024
            cells += [fmt_s(row.median("first_out")), fmt_s(row.median("to_marker")),
                      fmt_s(row.median("to_exit")), fmt_mib(rss), fmt_mib(over)]
        lines.append(cells)
    full = [head] + [l for l in lines if len(l) == len(head)]
    widths = [max(len(c[i]) for c in full) for i in range(len(head))]
    widths[1] = max([widths[1]] + [len(l[1]) for l in lines])
    print(f"boot benchmark, accel={accel}, median of {runs} runs")

    def out(cells):
        if len(cells) == 3:  # a note spans the measurement columns
            print("  ".join([cells[0].ljust(widths[0]), cells[1].ljust(widths[1]), cells[2]]))
        else:
            print("  ".join(c.rjust(widths[i]) if i >= 2 else c.ljust(widths[i])
                            for i, c in enumerate(cells)).rstrip())

    out(head)
    for l in lines:
        out(l)


def print_ratios(rows):
    print("\nmimic / QEMU -M pc (below 1: mimic is faster or smaller)")
    by = {(r.workload.name, r.emulator.label): r for r in rows}
    printed = False
    for name in dict.fromkeys(r.workload.name for r in rows):
        m, q = by.get((name, "mimic pc")), by.get((name, "qemu pc"))
        if not m or not q or m.note or q.note:
            why = "mimic " + m.note if m and m.note else "qemu " + q.note if q and q.note else ""
            print(f"  {name}: no ratio ({why})")
            continue
        parts = []
        for attr, label in (("first_out", "first out"), ("to_marker", "to init"),
                            ("to_exit", "to exit"), ("maxrss_kib", "peak RSS")):
            a, b = m.median(attr), q.median(attr)
            if a is not None and b:
                parts.append(f"{label} {a / b:.2f}")
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
    emulators = [Emulator("mimic pc", args.mimic, "pc"),
                 Emulator("qemu pc", args.qemu, "pc"),
                 Emulator("qemu microvm", args.qemu, MICROVM)]
    rows = []
    for w in workloads:
        for emu in emulators:
            print(f"bench: {w.name} on {emu.label} ...", file=sys.stderr, flush=True)
            rows.append(measure(w, emu, args))
    print()
    print_table(rows, args.accel, args.runs)
    print_ratios(rows)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
