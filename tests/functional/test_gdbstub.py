"""The gdbstub, driven by Debian's gdb-multiarch and by a raw socket.

- riscv64 bare metal under the translator: -S -gdb tcp::PORT, break at main,
  registers (GPRs, pc, CSRs), stepi, memory, software/hardware breakpoints,
  write/read/access watchpoints, continue to the guest's exit.
- the riscv64 Linux guest under the translator: break at start_kernel (a
  virtual address, so breakpoints and memory reads go through the MMU), CSRs,
  stepi, code read back equal to vmlinux, a watchpoint on jiffies, and
  continue to the guest's command and its power-off; attaching to the running
  guest, Ctrl-C, and detach.
- x86_64 under KVM (tests/x86/heartbeat.elf, an ELF32 wrapper around 64-bit
  code, hence "set architecture i386:x86-64"): break at test_main, step, the
  counter moving between Ctrl-C interrupts, detach and the guest runs on.
- The protocol itself with a raw socket: acks, NAKs for bad checksums,
  garbage, oversized and malformed packets, no-ack mode, a debugger vanishing
  mid-packet with a breakpoint set: the VM must go on and finish.

Environment: MIMIC_SYSTEM_RISCV64, MIMIC_RISCV64_TESTS, MIMIC_SYSTEM_X86_64,
MIMIC_X86_TESTS (defaults under <repo>/build).
"""

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from mimic_env import HEARTBEAT, MIMIC_X86_64, needs_kvm, riscv_guest

REPO = Path(__file__).resolve().parents[2]
RISCV64 = os.environ.get("MIMIC_SYSTEM_RISCV64", str(REPO / "build" / "mimic-system-riscv64"))
RISCV_PROGRAMS = Path(os.environ.get("MIMIC_RISCV64_TESTS",
                                     str(REPO / "build" / "tests" / "tcg" / "riscv64")))
GDB = shutil.which("gdb-multiarch")
TIMEOUT_S = 60

needs_gdb = pytest.mark.skipif(GDB is None, reason="gdb-multiarch is not installed "
                               "(Debian package gdb-multiarch; scripts/install-deps.sh)")


def _need_file(path, what):
    if not os.path.isfile(path):
        pytest.skip(f"{path} not built ({what})")
    return str(path)


def _riscv_program(name):
    _need_file(RISCV64, "mimic-system-riscv64")
    return _need_file(RISCV_PROGRAMS / f"{name}.elf", "riscv64 test programs")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Emulator:
    """An emulator process with its serial output in a file."""

    def __init__(self, argv, tmp_path):
        self.out_path = tmp_path / "serial.txt"
        self.log_path = tmp_path / "stderr.txt"
        self.argv = argv
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def serial(self):
        try:
            return self.out_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def report(self):
        return (f"command: {' '.join(self.argv)}\n--- serial ---\n{self.serial()}\n"
                f"--- stdout/stderr ---\n{self.log_path.read_text(errors='replace')}")

    def wait(self, timeout=TIMEOUT_S):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the emulator did not finish within {timeout} s\n{self.report()}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


@pytest.fixture
def emulators():
    started = []
    yield started
    for e in started:
        e.close()


def _start_riscv(tmp_path, emulators, program, port, extra=()):
    argv = [RISCV64, "-M", "virt", "-bios", "none", "-display", "none", "-serial",
            f"file:{tmp_path / 'serial.txt'}", "-monitor", "none", "-S", "-gdb", f"tcp::{port}",
            *extra, "-kernel", _riscv_program(program)]
    e = Emulator(argv, tmp_path)
    emulators.append(e)
    return e


def _gdb_batch(commands, timeout=TIMEOUT_S):
    """Run gdb-multiarch in batch mode; returns its output (stdout and stderr)."""
    argv = [GDB, "-nx", "-batch", "-ex", "set pagination off", "-ex", "set confirm off"]
    for c in commands:
        argv += ["-ex", c]
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"gdb did not finish\n{(e.stdout or b'').decode(errors='replace')}")
    return proc.stdout.decode(errors="replace")


