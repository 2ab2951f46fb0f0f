"""What mimic's benchmarks share: run a process and time it, medians, ratios, tables.

A bench is a script, bench/NAME/run.py, run as `bench/NAME/run.py [options]` (standard
library only). It imports this module from its parent folder:

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import benchlib  # noqa: E402

and then, for one process:

    r = benchlib.run_process(argv, timeout=60, marks={"init": rb"mimic guest: ready"})
    r.why_failed()          # None, or a timeout, an unexpected exit status
    r.wall, r.cpu, r.maxrss_kib, r.first_out, r.marks["init"], r.output()

or, for a table of rows (emulator x configuration), the emulators' runs taking turns:

    emus = [benchlib.Emulator("mimic", "mimic virt", mimic_path, []),
            benchlib.Emulator("qemu", "qemu virt", qemu_path, ["-bios", benchlib.OPENSBI])]
    rows = [benchlib.prepare_row([config, e.label], e, e.argv(guest_args), None, verbose)
            for e in emus]
    for _ in range(runs):   # measure(row) -> (dict of figures, why failed or None, r)
        benchlib.measure_round(rows, measure, verbose)
    benchlib.print_table(["config", "emulator", "wall"],
                         [row.cells + [row.note] if row.note else
                          row.cells + [benchlib.fmt_s(row.median("wall"))] for row in rows])
    benchlib.ratio(rows[0].median("wall"), rows[1].median("wall"))

A row that cannot run (emulator not installed, guest missing) or whose run failed
carries a note instead of figures; print_table spans the note over the figure columns.

run_process() starts the process in a session of its own (a timeout kills the whole
group), reads its stdout (a pipe, or a pseudo-terminal with pty=True, for an emulator
whose console must look interactive) and its stderr, and notes when chosen text first
appears (marks), answers text with stdin input (answers), and stops early on output that
means the run cannot go on (stop_on). Wall time runs from just before the fork to the
reaping of the process; CPU time and peak RSS come from os.wait4's rusage, so they count
every thread of the process.

A bench prints medians and the ratio mimic / QEMU (Debian's) from the same run; see
bench/riscv-boot/run.py for a whole one.
"""

import math
import os
import re
import selectors
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Debian's OpenSBI: mimic's default riscv64 firmware; QEMU gets it with -bios.
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
# Once stop_on matched, how long the process may still write before it is killed.
STOP_GRACE_S = 0.5


class ProcessRun:
    """One finished process: seconds, KiB, exit code, output; error says why a run stopped
    early (timeout, a stop_on match), or is None."""

    def __init__(self):
        self.wall = None
        self.cpu = None
        self.maxrss_kib = None
        self.exit_code = None
        self.first_out = None  # seconds to the first byte on stdout
        self.marks = {}  # mark name -> seconds to its first appearance on stdout
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.error = None

    def why_failed(self, want_status=0):
        """Why the run failed: its error, or an exit status other than want_status."""
        if self.error is None and self.exit_code != want_status:
            return f"exit status {self.exit_code}" + (f", want {want_status}"
                                                      if want_status else "")
        return self.error

    def output(self):
        return bytes(self.stdout + self.stderr)

    def output_tail(self, lines=15):
        return self.output().decode("utf-8", "replace").splitlines()[-lines:]


class Row:
    """One line of a bench's table: its label cells, the emulator and command line it
    runs, and the figures of each run (a dict per run), or a note that says why there are
    none ("not installed", a failure)."""

    def __init__(self, cells, emulator, argv):
        self.cells = cells
        self.emulator = emulator
        self.argv = argv
        self.note = None
        self.runs = []

    def ok(self):
        return self.note is None and bool(self.runs)

    def fail(self, why):
        self.note = why
        self.runs = []

    def median(self, key):
        return median(run.get(key) for run in self.runs)


class Emulator:
    """A binary a bench runs, with the options that make it this row's emulator (an
    accelerator, a machine, firmware): key names it in ratios ("mimic", "qemu"), label in
    tables."""

    def __init__(self, key, label, binary, options):
        self.key = key
        self.label = label
        self.binary = binary
        self.options = options

    def installed(self):
        return self.binary is not None and os.access(self.binary, os.X_OK)

    def argv(self, args):
        """The command line: the binary, its options, then args (the guest's)."""
        return [self.binary] + self.options + args


def _spawn(argv, pty):
    """The process and the file its console output is read from."""
    if not pty:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=True)
        return proc, proc.stdout.fileno()
    master, slave = os.openpty()
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=subprocess.PIPE,
                            start_new_session=True)
    os.close(slave)
    return proc, master


def _read(fd):
    try:
        return os.read(fd, 65536)
    except OSError:  # a pty whose other side has closed: EIO
        return b""


class _Watcher:
    """Acts on console output as it arrives: marks, answers and stop_on."""

    def __init__(self, run, marks, answers, stop_on, send):
        self.run = run
        self.pending = {name: re.compile(pat) for name, pat in marks.items()}
        self.answers = answers
        self.stop_on = stop_on
        self.send = send
        self.stop_at = None

    def saw(self, t):
        for name, pat in list(self.pending.items()):
            if pat.search(self.run.stdout):
                self.run.marks[name] = t
                del self.pending[name]
                if name in self.answers:
                    self.send(self.answers[name])
        if (self.stop_at is None and self.stop_on is not None
                and self.stop_on[0].search(self.run.stdout + self.run.stderr)):
            self.run.error = self.stop_on[1]
            self.stop_at = time.perf_counter() + STOP_GRACE_S


