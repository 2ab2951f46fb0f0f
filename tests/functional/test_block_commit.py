"""HMP commit on a running riscv64 Linux guest: what the guest wrote to a
-snapshot overlay, or to a qcow2 image over a backing file, lands in the
backing file when the monitor says commit, and not before; the committed top
is emptied; unknown devices are refused."""
import os

import pytest

from img_tools import mimg, mio
from monitor_client import HMP
from test_riscv_linux import console, emulator, guest, guest_argv  # noqa: F401 (fixtures)

MARK = b"MIMICCOMMIT"


def read_at(path, offset, n):
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(n)


@pytest.mark.parametrize("layout", ["snapshot", "backing"])
def test_hmp_commit_writes_guest_data_into_backing_file(emulator, guest, console, tmp_path,
                                                         layout):
    if os.environ.get("MIMIC_ORACLE") == "qemu":
        pytest.skip("checks mimic's image tools too")
    base = str(tmp_path / "base.raw")
    mimg("create", "-q", "-f", "raw", base, "8M")
    mio("-f", "raw", "-c", "write -P 0x11 0 8M", base)
    if layout == "snapshot":
        drive = f"file={base},format=raw,if=virtio,snapshot=on"
    else:
        top = str(tmp_path / "top.qcow2")
        mimg("create", "-q", "-f", "qcow2", "-b", base, "-F", "raw", top)
        drive = f"file={top},format=qcow2,if=virtio"
    sock = str(tmp_path / "mon.sock")
    cmd = (f"printf {MARK.decode()} | dd of=/dev/vda bs=512 seek=8 conv=fsync 2>/dev/null; "
           "echo WRITTEN-$((40+2)); sleep 60")
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{cmd}"') +
                ["-drive", drive, "-monitor", f"unix:{sock},server=on,wait=off"])
    c.expect("WRITTEN-42", "the guest's write")
    assert read_at(base, 4096, len(MARK)) == b"\x11" * len(MARK), "written before the commit"
    mon = HMP(sock)
    assert "Device 'nosuch' not found" in mon.cmd("commit nosuch")
    out = mon.cmd("commit virtio0")
    assert out.strip() == "", out
    assert read_at(base, 4096, len(MARK)) == MARK
    assert read_at(base, 4096 + len(MARK), 16) == b"\x11" * 16
    mon.cmd("quit")
    c.wait_exit("quit")
    if layout == "backing":
        r = mimg("map", "--output=json", top)
        assert '"depth": 0' not in r.stdout, r.stdout   # nothing left in the top
        assert mimg("check", top).returncode == 0