def _section(out, name):
    """The text gdb printed between 'echo @name\\n' and the next marker."""
    m = re.search(rf"^@{name}\n(.*?)(?=^@|\Z)", out, re.MULTILINE | re.DOTALL)
    assert m, f"marker @{name} missing in gdb output:\n{out}"
    return m.group(1)


def _mark(name):
    return f"echo @{name}\\n"


def _value(text):
    m = re.search(r"= (?:\([^)]*\) )?(0x[0-9a-f]+|\d+)", text)
    assert m, f"no value in {text!r}"
    return int(m.group(1), 0)


# ---- riscv64 under the translator ----


@needs_gdb
def test_riscv_break_registers_step_memory_watch_exit(tmp_path, emulators):
    port = _free_port()
    elf = _riscv_program("arith")
    emu = _start_riscv(tmp_path, emulators, "arith", port)
    out = _gdb_batch([
        f"file {elf}", f"target remote 127.0.0.1:{port}",
        _mark("start"), "p/x $pc",
        "break main", "continue",
        _mark("main"), "p/x $pc",
        _mark("regs"), "info registers",
        _mark("mstatus"), "p/x $mstatus",
        _mark("sstatus"), "p/x $sstatus",
        _mark("mhartid"), "p $mhartid",
        _mark("priv"), "info registers priv",
        "stepi", _mark("stepped"), "p/x $pc",
        _mark("mem"), "x/4xw main",
        "delete", "watch test_checks", "continue",
        _mark("watch"), "p test_checks",
        "delete", _mark("end"), "continue",
    ])
    assert _value(_section(out, "start")) == 0x80000000, out
    assert "Breakpoint 1, main" in out, out
    main_pc = _value(_section(out, "main"))
    regs = _section(out, "regs")
    for reg in ("ra", "sp", "gp", "a0", "t6", "pc"):
        assert re.search(rf"^{reg}\s+0x", regs, re.MULTILINE), regs
    assert re.search(r"^pc\s+0x[0-9a-f]+\s+0x[0-9a-f]+ <main>", regs, re.MULTILINE), regs
    mstatus = _value(_section(out, "mstatus"))
    sstatus = _value(_section(out, "sstatus"))
    assert (mstatus >> 32) & 3 == 2, f"mstatus.UXL should say 64-bit: {mstatus:#x}"
    assert sstatus & ~mstatus == 0, f"sstatus {sstatus:#x} is a view of mstatus {mstatus:#x}"
    assert _value(_section(out, "mhartid")) == 0
    assert "prv:3 [Machine]" in _section(out, "priv"), out
    step = _value(_section(out, "stepped")) - main_pc
    assert step in (2, 4), f"stepi moved the pc by {step}\n{out}"
    words = re.findall(r"0x[0-9a-f]{8}", _section(out, "mem").splitlines()[0].split(":", 1)[1])
    assert len(words) == 4, out
    assert "Hardware watchpoint 2: test_checks" in out, out
    assert re.search(r"Old value = 0\s+New value = 1", out), out
    assert _value(_section(out, "watch")) == 1
    assert "exited normally" in _section(out, "end"), out
    assert emu.wait() == 0, emu.report()
    assert "PASS arith" in emu.serial(), emu.report()


