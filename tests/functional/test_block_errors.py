"""-drive werror=/rerror= and BLOCK_IO_ERROR on the riscv64 Linux guest.

Write errors: the disk is a sparse raw image on a small tmpfs (mounted in a mount
namespace of the emulator's own, next to a filler file), so the guest's writes fail
with ENOSPC once the tmpfs is full. The test sees the namespace's files through
/proc/PID/root: deleting the filler makes room again.

Read errors: a qcow2 image whose first data cluster's L2 entry is made unaligned,
which the qcow2 driver refuses with EIO on every read of that cluster."""
import os
import re
import struct
import subprocess
import time
from pathlib import Path

import pytest

from riscv_qmp_guest import paused_linux  # noqa: F401 (fixture)
from monitor_client import QMP
from test_riscv_linux import emulator, guest  # noqa: F401 (fixtures)

PATTERN = b"MIMIC-IO-ERROR\n"
WRITE_MIB = 1
# The guest writes WRITE_MIB of a pattern; the tmpfs has half a MiB left. It then
# idles, so the emulator (and the tmpfs only it keeps mounted) stays for the checks.
GUEST_CMD = (f"yes MIMIC-IO-ERROR | head -c {WRITE_MIB << 20} > /tmp/p; "
             "dd if=/tmp/p of=/dev/vda bs=64k conv=fsync; echo DD=$?; sleep 600")


def namespaces_usable():
    r = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                        "mount -t tmpfs -o size=64k none /mnt"], capture_output=True)
    return r.returncode == 0


needs_namespaces = pytest.mark.skipif(not namespaces_usable(),
                                      reason="cannot mount a tmpfs in a new mount namespace "
                                             "(needs root with CAP_SYS_ADMIN)")


SMALL_FS_SETUP = ("mount -t tmpfs -o size=4M mimic-small {dir} && "
                  "truncate -s 8M {dir}/disk.raw && "
                  "dd if=/dev/zero of={dir}/filler bs=64k count=56 2>/dev/null && "
                  'exec "$@"')


@pytest.fixture
def small_disk(paused_linux, tmp_path):
    """start(drive_opts): the guest writing to a raw disk on the nearly full tmpfs."""
    small = tmp_path / "small"
    small.mkdir()

    def start(drive_opts):
        prefix = ["unshare", "-m", "--propagation", "private", "sh", "-c",
                  SMALL_FS_SETUP.format(dir=small), "sh"]
        g = paused_linux(GUEST_CMD, ["-drive", f"file={small}/disk.raw,format=raw,if=virtio,"
                                               f"id=d0{drive_opts}"], prefix)
        # The shell execs the emulator: its pid sees the namespace's files.
        g.in_namespace = lambda name: f"/proc/{g.proc.pid}/root{small}/{name}"
        # Started paused, so that no event comes before this client listens.
        g.qmp.ok("cont")
        return g

    return start


def dd_status(g):
    """The exit status the guest's dd printed (DD=N; the command line shows DD=$?)."""
    return int(g.wait_console(r"DD=(\d+)").group(1))


def expected_event(action):
    return {"device": "d0", "node-name": "d0", "operation": "write", "action": action,
            "nospace": True, "reason": os.strerror(28)}


@needs_namespaces
@pytest.mark.parametrize("policy, dd_fails", [("report", True), ("ignore", False)])
def test_write_error_is_reported_or_ignored_with_an_event(small_disk, policy, dd_fails):
    g = small_disk(f",werror={policy}")
    ev = g.qmp.wait_event("BLOCK_IO_ERROR", timeout=60)
    assert ev["data"] == expected_event(policy)
    assert set(ev["timestamp"]) == {"seconds", "microseconds"}
    assert (dd_status(g) != 0) == dd_fails, g.console()[-2000:]
    # The VM kept running through the errors.
    assert g.qmp.ok("query-status")["status"] == "running"
    assert "STOP" not in [e["event"] for e in g.qmp.events]
    assert {b["device"]: b for b in g.qmp.ok("query-block")}["d0"]["io-status"] == "ok"


