"""query-block and query-blockstats (and HMP's info block / info blockstats)
against a KVM guest with drives: QEMU's JSON shapes, a qcow2 backing chain's
depth and image tree, read-only drives, and statistics that are counters."""
import shutil
import subprocess

import pytest

from test_qmp import Guest, needs_kvm

pytestmark = needs_kvm


def make_raw(path, size):
    with open(path, "wb") as f:
        f.truncate(size)
    return str(path)


@pytest.fixture
def block_guest(tmp_path):
    raw = make_raw(tmp_path / "a.raw", 4 << 20)
    ro = make_raw(tmp_path / "b.raw", 1 << 20)
    extra = ["-drive", f"file={raw},format=raw,if=none,id=d0",
             "-drive", f"file={ro},format=raw,if=none,id=d1,readonly=on"]
    overlay = None
    if shutil.which("qemu-img"):
        base = tmp_path / "base.qcow2"
        overlay = tmp_path / "top.qcow2"
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", str(base), "8M"], check=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", str(base), "-F", "qcow2",
                        str(overlay)], check=True)
        extra += ["-drive", f"file={overlay},format=qcow2,if=none,id=d2"]
    g = Guest(tmp_path, extra=extra)
    g.overlay = overlay
    g.raw = raw
    yield g
    g.close()


def test_query_block_lists_drives_in_qemus_shape(block_guest):
    q = block_guest.client()
    block_guest.wait_ticks(2)
    info = {b["device"]: b for b in q.ok("query-block")}
    d0 = info["d0"]
    assert d0["removable"] is False and d0["locked"] is False
    assert d0["io-status"] == "ok"
    ins = d0["inserted"]
    assert ins["file"] == block_guest.raw
    assert ins["drv"] == "raw"
    assert ins["ro"] is False
    assert ins["backing_file_depth"] == 0
    assert ins["cache"]["writeback"] is True
    assert ins["image"]["filename"] == block_guest.raw
    assert ins["image"]["format"] == "raw"
    assert ins["image"]["virtual-size"] == 4 << 20
    assert "backing-image" not in ins["image"]
    assert info["d1"]["inserted"]["ro"] is True
    assert info["d1"]["inserted"]["image"]["virtual-size"] == 1 << 20
    # No device took the if=none drives.
    assert "qdev" not in d0


def test_query_block_shows_a_qcow2_backing_chain(block_guest):
    if block_guest.overlay is None:
        pytest.skip("qemu-img is not installed")
    q = block_guest.client()
    info = {b["device"]: b for b in q.ok("query-block")}
    ins = info["d2"]["inserted"]
    assert ins["drv"] == "qcow2"
    assert ins["backing_file_depth"] == 1
    assert ins["backing_file"].endswith("base.qcow2")
    image = ins["image"]
    assert image["format"] == "qcow2"
    assert image["virtual-size"] == 8 << 20
    assert image["cluster-size"] == 65536
    assert image["backing-filename"].endswith("base.qcow2")
    assert image["backing-filename-format"] == "qcow2"
    assert image["backing-image"]["format"] == "qcow2"
    assert "backing-image" not in image["backing-image"]


def test_query_blockstats_counts_per_drive(block_guest):
    q = block_guest.client()
    stats = {s["device"]: s for s in q.ok("query-blockstats")}
    assert set(stats) >= {"d0", "d1"}
    st = stats["d0"]["stats"]
    for key in ("rd_bytes", "wr_bytes", "rd_operations", "wr_operations", "flush_operations",
                "unmap_operations"):
        assert isinstance(st[key], int) and st[key] >= 0, key
    assert st["account_invalid"] is False


def test_query_block_takes_no_arguments(block_guest):
    q = block_guest.client()
    q.error("query-block", {"device": "d0"})
    assert {"name": "query-block"} in q.ok("query-commands")
    assert {"name": "query-blockstats"} in q.ok("query-commands")


def test_hmp_info_block_and_blockstats(block_guest):
    q = block_guest.client()
    text = q.ok("human-monitor-command", {"command-line": "info block"})
    assert f"d0 (d0): {block_guest.raw} (raw)" in text
    assert "d1 (d1):" in text and "(raw, read-only)" in text
    assert "Cache mode:       writeback" in text
    if block_guest.overlay is not None:
        assert "Backing file:" in text and "(chain depth: 1)" in text
    stats = q.ok("human-monitor-command", {"command-line": "info blockstats"})
    line = next(l for l in stats.splitlines() if l.startswith("d0:"))
    assert "rd_bytes=" in line and "wr_operations=" in line and "flush_operations=" in line