@needs_gdb
def test_riscv_hbreak_rwatch_awatch(tmp_path, emulators):
    port = _free_port()
    elf = _riscv_program("arith")
    emu = _start_riscv(tmp_path, emulators, "arith", port)
    out = _gdb_batch([
        f"file {elf}", f"target remote 127.0.0.1:{port}",
        "hbreak main", "continue", _mark("hbreak"), "p $pc",
        "delete", "rwatch test_failures", "continue", _mark("rwatch"), "p $pc",
        "delete", "awatch test_checks", "continue", _mark("awatch"),
        "delete", "info threads", _mark("threads"), "p $_thread", "kill", _mark("end"),
    ])
    assert re.search(r"Breakpoint 1, main", _section(out, "hbreak")) or \
        "Breakpoint 1, main" in out, out
    assert "Hardware read watchpoint 2: test_failures" in out, out
    assert re.search(r"Value = 0", out), out
    assert "Hardware access (read/write) watchpoint 3: test_checks" in out, out
    assert _value(_section(out, "threads")) == 1
    assert emu.wait() is not None


@needs_gdb
def test_riscv_smp_threads(tmp_path, emulators):
    """One thread per vCPU; registers are per thread."""
    port = _free_port()
    elf = _riscv_program("arith")
    emu = _start_riscv(tmp_path, emulators, "arith", port, extra=("-smp", "2"))
    out = _gdb_batch([
        f"file {elf}", f"target remote 127.0.0.1:{port}",
        "break main", "continue",
        _mark("threads"), "info threads",
        "thread 2", _mark("a0"), "p $a0", "thread 1",
        "delete", _mark("end"), "continue",
    ])
    threads = _section(out, "threads")
    assert re.search(r"^\*?\s*1\s+Thread 1", threads, re.MULTILINE), threads
    assert re.search(r"^\s*2\s+Thread 2", threads, re.MULTILINE), threads
    assert _value(_section(out, "a0")) == 1, "hart 1 starts with a0 = its hart id\n" + out
    assert "exited normally" in _section(out, "end"), out
    assert emu.wait() == 0, emu.report()


# ---- the riscv64 Linux guest under the translator ----


def _instructions(text):
    """(address, instruction) pairs from gdb's x/Ni output, without the '=>' marker."""
    return re.findall(r"^(?:=>)?\s*(0x[0-9a-f]+) <[^>]*>:\s*(.+?)\s*$", text, re.MULTILINE)


