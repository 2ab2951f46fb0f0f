"""A guest's serial console: the emulator on a pty (pexpect), with one deadline for
the whole conversation and the transcript kept for failure messages. Shared by the
Linux guest tests of both targets."""
import time

import pexpect
import pytest


def tail(log, lines=25):
    return "\n".join(log.splitlines()[-lines:])


class Console:
    """The emulator on a pty, with one deadline for the whole conversation."""

    # A regex for a console line that says the emulator stopped the guest for a
    # reason that is no fault of the test (the test is then skipped with
    # stop_reason()); None where there is none.
    STOP_RE = None

    def __init__(self, argv, budget):
        self.argv = argv
        self.deadline = time.monotonic() + budget
        self.transcript = []
        self.child = pexpect.spawn(argv[0], argv[1:], encoding="utf-8",
                                   codec_errors="replace", timeout=budget)
        self.child.logfile_read = self

    # pexpect's logfile interface: keep the whole transcript for failure messages.
    def write(self, s):
        self.transcript.append(s)

    def flush(self):
        pass

    @property
    def log(self):
        return "".join(self.transcript)

    def stop_reason(self):
        """The skip reason when the transcript shows STOP_RE, else None."""
        return None

    def _left(self):
        return max(self.deadline - time.monotonic(), 1)

    def _expect(self, patterns, what):
        """Index of the first of patterns seen; skips the test when STOP_RE comes first."""
        stops = [self.STOP_RE] if self.STOP_RE else []
        try:
            i = self.child.expect(patterns + stops, timeout=self._left())
        except pexpect.TIMEOUT:
            pytest.fail(f"timed out waiting for {what}; console tail:\n{tail(self.log)}")
        if i == len(patterns):
            pytest.skip(self.stop_reason())
        return i

    def expect(self, pattern, what):
        if self._expect([pattern, pexpect.EOF], what) == 1:
            self.close()
            reason = self.stop_reason()
            if reason:
                pytest.skip(reason)
            pytest.fail(f"emulator exited (status {self.child.exitstatus}, signal "
                        f"{self.child.signalstatus}) while waiting for {what}; console tail:\n"
                        f"{tail(self.log)}")
        return self.child.match

    def run(self, command):
        self.child.sendline(command)

    def wait_exit(self, what):
        """Wait for the process to end; return (status, signal)."""
        self._expect([pexpect.EOF], what)
        self.close()
        return self.child.exitstatus, self.child.signalstatus

    def close(self):
        """After EOF: give the process time to exit by itself, so its status is its own."""
        end = time.monotonic() + 10
        while self.child.isalive() and time.monotonic() < end:
            time.sleep(0.05)
        self.child.close(force=True)

    def kill(self):
        self.child.close(force=True)
