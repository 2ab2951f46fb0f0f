"""The HMP monitor against a running KVM guest (tests/x86/heartbeat.elf, which
prints a tick every few milliseconds and keeps a counter in memory): status,
registers, stop/cont really pausing the guest, memory dumps, reset, quit, and
the -nographic console multiplexer's Ctrl-A escapes."""
import re
import subprocess
import threading
import time

import pexpect
import pytest

from mimic_env import HEARTBEAT, MIMIC_X86_64, X86_PROGRAMS, needs_kvm
from monitor_client import HMP

MIMIC = MIMIC_X86_64
PROGRAMS = X86_PROGRAMS


pytestmark = needs_kvm


class Guest:
    """mimic running heartbeat.elf, serial on a pipe, HMP on a unix socket."""

    def __init__(self, tmp_path, extra=()):
        self.sock_path = str(tmp_path / "mon.sock")
        self.proc = subprocess.Popen(
            [MIMIC, "-enable-kvm", "-m", "128", "-display", "none", "-serial", "stdio",
             "-monitor", f"unix:{self.sock_path},server=on,wait=off",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
             "-kernel", HEARTBEAT, "-append", "period_ms=5", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out = b""
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.mon = None

    def _read(self):
        for chunk in iter(lambda: self.proc.stdout.read1(4096), b""):
            with self.lock:
                self.out += chunk

    def serial(self):
        with self.lock:
            return self.out.decode(errors="replace")

    def wait_serial(self, pattern, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            m = re.search(pattern, self.serial())
            if m:
                return m
            time.sleep(0.02)
        raise AssertionError(f"no {pattern!r} on the serial console:\n{self.serial()[-2000:]}")

    def ticks(self):
        found = re.findall(r"tick (\d+)", self.serial())
        return int(found[-1]) if found else 0

    def connect(self):
        self.mon = HMP(self.sock_path)

    def hmp(self, line):
        return self.mon.cmd(line)

    def close(self):
        if self.mon:
            self.mon.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def guest(tmp_path):
    g = Guest(tmp_path)
    try:
        g.wait_serial(r"counter at 0x[0-9a-f]+")
        g.wait_serial(r"tick 3\b")
        g.connect()
        yield g
    finally:
        g.close()


def counter_value(guest, addr):
    out = guest.hmp(f"xp /1gx {addr}")
    m = re.search(r"0x([0-9a-f]+)\s*$", out.strip())
    assert m, out
    return int(m.group(1), 16)


def test_info_status_and_version(guest):
    assert "VM status: running" in guest.hmp("info status")
    assert re.match(r"\d+\.\d+\.\d+", guest.hmp("info version").strip())


def test_info_registers_shows_guest_rip(guest):
    out = guest.hmp("info registers")
    m = re.search(r"RIP=([0-9a-f]{16})", out)
    assert m, out
    rip = int(m.group(1), 16)
    # heartbeat is linked at 1 MiB and is small.
    assert 0x100000 <= rip < 0x200000, out


def test_stop_really_pauses_and_cont_resumes(guest):
    addr = guest.wait_serial(r"counter at (0x[0-9a-f]+)").group(1)
    guest.hmp("stop")
    assert "paused" in guest.hmp("info status")
    frozen = counter_value(guest, addr)
    ticks_at_stop = guest.ticks()
    time.sleep(0.3)
    assert counter_value(guest, addr) == frozen
    assert guest.ticks() <= ticks_at_stop + 1  # at most one line in flight
    guest.hmp("cont")
    assert "VM status: running" in guest.hmp("info status")
    time.sleep(0.3)
    assert counter_value(guest, addr) > frozen + 5


def test_info_tables(guest):
    assert "isa-debug-exit" in guest.hmp("info qtree")
    mtree = guest.hmp("info mtree")
    assert "pc.ram" in mtree and "ram-below-4g" in mtree
    assert "Host bridge" in guest.hmp("info pci")
    assert "kvm support: enabled" in guest.hmp("info kvm")
    assert "CPU #0" in guest.hmp("info cpus")


def test_bad_command_is_an_error_not_a_crash(guest):
    assert "unknown command" in guest.hmp("frobnicate now")
    assert "invalid format" in guest.hmp("xp /4zz 0")
    assert "VM status: running" in guest.hmp("info status")


def test_system_reset_reboots_the_guest(guest):
    before = guest.serial().count("counter at")
    guest.hmp("system_reset")
    deadline = time.time() + 10
    while guest.serial().count("counter at") <= before:
        assert time.time() < deadline, guest.serial()[-500:]
        time.sleep(0.05)


def test_quit_ends_the_process(guest):
    guest.mon.sock.sendall(b"quit\r")
    assert guest.proc.wait(timeout=10) == 0


def test_nographic_mux_switches_to_monitor_and_back():
    child = pexpect.spawn(MIMIC, ["-enable-kvm", "-m", "128", "-nographic",
                                  "-kernel", HEARTBEAT, "-append", "period_ms=50"],
                          timeout=15, encoding="utf-8", codec_errors="replace")
    try:
        child.expect(r"tick \d+")
        child.send("\x01c")
        child.expect_exact("(mimic) ")
        child.send("info status\r")
        child.expect("VM status: running")
        child.expect_exact("(mimic) ")
        child.send("\x01c")
        child.expect(r"tick \d+")
        child.send("\x01x")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, (child.exitstatus, child.signalstatus)


def test_dirty_log_under_kvm_sees_the_guest_counter(guest):
    """KVM's dirty log (KVM_MEM_LOG_DIRTY_PAGES, KVM_GET_DIRTY_LOG) reaches info dirty: the
    page of heartbeat's counter is dirty each time, and a quiet guest dirties few pages."""
    addr = int(guest.wait_serial(r"counter at (0x[0-9a-f]+)").group(1), 16)
    counter_page = addr & ~0xfff
    assert "dirty logging is off" in guest.hmp("info dirty")
    guest.hmp("dirty_log on")
    for _ in range(2):  # the second look sees only what was written after the first
        start = guest.ticks()
        while guest.ticks() < start + 2:
            time.sleep(0.01)
        out = guest.hmp("info dirty")
        runs = [(int(a, 16), int(b, 16))
                for a, b in re.findall(r"0x([0-9a-f]+)-0x([0-9a-f]+) \(", out)]
        assert any(a <= counter_page <= b for a, b in runs), out
        total = int(re.match(r"(\d+) dirty page", out).group(1))
        assert 0 < total < 64, out  # 128 MiB of RAM, a few pages written
    guest.hmp("dirty_log off")
    assert "dirty logging is off" in guest.hmp("info dirty")