@needs_gdb
def test_riscv_linux_start_kernel_step_memory_watch_to_shell(tmp_path, emulators):
    _need_file(RISCV64, "mimic-system-riscv64")
    kernel, initrd = riscv_guest()
    vmlinux = _need_file(Path(kernel).with_name("vmlinux"), "scripts/build-riscv-guest.sh")
    start_kernel = _symbol(vmlinux, "start_kernel")
    port = _free_port()
    argv = [RISCV64, "-M", "virt", "-m", "512", "-smp", "2", "-display", "none", "-serial",
            f"file:{tmp_path / 'serial.txt'}", "-monitor", "none", "-S", "-gdb", f"tcp::{port}",
            "-kernel", kernel, "-initrd", initrd,
            "-append", 'console=ttyS0 mimic.cmd="echo ANSWER=$((6 * 7))"']
    emu = Emulator(argv, tmp_path)
    emulators.append(emu)
    # jiffies has no debug information in this kernel: watch it through a cast.
    out = _gdb_batch([
        f"file {vmlinux}", f"target remote 127.0.0.1:{port}",
        "break start_kernel", "continue",
        _mark("pc"), "p/x $pc",
        _mark("threads"), "info threads",
        _mark("satp"), "p/x $satp",
        _mark("sstatus"), "p/x $sstatus",
        _mark("mstatus"), "p/x $mstatus",
        _mark("priv"), "info registers priv",
        _mark("code"), "x/4i $pc",
        "stepi", _mark("stepped"), "p/x $pc",
        "delete", "watch *(long *)&jiffies", "continue",
        _mark("watched"), "p/x *(long *)&jiffies", _mark("watch_pc"), "p/x $pc",
        "delete", _mark("end"), "continue",
    ], timeout=TIMEOUT_S * 2)
    watch_pc = _value(_section(out, "watch_pc"))
    file_out = _gdb_batch([f"file {vmlinux}", "x/4i start_kernel", _mark("before_watch"),
                           f"x/i {watch_pc - 4:#x}", f"x/i {watch_pc - 2:#x}"])
    from_file = _instructions(file_out.split("@before_watch")[0])

    assert "Breakpoint 1, " in out and "in start_kernel ()" in out, out
    assert _value(_section(out, "pc")) == start_kernel, out
    assert re.search(r"^\s*2\s+Thread 2", _section(out, "threads"), re.MULTILINE), out
    satp = _value(_section(out, "satp"))
    assert satp >> 60 in (8, 9, 10), f"satp {satp:#x}: paging should be on (Sv39/48/57)"
    root = (satp & ((1 << 44) - 1)) << 12
    assert 0x80000000 <= root < 0x80000000 + 512 * 2**20, f"page table root {root:#x} not in RAM"
    sstatus = _value(_section(out, "sstatus"))
    mstatus = _value(_section(out, "mstatus"))
    assert (sstatus >> 32) & 3 == 2, f"sstatus.UXL should say 64-bit: {sstatus:#x}"
    assert sstatus & ~mstatus == 0, f"sstatus {sstatus:#x} is a view of mstatus {mstatus:#x}"
    assert "prv:1 [Supervisor]" in _section(out, "priv"), "the kernel runs in S-mode\n" + out
    # The code read through the MMU is the code in vmlinux.
    from_guest = _instructions(_section(out, "code"))
    assert len(from_file) == 4 and from_guest == from_file, f"{from_guest}\n{from_file}"
    assert _value(_section(out, "stepped")) == int(from_file[1][0], 16), out
    # The watchpoint stops at the timer tick's store; gdb then shows the next instruction.
    m = re.search(r"Hardware watchpoint 2: .*?Old value = (\d+)\s+New value = (\d+)", out,
                  re.DOTALL)
    assert m and int(m.group(2)) == int(m.group(1)) + 1, out
    assert _value(_section(out, "watched")) == int(m.group(2)), out
    # A 4-byte sd at pc-4 or a compressed one at pc-2: the store that changed jiffies.
    before = _instructions(_section(file_out, "before_watch"))
    assert any(insn.startswith("sd\t") for _, insn in before), \
        f"the watchpoint should stop right after the store: {before}\n{out}"
    assert "exited normally" in _section(out, "end"), out + emu.report()
    assert emu.wait() == 0, emu.report()
    assert "mimic guest: ready" in emu.serial() and "ANSWER=42" in emu.serial(), emu.report()


@needs_gdb
def test_riscv_linux_attach_interrupt_detach(tmp_path, emulators):
    """A debugger that attaches to a running Linux guest stops it; Ctrl-C stops it
    again after it ran on (jiffies moved); after detach the guest goes on to its end."""
    _need_file(RISCV64, "mimic-system-riscv64")
    kernel, initrd = riscv_guest()
    vmlinux = _need_file(Path(kernel).with_name("vmlinux"), "scripts/build-riscv-guest.sh")
    port = _free_port()
    argv = [RISCV64, "-M", "virt", "-m", "512", "-smp", "2", "-display", "none", "-serial",
            f"file:{tmp_path / 'serial.txt'}", "-monitor", "none", "-gdb", f"tcp::{port}",
            "-kernel", kernel, "-initrd", initrd,
            "-append", 'console=ttyS0 mimic.cmd="sleep 2; echo SLEPT"']
    emu = Emulator(argv, tmp_path)
    emulators.append(emu)
    deadline = time.monotonic() + TIMEOUT_S
    while "mimic guest: ready" not in emu.serial():
        assert time.monotonic() < deadline and emu.proc.poll() is None, emu.report()
        time.sleep(0.05)

    with GdbConsole(emu) as gdb:
        gdb.cmd(f"file {vmlinux}")
        out = gdb.cmd(f"target remote 127.0.0.1:{port}")
        assert re.search(r"0x[0-9a-f]+ in \S+ \(\)", out), out
        assert re.search(r"^\s*2\s+Thread 2", gdb.cmd("info threads"), re.MULTILINE)
        before = _value(gdb.cmd("p (long)jiffies"))
        gdb.run_then_interrupt(0.5)
        after = _value(gdb.cmd("p (long)jiffies"))
        assert after > before, f"jiffies did not move while the guest ran: {before} -> {after}"
        assert _value(gdb.cmd("p/x $satp")) >> 60 in (8, 9, 10)
        gdb.detach_and_quit()

    assert emu.wait() == 0, emu.report()
    assert "SLEPT" in emu.serial(), emu.report()