@needs_namespaces
@pytest.mark.parametrize("policy", ["stop", "enospc"])
def test_werror_stop_pauses_the_vm_and_cont_retries_the_request(small_disk, policy):
    """werror=stop, and the default werror=enospc on an ENOSPC, stop the VM in io-error;
    after room is made, cont issues the kept requests again and the guest's data lands."""
    g = small_disk("" if policy == "enospc" else ",werror=stop")
    ev = g.qmp.wait_event("BLOCK_IO_ERROR", timeout=60)
    assert ev["data"] == expected_event("stop")
    g.qmp.wait_event("STOP")
    status = g.qmp.ok("query-status")
    assert status["running"] is False and status["status"] == "io-error"
    d0 = {b["device"]: b for b in g.qmp.ok("query-block")}["d0"]
    assert d0["io-status"] == "nospace"
    hmp = g.qmp.ok("human-monitor-command", {"command-line": "info status"})
    assert hmp == "VM status: paused (io-error)\n"
    hmp = g.qmp.ok("human-monitor-command", {"command-line": "info block"})
    assert "    I/O status:       nospace\n" in hmp, hmp
    # Stopped means stopped: the guest makes no progress.
    before = g.console()
    time.sleep(0.5)
    assert g.console() == before and not re.search(r"DD=\d", before)

    os.unlink(g.in_namespace("filler"))
    g.qmp.ok("cont")
    g.qmp.wait_event("RESUME")
    assert dd_status(g) == 0, g.console()[-2000:]
    assert {b["device"]: b for b in g.qmp.ok("query-block")}["d0"]["io-status"] == "ok"
    with open(g.in_namespace("disk.raw"), "rb") as f:
        data = f.read(WRITE_MIB << 20)
    whole = PATTERN * ((WRITE_MIB << 20) // len(PATTERN) + 1)
    assert data == whole[:WRITE_MIB << 20]


@pytest.mark.parametrize("opts, message", [
    ("werror=bogus", "werror=bogus: expected report, ignore, enospc or stop"),
    ("rerror=enospc", "rerror=enospc: expected report, ignore or stop"),
])
def test_bad_error_policy_is_refused(emulator, tmp_path, opts, message):
    disk = tmp_path / "d.raw"
    disk.write_bytes(b"\0" * 4096)
    r = subprocess.run(emulator + ["-S", "-display", "none", "-drive",
                                   f"file={disk},format=raw,if=virtio,{opts}"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1 and message in r.stderr, r.stderr


def test_rerror_and_werror_are_accepted(emulator, tmp_path):
    disk = tmp_path / "d.raw"
    disk.write_bytes(b"\0" * 4096)
    sock = str(tmp_path / "q.sock")
    proc = subprocess.Popen(emulator + ["-S", "-display", "none", "-qmp",
                                        f"unix:{sock},server=on,wait=off", "-drive",
                                        f"file={disk},format=raw,if=virtio,id=d0,"
                                        "werror=stop,rerror=stop"],
                            stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        q = QMP(sock)
        assert {b["device"]: b for b in q.ok("query-block")}["d0"]["io-status"] == "ok"
        assert "BLOCK_IO_ERROR" in [e["name"] for e in q.ok("query-events")]
    finally:
        proc.kill()
        proc.wait(timeout=10)


def make_unreadable_qcow2(path):
    """An 8 MiB qcow2 image whose guest cluster 0 maps to an unaligned host offset."""
    build = Path(os.environ.get("MIMIC_BUILD", Path(__file__).resolve().parents[2] / "build"))
    subprocess.run([build / "tools" / "mimic-img", "create", "-f", "qcow2", path, "8M"],
                   check=True, capture_output=True)
    subprocess.run([build / "tools" / "mimic-io", "-c", "write -P 0xab 0 64k", path],
                   check=True, capture_output=True)
    offset_mask = 0x00fffffffffffe00
    with open(path, "r+b") as f:
        header = f.read(48)
        l1_offset = struct.unpack(">Q", header[40:48])[0]
        f.seek(l1_offset)
        l2_offset = struct.unpack(">Q", f.read(8))[0] & offset_mask
        f.seek(l2_offset)
        entry = struct.unpack(">Q", f.read(8))[0]
        assert entry & offset_mask, "cluster 0 is not allocated"
        f.seek(l2_offset)
        f.write(struct.pack(">Q", entry + 0x200))


@pytest.mark.parametrize("policy", ["report", "stop"])
def test_read_error_follows_rerror(paused_linux, tmp_path, policy):
    """rerror=report: the guest's read fails and BLOCK_IO_ERROR says so; rerror=stop:
    the VM stops, and cont issues the same read again, which fails and stops again."""
    disk = tmp_path / "bad.qcow2"
    make_unreadable_qcow2(disk)
    g = paused_linux("dd if=/dev/vda of=/dev/null bs=4k count=1; echo DD=$?; sleep 600",
                     ["-drive", f"file={disk},format=qcow2,if=virtio,id=d0,readonly=on,"
                                f"rerror={policy}"])
    q = g.qmp
    q.ok("cont")
    ev = q.wait_event("BLOCK_IO_ERROR", timeout=60)
    assert ev["data"] == {"device": "d0", "node-name": "d0", "operation": "read",
                          "action": policy, "nospace": False, "reason": os.strerror(5)}
    if policy == "report":
        assert dd_status(g) != 0
        assert q.ok("query-status")["status"] == "running"
        return
    q.wait_event("STOP")
    assert q.ok("query-status")["status"] == "io-error"
    assert {b["device"]: b for b in q.ok("query-block")}["d0"]["io-status"] == "failed"
    q.ok("cont")
    q.wait_event("RESUME")
    again = q.wait_event("BLOCK_IO_ERROR", timeout=30)
    assert again["data"]["action"] == "stop" and again["data"]["operation"] == "read"
    q.wait_event("STOP")
    assert q.ok("query-status")["status"] == "io-error"
