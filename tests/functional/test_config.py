"""-writeconfig and -readconfig on the riscv64 virt machine: a machine written to a
config file and read back is the same machine (device tree, drives, CPUs, name,
chardevs) and boots Linux from it; the file is in QEMU's format (Debian's
qemu-system-riscv64 reads it); malformed files are refused naming file and line."""
import json
import os
import re
import select
import signal
import subprocess
import time

import pytest

from monitor_client import QMP
from test_riscv_linux import emulator, guest  # noqa: F401 (fixtures)

DISK_TEXT = b"CFGDISK!"


def start(emulator, tmp_path, name, args):
    """The emulator, paused, with a QMP socket of its own; returns (process, QMP)."""
    sock = str(tmp_path / f"{name}.qmp")
    proc = subprocess.Popen(emulator + ["-S", "-display", "none", "-qmp",
                                        f"unix:{sock},server=on,wait=off"] + args,
                            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        return proc, QMP(sock)
    except OSError:
        proc.kill()
        raise AssertionError(proc.communicate()[1].decode())


def machine_facts(q):
    """What must agree between two runs of the same machine."""
    # snapshot=on overlays are temporary files with a new name each run.
    blocks = json.dumps(sorted(q.ok("query-block"), key=lambda b: b["device"]))
    return {
        "qtree": q.ok("human-monitor-command", {"command-line": "info qtree"}),
        "block": json.loads(re.sub(r"mimic-snapshot-\w+", "OVERLAY", blocks)),
        "cpus": len(q.ok("query-cpus-fast")),
        "name": q.ok("query-name"),
        "chardevs": sorted(c["label"] for c in q.ok("query-chardev")),
        "mtree": q.ok("human-monitor-command", {"command-line": "info mtree"}),
    }


def quit_machine(proc, q):
    q.ok("quit")
    q.close()
    proc.wait(timeout=10)


def parse_config(text):
    """[(section, id, {key: value})] from QEMU's config format (values without escapes)."""
    sections = []
    for line in text.splitlines():
        m = re.match(r'\[(\S+)(?: "([^"]*)")?\]$', line.strip())
        if m:
            sections.append((m.group(1), m.group(2), {}))
            continue
        m = re.match(r'\s+(\S+) = "(.*)"$', line)
        if m:
            sections[-1][2][m.group(1)] = m.group(2)
    return sections


@pytest.fixture
def disk(tmp_path):
    path = tmp_path / "disk.raw"
    with open(path, "wb") as f:
        f.write(DISK_TEXT)
        f.truncate(4 << 20)
    return path


def machine_args(guest, tmp_path):
    kernel, initrd = guest
    hmp_sock = tmp_path / "hmp.sock"
    return ["-M", "virt", "-m", "256", "-smp", "2", "-name", "cfg-guest",
            "-kernel", kernel, "-initrd", initrd,
            "-append", 'console=ttyS0 mimic.cmd="od -An -c -N8 /dev/vda"',
            "-drive", "file=disk.raw,format=raw,if=none,id=d0,readonly=on",
            "-device", "virtio-blk-device,drive=d0,id=vblk0,serial=a,,b",
            "-drive", "file=disk.raw,format=raw,if=none,id=d1,snapshot=on",
            "-device", "virtio-rng-device,id=rng0,bus=virtio-mmio-bus.1",
            "-chardev", f"socket,id=hmp0,path={hmp_sock},server=on,wait=off",
            "-mon", "chardev=hmp0,mode=readline"]


def test_writeconfig_then_readconfig_rebuilds_and_boots_the_same_machine(emulator, guest,
                                                                           tmp_path, disk):
    cfg = tmp_path / "vm.cfg"
    # -serial is no config group: both runs name it on the command line.
    proc, q = start(emulator, tmp_path, "a", machine_args(guest, tmp_path) +
                    ["-writeconfig", str(cfg), "-serial", "null"])
    first = machine_facts(q)
    quit_machine(proc, q)
    assert "vblk0" in first["qtree"] and "d0" in [b["device"] for b in first["block"]]

    log = tmp_path / "serial.log"
    proc, q = start(emulator, tmp_path, "b", ["-readconfig", str(cfg), "-serial",
                                              f"file:{log}"])
    try:
        second = machine_facts(q)
        assert second == first
        assert second["name"] == {"name": "cfg-guest"}
        assert "hmp0" in second["chardevs"]
        # The kernel, initrd and command line came from the file too: Linux boots and
        # reads the disk through the device the file describes.
        q.ok("cont")
        deadline = time.time() + 60
        while "command exit" not in log.read_text(errors="replace"):
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.time() < deadline, log.read_text(errors="replace")[-2000:]
            time.sleep(0.2)
        out = log.read_text(errors="replace")
        assert "C   F   G   D   I   S   K   !" in out, out[-2000:]
        assert "mimic guest: command exit 0" in out
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_writeconfig_to_stdout_in_qemus_sections(emulator, guest, tmp_path, disk):
    proc = subprocess.Popen(emulator + ["-S", "-display", "none", "-writeconfig", "-"] +
                            machine_args(guest, tmp_path),
                            cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # The config goes out (and is flushed) at startup; stop the VM only once it has.
    select.select([proc.stdout], [], [], 30)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    sections = parse_config(out)
    by_name = {(s, i): keys for s, i, keys in sections}
    kernel, initrd = guest
    assert by_name[("machine", None)] == {
        "type": "virt", "kernel": kernel, "initrd": initrd,
        "append": 'console=ttyS0 mimic.cmd=\\"od -An -c -N8 /dev/vda\\"'}, out
    assert by_name[("memory", None)] == {"size": "256"}
    assert by_name[("smp-opts", None)] == {"cpus": "2"}
    assert by_name[("name", None)] == {"guest": "cfg-guest"}
    assert by_name[("drive", "d0")] == {"file": "disk.raw", "format": "raw", "if": "none",
                                        "readonly": "on"}
    assert by_name[("device", "vblk0")] == {"driver": "virtio-blk-device", "drive": "d0",
                                            "serial": "a,b"}
    assert by_name[("chardev", "hmp0")]["backend"] == "socket"
    assert by_name[("mon", None)] == {"chardev": "hmp0", "mode": "readline"}
    # Command-line order is kept.
    assert [s for s, _, _ in sections][:4] == ["machine", "memory", "smp-opts", "name"]


def test_hda_is_written_as_the_drive_it_stands_for(emulator, tmp_path, disk):
    r = subprocess.run(emulator + ["-display", "none", "-hda", "disk.raw", "-writeconfig", "-",
                                   "-initrd", "needs-a-kernel"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=20)
    # The config is written once the command line is read, before the VM is built.
    assert r.returncode == 1 and "-initrd needs -kernel" in r.stderr, r.stderr
    drives = [s for s in parse_config(r.stdout) if s[0] == "drive"]
    assert drives == [("drive", None, {"file": "disk.raw", "index": "0", "media": "disk"})], \
        r.stdout


def test_qemu_reads_the_written_config(emulator, guest, tmp_path, disk):
    qemu = "/usr/bin/qemu-system-riscv64"
    if not os.access(qemu, os.X_OK):
        pytest.skip("Debian's qemu-system-riscv64 is not installed")
    cfg = tmp_path / "vm.cfg"
    proc, q = start(emulator, tmp_path, "a", machine_args(guest, tmp_path) +
                    ["-writeconfig", str(cfg)])
    quit_machine(proc, q)
    sock = str(tmp_path / "qemu.qmp")
    proc = subprocess.Popen([qemu, "-readconfig", str(cfg), "-S", "-display", "none",
                             "-qmp", f"unix:{sock},server=on,wait=off"],
                            cwd=tmp_path, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        q = QMP(sock)
        blocks = {b["device"]: b for b in q.ok("query-block")}
        assert blocks["d0"]["inserted"]["file"] == "disk.raw"
        assert blocks["d0"]["inserted"]["ro"] is True
        assert blocks["d0"]["qdev"] == "vblk0"
        assert q.ok("query-name") == {"name": "cfg-guest"}
        assert len(q.ok("query-cpus-fast")) == 2
        q.close()
    finally:
        proc.kill()
        proc.wait(timeout=10)


@pytest.mark.parametrize("text, line, message", [
    ('[drive "d0"\n  file = "x"\n', 1, "bad section header"),
    ('# comment\n\n[nosuchgroup]\n', 3, "unknown group 'nosuchgroup'"),
    ('[drive]\n  file = "x\n', 2, "no closing quote"),
    ('[drive]\n  file = x\n', 2, "must be in double quotes"),
    ('[drive]\n  file "x"\n', 2, 'expected key = "value"'),
    ('  file = "x"\n', 1, "outside any section"),
    ('[machine "m0"]\n  type = "virt"\n', 1, "takes no id"),
    ('[drive "d0" ]\n  file = "x" trailing\n', 2, "text after the closing quote"),
    ('[drive "d0]\n', 1, "id has no closing quote"),
])
def test_malformed_config_names_file_and_line(emulator, tmp_path, text, line, message):
    cfg = tmp_path / "bad.cfg"
    cfg.write_text(text)
    r = subprocess.run(emulator + ["-S", "-display", "none", "-readconfig", str(cfg)],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, r.stderr
    assert f"{cfg}:{line}: " in r.stderr and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "Assertion" not in r.stderr


def test_bad_option_in_config_and_missing_file(emulator, tmp_path):
    cfg = tmp_path / "bad.cfg"
    cfg.write_text('[memory]\n  size = "12Q"\n')
    r = subprocess.run(emulator + ["-S", "-display", "none", "-readconfig", str(cfg)],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1 and "-m 12Q" in r.stderr, r.stderr
    r = subprocess.run(emulator + ["-readconfig", str(tmp_path / "none.cfg")],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1 and "none.cfg" in r.stderr, r.stderr
