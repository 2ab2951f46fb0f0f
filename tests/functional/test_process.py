"""Process control: -daemonize (the parent exits only once the VM is up, and
set-up errors still reach the terminal), -pidfile (holds the daemon's pid,
locked against a second instance, removed at exit)."""
import json
import os
import socket
import subprocess
import time

from mimic_env import HEARTBEAT, MIMIC_X86_64, X86_PROGRAMS, needs_kvm

MIMIC = MIMIC_X86_64
PROGRAMS = X86_PROGRAMS


def vm_args(sock, *extra):
    return [MIMIC, "-enable-kvm", "-m", "128", "-display", "none",
            "-qmp", f"unix:{sock},server=on,wait=off",
            "-kernel", HEARTBEAT, "-append", "period_ms=10", *extra]


def qmp_quit(sock):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    s.settimeout(10)
    f = s.makefile("rb")
    json.loads(f.readline())
    s.sendall(b'{"execute":"qmp_capabilities"}{"execute":"quit"}')
    replies = [json.loads(f.readline()) for _ in range(2)]
    assert replies == [{"return": {}}, {"return": {}}]
    s.close()


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive either.
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] != "Z"


def wait_gone(pid, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if not pid_alive(pid):
                return
        except FileNotFoundError:
            return
        time.sleep(0.05)
    raise AssertionError(f"process {pid} is still running")


@needs_kvm
def test_daemonize_and_pidfile_lifecycle(tmp_path):
    sock, pidfile = str(tmp_path / "q.sock"), tmp_path / "mimic.pid"
    r = subprocess.run(vm_args(sock, "-daemonize", "-pidfile", str(pidfile)),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    # The parent returned only once the VM was up: the pid file and socket exist now.
    pid = int(pidfile.read_text())
    assert pid != os.getpid() and pid_alive(pid)
    assert os.path.exists(sock)
    try:
        # A second instance with the same pid file fails, and says why.
        sock2 = str(tmp_path / "q2.sock")
        r2 = subprocess.run(vm_args(sock2, "-daemonize", "-pidfile", str(pidfile)),
                            capture_output=True, text=True, timeout=30)
        assert r2.returncode == 1
        assert "another instance" in r2.stderr and f"pid {pid}" in r2.stderr, r2.stderr
        assert int(pidfile.read_text()) == pid
        qmp_quit(sock)
        wait_gone(pid)
    finally:
        if pid_alive(pid):
            os.kill(pid, 9)
    assert not pidfile.exists()


@needs_kvm
def test_daemonize_setup_error_reaches_the_terminal(tmp_path):
    sock = str(tmp_path / "q.sock")
    # Found while the VM is built (after the fork): still reported here, status 1.
    r = subprocess.run(vm_args(sock, "-daemonize", "-m", "512X"),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "-m 512X" in r.stderr


def test_daemonize_with_bad_option_fails_in_the_foreground(tmp_path):
    r = subprocess.run([MIMIC, "-daemonize", "-no-such-option"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "unknown option" in r.stderr
    r = subprocess.run([MIMIC, "-daemonize", "-nographic", "-kernel", HEARTBEAT],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "-daemonize" in r.stderr
    r = subprocess.run([MIMIC, "-daemonize", "-serial", "stdio", "-kernel", HEARTBEAT],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "stdio" in r.stderr


@needs_kvm
def test_pidfile_in_the_foreground_and_a_stale_one_is_taken_over(tmp_path):
    sock, pidfile = str(tmp_path / "q.sock"), tmp_path / "mimic.pid"
    pidfile.write_text("999999\n")  # left by a killed instance: nobody holds its lock
    proc = subprocess.Popen(vm_args(sock, "-pidfile", str(pidfile)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 10
        while not os.path.exists(sock):
            assert time.time() < deadline and proc.poll() is None
            time.sleep(0.05)
        assert int(pidfile.read_text()) == proc.pid
        qmp_quit(sock)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert not pidfile.exists()


def test_pidfile_in_a_missing_directory_is_an_error(tmp_path):
    r = subprocess.run([MIMIC, "-pidfile", str(tmp_path / "no" / "such" / "x.pid"),
                        "-kernel", HEARTBEAT], capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "-pidfile" in r.stderr