# ---- x86_64 under KVM ----


class GdbConsole:
    """gdb-multiarch on a pty, one command at a time ('continue &' and 'interrupt'
    need a live session). Use as a context manager: a timeout or an early end of
    gdb fails the test with gdb's transcript and the emulator's report."""

    def __init__(self, emu):
        self.pexpect = pytest.importorskip("pexpect")
        self.emu = emu
        self.transcript = []
        self.child = self.pexpect.spawn(GDB, ["-nx", "-q"], encoding="utf-8", timeout=TIMEOUT_S)
        self.child.logfile_read = _Collect(self.transcript)

    def __enter__(self):
        try:
            self.child.expect(r"\(gdb\) ")
        except (self.pexpect.TIMEOUT, self.pexpect.EOF) as e:
            self._fail(e)
        for setting in ("set pagination off", "set confirm off", "set style enabled off"):
            self.cmd(setting)
        return self

    def __exit__(self, kind, value, tb):
        self.child.close(force=True)
        if kind in (self.pexpect.TIMEOUT, self.pexpect.EOF):
            self._fail(value)

    def _fail(self, e):
        pytest.fail(f"gdb: {type(e).__name__}\n{''.join(self.transcript)}\n{self.emu.report()}")

    def cmd(self, line):
        self.child.sendline(line)
        self.child.expect(r"\(gdb\) ")
        return self.child.before

    def run_then_interrupt(self, seconds):
        """Let the guest run for a while, then stop it with Ctrl-C."""
        self.cmd("continue &")
        time.sleep(seconds)
        self.child.sendline("interrupt")
        self.child.expect(r"SIGINT.*in \S+ \(\)")  # the stop; the prompt came before it

    def detach_and_quit(self):
        out = self.cmd("detach")
        assert "Detaching" in out or "detached" in out.lower(), out
        self.child.sendline("quit")
        self.child.expect(self.pexpect.EOF)


@needs_gdb
@needs_kvm
def test_x86_kvm_break_step_interrupt_detach(tmp_path, emulators):
    _need_file(MIMIC_X86_64, "mimic-system-x86_64")
    elf = _need_file(HEARTBEAT, "x86 test programs")
    port = _free_port()
    argv = [MIMIC_X86_64, "-enable-kvm", "-display", "none", "-serial",
            f"file:{tmp_path / 'serial.txt'}", "-monitor", "none", "-S", "-gdb", f"tcp::{port}",
            "-kernel", elf, "-append", "period_ms=10"]
    emu = Emulator(argv, tmp_path)
    emulators.append(emu)

    with GdbConsole(emu) as gdb:
        # The program is an ELF32 wrapper around 64-bit code.
        gdb.cmd("set architecture i386:x86-64")
        gdb.cmd(f"file {elf}")
        gdb.cmd(f"target remote 127.0.0.1:{port}")
        gdb.cmd("break test_main")
        out = gdb.cmd("continue")
        assert "Breakpoint 1" in out and "test_main" in out, out
        pc = _value(gdb.cmd("p/x $pc"))
        assert _value(gdb.cmd("p/x &test_main")) == pc
        assert re.search(r"rip\s+0x[0-9a-f]+", gdb.cmd("info registers rip"))
        assert _value(gdb.cmd("p/x $cr0")) & 0x80000001 == 0x80000001  # paging, protected mode
        assert _value(gdb.cmd("p/x $efer")) & 0x500 == 0x500  # long mode active
        gdb.cmd("stepi")
        stepped = _value(gdb.cmd("p/x $pc"))
        assert 0 < stepped - pc <= 15, f"stepi: {pc:#x} -> {stepped:#x}"
        gdb.cmd("delete")

        counts = []
        for _ in range(2):
            gdb.run_then_interrupt(0.5)
            counts.append(_value(gdb.cmd("p (long)heartbeat_count")))
        assert counts[1] > counts[0], f"heartbeat_count did not move: {counts}"
        gdb.detach_and_quit()

    ticks = _last_tick(emu.serial())
    deadline = time.monotonic() + 10  # a loaded host may take a while to show a tick
    while _last_tick(emu.serial()) <= ticks and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _last_tick(emu.serial()) > ticks, "the guest stopped after detach\n" + emu.report()
    assert emu.proc.poll() is None, emu.report()