def run_process(argv, timeout, marks=None, answers=None, stop_on=None, pty=False):
    """Run argv to its exit, or kill it after timeout seconds; return a ProcessRun.

    marks: name -> bytes regex (or compiled): note when it first matches stdout.
    answers: mark name -> bytes written to stdin when that mark is first seen.
    stop_on: (bytes regex, reason): output on stdout + stderr that says the run cannot go
    on; the process is killed STOP_GRACE_S later, with error = reason.
    pty: stdin and stdout on a pseudo-terminal instead of pipes."""
    r = ProcessRun()
    start = time.perf_counter()
    proc, console = _spawn(argv, pty)
    stdin_fd = console if pty else proc.stdin.fileno()
    watcher = _Watcher(r, marks or {}, answers or {}, stop_on, lambda b: os.write(stdin_fd, b))
    sel = selectors.DefaultSelector()
    sel.register(console, selectors.EVENT_READ, r.stdout)
    sel.register(proc.stderr, selectors.EVENT_READ, r.stderr)
    deadline = start + timeout
    killed = False
    while sel.get_map():
        now = time.perf_counter()
        stop_at = min(deadline, watcher.stop_at or deadline)
        if not killed and now >= stop_at:
            if r.error is None:
                r.error = f"timeout after {timeout:.0f} s"
            os.killpg(proc.pid, signal.SIGKILL)
            killed = True
        for key, _ in sel.select(None if killed else stop_at - now):
            data = _read(key.fd)
            if not data:
                sel.unregister(key.fileobj)
                continue
            t = time.perf_counter() - start
            if key.data is r.stdout and r.first_out is None:
                r.first_out = t
            key.data.extend(data)
            watcher.saw(t)
    _, status, rusage = os.wait4(proc.pid, 0)
    r.wall = time.perf_counter() - start
    proc.returncode = r.exit_code = os.waitstatus_to_exitcode(status)
    r.cpu = rusage.ru_utime + rusage.ru_stime
    r.maxrss_kib = rusage.ru_maxrss
    if pty:
        os.close(console)
    for f in (proc.stdin, proc.stdout, proc.stderr):
        if f:
            f.close()
    return r


def prepare_row(cells, emulator, argv, missing, verbose):
    """A Row that runs argv, or one that carries why it cannot: the emulator is not
    installed, or missing (what the run needs and lacks, say a guest) is not None."""
    row = Row(cells, emulator, argv)
    if not emulator.installed():
        row.note = "not installed"
    elif missing:
        row.note = missing
    elif verbose:
        print("+ " + " ".join(argv), file=sys.stderr)
    return row


def measure_round(rows, measure, verbose):
    """One more run of each row that has not failed, in turn: interleaved (A B A B ...),
    a change in the host's load hits every row alike. measure(row) returns (figures,
    why the run failed or None, its ProcessRun); a failure ends the row with a note."""
    for row in rows:
        if row.note is not None:
            continue
        figures, why, r = measure(row)
        if why:
            when = "" if why.startswith("timeout") else f" after {fmt_s(r.wall)}"
            row.fail(f"failed: {why}{when} (run {len(row.runs) + 1})")
            log_failure(r, verbose)
        else:
            row.runs.append(figures)


def why_no_ratio(num, den, num_name, den_name):
    """Why rows num / den give no ratio (either is missing or failed), or None."""
    for row, name in ((num, num_name), (den, den_name)):
        if row is None:
            return f"{name} not run"
        if row.note:
            return f"{name} {row.note}"
    return None


def guest_files(arch):
    """(kernel, initrd) of the Linux test guest for arch, built and cached by
    scripts/build-ARCH-guest.sh; None and a reason when the build fails."""
    script = REPO / "scripts" / f"build-{arch}-guest.sh"
    r = subprocess.run([str(script), "--print"], capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        return None, "guest build failed: " + (r.stderr.strip().splitlines() or ["?"])[-1]
    kernel, initrd = r.stdout.split()
    return (kernel, initrd), None


def median(values):
    """The median of the values that are not None; None if there are none."""
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def ratio(num, den):
    """num / den, or None when either is missing (or den is 0)."""
    return num / den if num is not None and den else None


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def fmt_s(v, ms_digits=1):
    if v is None:
        return "-"
    return f"{v * 1000:.{ms_digits}f} ms" if v < 1 else f"{v:.3f} s"


def fmt_mib(kib):
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


def fmt_ratio(v):
    return "-" if v is None else f"{v:.2f}"


def print_table(head, lines, left=2):
    """Print lines (lists of cells) under head, the first `left` columns left-aligned and
    the others right-aligned. A line of left + 1 cells is a note (a failure, "not
    installed") that spans the measurement columns."""
    full = [head] + [line for line in lines if len(line) == len(head)]
    widths = [max(len(c[i]) for c in full) for i in range(len(head))]
    for i in range(left):
        widths[i] = max([widths[i]] + [len(line[i]) for line in lines])

    def out(cells):
        if len(cells) == left + 1:
            print("  ".join([c.ljust(widths[i]) for i, c in enumerate(cells[:left])]
                            + [cells[left]]))
        else:
            print("  ".join(c.ljust(widths[i]) if i < left else c.rjust(widths[i])
                            for i, c in enumerate(cells)).rstrip())

    out(head)
    for line in lines:
        out(line)


def log_failure(run, verbose):
    """With -v, the output tail of a failed run on stderr."""
    if verbose:
        print("\n".join("  | " + line for line in run.output_tail()), file=sys.stderr)
