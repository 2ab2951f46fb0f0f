#!/usr/bin/env python3
"""riscv64 boot benchmark: mimic-system-riscv64 beside Debian's qemu-system-riscv64 (TCG).

Both boot the Linux guest of scripts/build-riscv-guest.sh on -M virt with Debian's
OpenSBI, -m 512, -nographic, at -smp 1 and -smp 2, and each configuration is measured
in two ways:
  boot  an interactive boot, the console on a pseudo-terminal: process start -> first
        console byte, -> the shell prompt, -> process exit after `poweroff` is typed
  work  mimic.cmd runs a CPU workload and powers off: gzip -9 of 4 MiB of deterministic
        text, then a busybox shell arithmetic loop; each timed by the guest (`time`,
        real) and from outside (between the marker lines the guest prints around it)
with the process's wall and CPU time and peak RSS (os.wait4). Each row prints the
medians of N runs (default 5), the emulators' runs interleaved, and a mimic / QEMU line
of ratios follows each pair (below 1: mimic is faster or smaller).

The workload's answer (md5 of the gzip output, the loop's sum) must be the same in every
run of every emulator: a row that differs from QEMU's reads WRONG and the script exits
with status 2. A missing binary reads "not installed"; a run that times out or exits
with a nonzero status marks its row failed, and the bench goes on.

Usage: bench/riscv-boot/run.py [--runs N] [--smp N]... [--mimic PATH] [--qemu PATH]
                               [--timeout S] [-v]
Standard library only.
"""

import argparse
import re
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import benchlib  # noqa: E402

MEM_MIB = 512
PROMPT_RE = rb"mimic:[^\r\n]*# "
# The guest's workload (a mimic.cmd: no double quotes). awk writes 512 KiB of
# pseudo-random decimal numbers (Park-Miller, exact in doubles), copied 8 times: deflate
# looks back 32 KiB only, so the copies cost gzip as much as fresh data would. Markers
# come from $m so that the kernel's echo of its command line does not match them.
WORKLOAD = (
    "awk 'BEGIN{x=1;for(i=0;i<50000;i++){x=x*16807%2147483647;print x}}' >/tmp/part;"
    " for i in 1 2 3 4 5 6 7 8; do cat /tmp/part; done >/tmp/in; m=bench;"
    " echo $m-gzip; time gzip -9 </tmp/in >/tmp/gz;"
    " echo $m-loop; time sh -c 'i=0;s=0;while [ $i -lt 100000 ];"
    "do s=$(((s+i*i)%1000003));i=$((i+1));done;echo loop-sum $s';"
    " echo $m-done; md5sum /tmp/gz"
)
WORK_MARKS = {name: rb"(?m)^bench-" + name.encode() + rb"\r?$"
              for name in ("gzip", "loop", "done")}
GUEST_REAL_RE = re.compile(rb"real\s+(\d+)m\s*([0-9.]+)s")
ANSWER_RE = re.compile(rb"loop-sum (\d+)\s.*?([0-9a-f]{32})  /tmp/gz", re.S)

BOOT_HEAD = ["smp", "emulator", "first out", "to prompt", "to exit", "peak RSS"]
BOOT_KEYS = ["first out", "to prompt", "to exit", "peak RSS"]
WORK_HEAD = ["smp", "emulator", "gzip guest", "gzip host", "loop guest", "loop host",
             "wall", "CPU", "peak RSS", "answer"]
WORK_KEYS = ["gzip guest", "gzip host", "loop guest", "loop host", "wall", "CPU", "peak RSS"]


def guest_args(guest, smp, append):
    kernel, initrd = guest
    return ["-M", "virt", "-m", str(MEM_MIB), "-smp", str(smp), "-nographic",
            "-kernel", kernel, "-initrd", initrd, "-append", append]


def boot_figures(argv, timeout):
    """One interactive boot: (figures, why it failed or None, ProcessRun)."""
    r = benchlib.run_process(argv, timeout, marks={"prompt": PROMPT_RE},
                             answers={"prompt": b"poweroff\n"}, pty=True)
    why = r.why_failed() or ("no shell prompt" if "prompt" not in r.marks else None)
    figures = {"first out": r.first_out, "to prompt": r.marks.get("prompt"), "to exit": r.wall,
               "peak RSS": r.maxrss_kib}
    return figures, why, r


def guest_real(output, n):
    """The real time of the guest's n-th `time` report, in seconds."""
    m = GUEST_REAL_RE.findall(output)
    return int(m[n][0]) * 60 + float(m[n][1]) if len(m) > n else None