class _Collect:
    def __init__(self, into):
        self.into = into

    def write(self, s):
        self.into.append(s)

    def flush(self):
        pass


def _last_tick(serial):
    ticks = re.findall(r"^tick (\d+)", serial, re.MULTILINE)
    return int(ticks[-1]) if ticks else 0


# ---- the protocol with a raw socket ----


class RawGdb:
    """A minimal remote-protocol client that sends exactly what it is told."""

    def __init__(self, port, timeout=10):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.buf = b""
        self.acks = True

    @staticmethod
    def frame(body):
        data = body.encode() if isinstance(body, str) else body
        return b"$" + data + b"#%02x" % (sum(data) & 0xff)

    def send(self, raw):
        self.sock.sendall(raw)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError("the stub closed the connection")
        self.buf += chunk

    def read_byte(self):
        while not self.buf:
            self._fill()
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def read_packet(self):
        """The next packet's body, after checking its checksum (and acking it)."""
        while True:
            while b"$" not in self.buf:
                self._fill()
            self.buf = self.buf[self.buf.index(b"$"):]
            m = re.match(rb"\$([^#]*)#([0-9a-f]{2})", self.buf, re.DOTALL)
            if m:
                break
            self._fill()
        self.buf = self.buf[m.end():]
        body = m.group(1)
        assert int(m.group(2), 16) == sum(body) & 0xff, f"bad checksum from the stub: {m.group(0)}"
        if self.acks:
            self.send(b"+")
        return body.decode(errors="replace")

    def command(self, body):
        self.send(self.frame(body))
        if self.acks:
            assert self.read_byte() == b"+", f"no ack for {body!r}"
        return self.read_packet()

    def close(self):
        self.sock.close()


