"""The riscv64 Linux test guest (test_riscv_linux.py's emulator and guest fixtures)
started paused with a QMP client attached, its console in a file, and one command
to run (mimic.cmd=): for tests that watch the monitor while Linux works."""
import re
import subprocess
import time

import pytest

from monitor_client import QMP


class PausedLinux:
    """argv_prefix runs before the emulator (e.g. unshare ... sh -c '...; exec "$@"' sh)."""

    def __init__(self, emulator, guest, tmp_path, command, extra=(), argv_prefix=()):
        kernel, initrd = guest
        self.log = tmp_path / "serial.log"
        sock = str(tmp_path / "qmp.sock")
        argv = list(argv_prefix) + emulator + [
            "-S", "-smp", "1", "-m", "256", "-display", "none",
            "-serial", f"file:{self.log}", "-qmp", f"unix:{sock},server=on,wait=off",
            "-kernel", kernel, "-initrd", initrd,
            "-append", f'console=ttyS0 mimic.cmd="{command}"', *extra]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        try:
            self.qmp = QMP(sock, timeout=60)
        except OSError:
            self.close()
            raise AssertionError(self.proc.communicate()[1].decode())

    def console(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def wait_console(self, pattern, timeout=60):
        """The first match of pattern on the console. The kernel prints its command line,
        so a pattern must match only what the command prints, not the command."""
        deadline = time.time() + timeout
        while not (m := re.search(pattern, self.console())):
            assert self.proc.poll() is None, self.proc.stderr.read().decode()
            assert time.time() < deadline, f"no {pattern!r}; console:\n{self.console()[-2000:]}"
            time.sleep(0.1)
        return m

    def close(self):
        if getattr(self, "qmp", None):
            self.qmp.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def paused_linux(emulator, guest, tmp_path):
    """start(command, extra=(), argv_prefix=()) -> PausedLinux, closed at the end."""
    started = []

    def start(command, extra=(), argv_prefix=()):
        g = PausedLinux(emulator, guest, tmp_path, command, extra, argv_prefix)
        started.append(g)
        return g

    yield start
    for g in started:
        g.close()