def work_figures(argv, timeout):
    """One workload boot: (figures, why it failed or None, ProcessRun)."""
    r = benchlib.run_process(argv, timeout, marks=WORK_MARKS)
    out = bytes(r.stdout)
    answer = ANSWER_RE.search(out)
    why = r.why_failed() or (None if answer else "no workload answer")
    marks = r.marks
    figures = {"gzip guest": guest_real(out, 0), "loop guest": guest_real(out, 1),
               "gzip host": span(marks, "gzip", "loop"), "loop host": span(marks, "loop", "done"),
               "wall": r.wall, "CPU": r.cpu, "peak RSS": r.maxrss_kib,
               "answer": answer and f"{answer.group(2)[:8].decode()}/{answer.group(1).decode()}"}
    return figures, why, r


def span(marks, start, end):
    return marks[end] - marks[start] if start in marks and end in marks else None


class Config:
    """A kind of run (boot or work) at one -smp: its rows, one per emulator."""

    def __init__(self, kind, smp, emulators, args, guest, missing):
        self.kind = kind
        self.smp = smp
        if kind == "boot":
            self.measure, append = boot_figures, "console=ttyS0"
        else:
            self.measure, append = work_figures, f'console=ttyS0 mimic.cmd="{WORKLOAD}"'
        self.rows = [benchlib.prepare_row([str(smp), emu.label], emu,
                                          guest and emu.argv(guest_args(guest, smp, append)),
                                          missing, args.verbose) for emu in emulators]

    def measure_once(self, args):
        benchlib.measure_round(self.rows, lambda row: self.measure(row.argv, args.timeout),
                               args.verbose)


def check_answers(config):
    """Mark rows whose workload answer varies between runs or differs from QEMU's."""
    rows = [row for row in config.rows if row.ok()]
    qemu = [row for row in rows if row.emulator.key == "qemu"]
    want = qemu[0].runs[0]["answer"] if qemu else rows[0].runs[0]["answer"] if rows else None
    for row in rows:
        answers = {run["answer"] for run in row.runs}
        row.wrong = None if answers == {want} else "WRONG: " + ",".join(sorted(answers))
    return not any(row.wrong for row in rows)


def table_lines(config, keys):
    lines = []
    for row in config.rows:
        lines.append(row.cells + [row.note] if row.note else
                     row.cells + [fmt(key, row.median(key)) for key in keys] +
                     ([row.wrong or row.runs[0]["answer"]] if config.kind == "work" else []))
    mimic, qemu = config.rows[0], config.rows[-1]
    if mimic.ok() and qemu.ok() and qemu.emulator.key == "qemu":
        lines.append([str(config.smp), "mimic/QEMU"] +
                     [benchlib.fmt_ratio(benchlib.ratio(mimic.median(key), qemu.median(key)))
                      for key in keys] + ([""] if config.kind == "work" else []))
    return lines


def fmt(key, value):
    return benchlib.fmt_mib(value) if key == "peak RSS" else benchlib.fmt_s(value)


def print_tables(configs, runs):
    print(f"riscv64 -M virt, Linux + busybox, -m {MEM_MIB}, median of {runs} runs")
    for kind, head, keys, title in (
            ("boot", BOOT_HEAD, BOOT_KEYS, "interactive boot (console on a pty)"),
            ("work", WORK_HEAD, WORK_KEYS, "workload: gzip -9 of 4 MiB, shell loop (guest: "
                                           "the guest's `time`; host: between its markers)")):
        print(f"\n{title}")
        benchlib.print_table(head, [line for c in configs if c.kind == kind
                                    for line in table_lines(c, keys)])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="runs per row (default 5)")
    ap.add_argument("--smp", type=int, action="append",
                    help="vCPU counts (repeatable; default 1 and 2)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per run (default 300)")
    ap.add_argument("--mimic", default=str(benchlib.REPO / "build" / "mimic-system-riscv64"))
    ap.add_argument("--qemu", default=shutil.which("qemu-system-riscv64"))
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print command lines, and the output tail of a failed run")
    args = ap.parse_args()

    guest, missing = benchlib.guest_files("riscv")
    emulators = [benchlib.Emulator("mimic", "mimic virt", args.mimic, []),
                 benchlib.Emulator("qemu", "qemu virt", args.qemu, ["-bios", benchlib.OPENSBI])]
    configs = [Config(kind, smp, emulators, args, guest, missing)
               for smp in args.smp or [1, 2] for kind in ("boot", "work")]
    for i in range(args.runs):
        print(f"bench: run {i + 1} of {args.runs} ...", file=sys.stderr, flush=True)
        for c in configs:
            c.measure_once(args)
    agree = all([check_answers(c) for c in configs if c.kind == "work"])
    print()
    print_tables(configs, args.runs)
    sys.stdout.flush()
    if not agree:
        sys.exit(2)


if __name__ == "__main__":
    main()