def test_raw_protocol_robustness(tmp_path, emulators):
    port = _free_port()
    emu = _start_riscv(tmp_path, emulators, "arith", port)
    main = _symbol(_riscv_program("arith"), "main")
    g = RawGdb(port)

    assert g.command("?").startswith("T05thread:1;")
    # A bad checksum is NAKed and not acted on.
    g.send(b"$?#00")
    assert g.read_byte() == b"-"
    # Garbage between packets is ignored; the next packet works.
    g.send(b"hello, world\x00\xff+++")
    assert g.command("qAttached") == "1"
    supported = g.command("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386")
    for feature in ("PacketSize=1000", "qXfer:features:read+", "vContSupported+",
                    "QStartNoAckMode+", "swbreak+", "hwbreak+"):
        assert feature in supported, supported
    # Longer than PacketSize: refused, and the stub stays in sync.
    g.send(b"$m" + b"0" * 20000 + b"#00")
    assert g.read_byte() == b"+"
    assert g.read_packet().startswith("E")
    assert g.command("qC") == "QC1"
    # Malformed arguments get an error, not a crash.
    for bad in ("mzz,4", "m80000000", "m1,", "M80000000,4:zz", "Z0,", "Z9,0,0", "Hq1", "Hg99",
                "T42", "p", "pfffff", "P1=", "G1", "vCont;x", "vCont;s:55", "qXfer:features:read:",
                "m" + "f" * 40 + ",1", "qThreadExtraInfo,zz", "c zz"):
        reply = g.command(bad)
        assert reply == "" or reply.startswith("E"), f"{bad!r} -> {reply!r}"
    # Unmapped memory is an error; a huge length is clamped to what fits.
    assert g.command("m4,4").startswith("E")
    data = g.command("m80000000,100000")
    assert 0 < len(data) <= 4096 and re.fullmatch("[0-9a-f]+", data), data[:80]
    # Run-length encoded input: "0*" + chr(29 + n) is n more zeros, so this is m80000000,4.
    assert g.command("m80" + "0*" + chr(29 + 5) + ",4") == data[:8]
    # Registers: 33 of 8 bytes in 'g'; the target description is served.
    assert len(g.command("g")) == 33 * 16
    xml, chunk = "", "m"
    while chunk.startswith("m"):
        chunk = g.command(f"qXfer:features:read:target.xml:{len(xml):x},ffff")
        assert chunk[:1] in ("m", "l") and len(chunk) > 1 or chunk == "l", chunk[:80]
        xml += chunk[1:]
    assert "org.gnu.gdb.riscv.csr" in xml and "sstatus" in xml and xml.endswith("</target>\n")
    # No-ack mode: acknowledged once, then no more '+'.
    assert g.command("QStartNoAckMode") == "OK"
    g.acks = False
    assert g.command("qfThreadInfo") == "m1"
    assert g.command("qsThreadInfo") == "l"
    # A breakpoint the debugger never removes, and then it vanishes mid-packet.
    assert g.command(f"Z0,{main:x},2") == "OK"
    g.send(b"$m8000")
    g.close()
    # The breakpoint went with it and the VM (started with -S) runs to its end.
    assert emu.wait() == 0, emu.report()
    assert "PASS arith" in emu.serial(), emu.report()


def test_raw_step_and_breakpoint_stop_replies(tmp_path, emulators):
    port = _free_port()
    emu = _start_riscv(tmp_path, emulators, "arith", port)
    main = _symbol(_riscv_program("arith"), "main")
    g = RawGdb(port)
    assert g.command(f"Z0,{main:x},2") == "OK"
    g.send(RawGdb.frame("c"))
    assert g.read_byte() == b"+"
    assert g.read_packet() == "T05thread:1;swbreak:;"
    assert g.command("p20") == "".join(f"{(main >> (8 * i)) & 0xff:02x}" for i in range(8))
    assert g.command(f"z0,{main:x},2") == "OK"
    assert g.command(f"z0,{main:x},2").startswith("E"), "removed twice"
    g.send(RawGdb.frame("vCont;s:1;c"))
    assert g.read_byte() == b"+"
    assert g.read_packet() == "T05thread:1;"
    pc = int.from_bytes(bytes.fromhex(g.command("p20")), "little")
    assert pc - main in (2, 4)
    # Detach: the guest runs to its end.
    assert g.command("D") == "OK"
    g.close()
    assert emu.wait() == 0, emu.report()


def _symbol(elf, name):
    nm = shutil.which("nm") or shutil.which("riscv64-linux-gnu-nm")
    if not nm:
        pytest.skip("nm (binutils) is not installed")
    out = subprocess.run([nm, elf], stdout=subprocess.PIPE, check=True).stdout.decode()
    m = re.search(rf"^([0-9a-f]+) \w {re.escape(name)}$", out, re.MULTILINE)
    assert m, f"{name} not in {elf}"
    return int(m.group(1), 16)
