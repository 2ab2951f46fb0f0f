"""PCI Express, virtio-pci and native PCIe hotplug, with a riscv64 Linux guest on the virt
machine (and the pc machine's PCI devices through the monitor, under KVM).

- The device tree's PCIe host node is QEMU's, property for property (compared with Debian's
  qemu-system-riscv64 -machine dumpdtb when it is installed).
- Linux enumerates the ECAM host, a pcie-root-port and virtio-pci devices on the root bus
  and behind the port; it reads a raw image the test wrote with a known pattern through
  virtio-blk-pci, writes a sector the test then finds in the image, and reads /dev/hwrng
  from virtio-rng-pci.
- Hotplug: device_add (QMP, then HMP) of a virtio-blk-pci behind the root port makes a disk
  appear in the running guest (pciehp), which reads it; device_del asks the guest through
  the attention button, the guest powers the slot off, DEVICE_DELETED follows and the guest
  no longer sees the device.

The guest and its conventions come from scripts/build-riscv-guest.sh (see
tests/functional/test_riscv_linux.py).

Environment:
  MIMIC_SYSTEM_RISCV64 / MIMIC_SYSTEM_X86_64  emulators to test (default <repo>/build/...)
  MIMIC_ORACLE=qemu   run the guest tests on Debian's QEMU instead, to check the tests.
                      QEMU's root port shares its INTx with the device behind it, and Linux
                      hangs removing that device from pciehp's interrupt thread, so the
                      hotplug test skips there (see hw/pci/pcie-root-port.c).
  MIMIC_BOOT_TIMEOUT  seconds for one boot (default 60)
"""

import hashlib
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pexpect
import pytest

import test_riscv_linux
from mimic_env import HEARTBEAT, MIMIC_X86_64, needs_kvm
from monitor_client import HMP, QMP
from test_riscv_linux import emulator, guest, guest_argv, tail  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT = int(os.environ.get("MIMIC_BOOT_TIMEOUT", "60"))
ORACLE = os.environ.get("MIMIC_ORACLE") == "qemu"
PROMPT = r"mimic:[^\r\n]*# "
MIMIC_RISCV64 = os.environ.get("MIMIC_SYSTEM_RISCV64", str(REPO / "build" / "mimic-system-riscv64"))
IMG_SIZE = 4 * 1024 * 1024
# Seconds from device_del to DEVICE_DELETED: Linux waits 5 s after the attention button
# (a second press cancels) and 1 s after powering the slot off.
UNPLUG_TIMEOUT = 40
# On pcie.0 QEMU's virtio devices are transitional unless told otherwise; mimic's are modern.
MODERN = ",disable-legacy=on" if ORACLE else ""


def pattern_image(path, tag):
    """A raw image: tag in the first 8 bytes, then a byte pattern; returns its first sector."""
    data = bytearray((i * 7 + 3) & 0xff for i in range(IMG_SIZE))
    data[0:8] = tag
    path.write_bytes(bytes(data))
    return bytes(data[:512])


# ---- the device tree, without dtc ----

def fdt_node_props(blob, path):
    """The properties of the node at path (e.g. "/soc/pci@30000000") of a flattened tree."""
    magic, _, off_struct, off_strings = struct.unpack_from(">IIII", blob, 0)
    assert magic == 0xD00DFEED, "not a flattened device tree"
    want = [p for p in path.split("/") if p]
    stack, props, pos = [], {}, off_struct
    while True:
        (token,) = struct.unpack_from(">I", blob, pos)
        pos += 4
        if token == 1:  # FDT_BEGIN_NODE
            end = blob.index(b"\0", pos)
            stack.append(blob[pos:end].decode())
            pos = (end + 4) & ~3
        elif token == 2:  # FDT_END_NODE
            stack.pop()
        elif token == 3:  # FDT_PROP
            length, nameoff = struct.unpack_from(">II", blob, pos)
            pos += 8
            if stack[1:] == want:
                name = blob[off_strings + nameoff:blob.index(b"\0", off_strings + nameoff)]
                props[name.decode()] = blob[pos:pos + length]
            pos = (pos + length + 3) & ~3
        elif token == 4:  # FDT_NOP
            pass
        elif token == 9:  # FDT_END
            return props
        else:
            raise AssertionError(f"bad FDT token {token}")


def cells(value):
    return list(struct.unpack(f">{len(value) // 4}I", value))


def dumpdtb(argv, out):
    r = subprocess.run(argv + ["-machine", f"virt,dumpdtb={out}"], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and out.exists(), r.stdout + r.stderr
    return out.read_bytes()


def pci_node(blob):
    props = fdt_node_props(blob, "/soc/pci@30000000")
    assert props, "no /soc/pci@30000000 node"
    return props


@pytest.mark.parametrize("mem_mib,high_base", [(512, 0x400000000), (17 * 1024, 0x800000000)])
def test_dumpdtb_pcie_host_node(tmp_path, mem_mib, high_base):
    """The PCIe host node of QEMU's riscv virt machine: ECAM window, I/O / 32-bit / 64-bit
    ranges (the 64-bit window at the first 16 GiB boundary above RAM), INTA-D of slots 0-3
    swizzled onto PLIC sources 32-35."""
    if not os.access(MIMIC_RISCV64, os.X_OK):
        pytest.fail(f"{MIMIC_RISCV64} not found (build mimic, or set MIMIC_SYSTEM_RISCV64)")
    blob = dumpdtb([MIMIC_RISCV64, "-m", str(mem_mib), "-display", "none"], tmp_path / "m.dtb")
    p = pci_node(blob)
    assert p["compatible"] == b"pci-host-ecam-generic\0"
    assert p["device_type"] == b"pci\0"
    assert cells(p["reg"]) == [0, 0x30000000, 0, 0x10000000]
    assert cells(p["bus-range"]) == [0, 255]
    assert cells(p["linux,pci-domain"]) == [0]
    assert p["dma-coherent"] == b""
    assert cells(p["#address-cells"]) == [3] and cells(p["#size-cells"]) == [2]
    assert cells(p["#interrupt-cells"]) == [1]
    assert cells(p["ranges"]) == [
        0x01000000, 0, 0, 0, 0x03000000, 0, 0x10000,
        0x02000000, 0, 0x40000000, 0, 0x40000000, 0, 0x40000000,
        0x03000000, high_base >> 32, high_base & 0xffffffff, high_base >> 32,
        high_base & 0xffffffff, 4, 0,
    ]
    assert cells(p["interrupt-map-mask"]) == [0x1800, 0, 0, 7]
    imap = cells(p["interrupt-map"])
    plic = cells(fdt_node_props(blob, "/soc/plic@c000000")["phandle"])[0]
    assert len(imap) == 16 * 6
    for slot in range(4):
        for pin in range(4):
            e = imap[(slot * 4 + pin) * 6:(slot * 4 + pin + 1) * 6]
            assert e == [slot << 11, 0, 0, pin + 1, plic, 32 + (slot + pin) % 4], (slot, pin, e)
    qemu = shutil.which("qemu-system-riscv64")
    if qemu and mem_mib == 512:
        q = pci_node(dumpdtb([qemu, "-M", "virt", "-m", str(mem_mib), "-display", "none",
                              "-bios", "none"], tmp_path / "q.dtb"))
        assert q == p, "the PCIe host node differs from QEMU's"


# ---- guests ----

def test_linux_enumerates_the_ecam_host(emulator, guest, console):
    """Linux's pci-host-generic finds the ECAM host in the device tree and enumerates bus 0:
    the host bridge function 1b36:0008 at 00.0."""
    cmd = ("dmesg | grep -o 'ECAM at .*'; for d in /sys/bus/pci/devices/*; do "
           "echo PCIDEV ${d##*/} $(cat $d/vendor) $(cat $d/device) $(cat $d/class); done")
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{cmd}"'))
    c.expect(r"ECAM at \[mem 0x30000000-0x3fffffff\] for \[bus 00-ff\]", "the ECAM window")
    c.expect(r"PCIDEV 0000:00:00.0 0x1b36 0x0008 0x060000", "the host bridge function")
    assert c.expect(r"mimic guest: command exit (\d+)", "the exit line").group(1) == "0"


class Console(test_riscv_linux.Console):
    """The guest console, with shell commands whose output comes back."""

    def run(self, command, what):
        """Run a shell command; return its output (between two markers the echo lacks)."""
        self.child.sendline(f"echo BEGIN_$((6*7)); {command}; echo END_$((6*7))")
        # The markers alone, not their line ends: a kernel message (a hotplug's, say)
        # can land on the console right after one.
        self.expect(r"BEGIN_42", what)
        self.expect(r"END_42", what)
        return self.child.before


@pytest.fixture
def console():
    consoles = []

    def start(argv, budget=BOOT_TIMEOUT):
        c = Console(argv, budget)
        consoles.append(c)
        return c

    yield start
    for c in consoles:
        c.kill()


def test_virtio_pci_disks_and_rng_in_linux(emulator, guest, console, tmp_path):
    """virtio-blk-pci on pcie.0 and behind a pcie-root-port, virtio-rng-pci: Linux sees
    their ids, reads the disks' known contents, writes a sector, reads /dev/hwrng."""
    a_sector = pattern_image(tmp_path / "a.img", b"MIMICPCA")
    pattern_image(tmp_path / "b.img", b"MIMICPCB")
    cmd = ("for d in /sys/bus/pci/devices/*; do echo PCIDEV ${d##*/} $(cat $d/vendor) "
           "$(cat $d/device) $(cat $d/class); done; "
           "for d in vda vdb; do echo DISK $d $(head -c 8 /dev/$d); done; "
           "for d in vda vdb; do if [ $(head -c 8 /dev/$d) = MIMICPCA ]; then "
           "echo MD5 $(dd if=/dev/$d bs=512 count=1 2>/dev/null | md5sum); "
           "printf MIMICWROTE | dd of=/dev/$d bs=512 seek=2 conv=fsync 2>/dev/null; fi; done; "
           "echo RNG $(cat /sys/class/misc/hw_random/rng_current) "
           "$(head -c 32 /dev/hwrng | od -An -tx1 | tr -d ' \\n' | wc -c)")
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{cmd}"') + [
        "-drive", f"file={tmp_path / 'a.img'},if=none,format=raw,id=d0",
        "-drive", f"file={tmp_path / 'b.img'},if=none,format=raw,id=d1",
        "-device", "virtio-blk-pci,drive=d0" + MODERN,
        "-device", "virtio-rng-pci" + MODERN,
        "-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
        "-device", "virtio-blk-pci,drive=d1,bus=rp1",
    ])
    status = c.expect(r"mimic guest: command exit (\d+)", "the guest's command").group(1)
    log = c.log
    assert status == "0", tail(log)
    devs = {tuple(line.split()[1:]) for line in log.splitlines() if line.startswith("PCIDEV ")}
    ids = {(v, d, cls) for _, v, d, cls in devs}
    assert ("0x1b36", "0x0008", "0x060000") in ids, devs  # the host bridge function
    assert ("0x1b36", "0x000c", "0x060400") in ids, devs  # the root port
    assert ("0x1af4", "0x1042", "0x010000") in ids, devs  # virtio-blk-pci, modern
    assert ("0x1af4", "0x1044", "0x00ff00") in ids, devs  # virtio-rng-pci
    assert any(bdf.startswith("0000:01:00.0") and d == "0x1042" for bdf, _, d, _ in devs), devs
    disks = {line.split()[2] for line in log.splitlines() if line.startswith("DISK ")}
    assert disks == {"MIMICPCA", "MIMICPCB"}, tail(log)
    md5 = [line.split()[1] for line in log.splitlines() if line.startswith("MD5 ")]
    assert md5 == [hashlib.md5(a_sector).hexdigest()], tail(log)
    rng = [line.split() for line in log.splitlines() if line.startswith("RNG ")]
    assert rng and rng[0][1].startswith("virtio_rng") and rng[0][2] == "64", tail(log)
    c.expect("reboot: Power down", "the power-off")
    c.child.expect(pexpect.EOF, timeout=10)
    data = (tmp_path / "a.img").read_bytes()
    assert data[1024:1034] == b"MIMICWROTE", data[1024:1040]
    assert data[:8] == b"MIMICPCA"


def wait_deleted(qmp, dev_id):
    """DEVICE_DELETED of dev_id (the guest's console keeps flowing into the pty meanwhile)."""
    qmp.sock.settimeout(UNPLUG_TIMEOUT)
    ev = qmp.wait_event("DEVICE_DELETED", UNPLUG_TIMEOUT)
    assert ev["data"].get("device") == dev_id, ev
    return ev


def test_pcie_hotplug_add_read_remove(emulator, guest, console, tmp_path):
    """device_add behind a root port (QMP, then HMP): Linux's pciehp powers the slot on and
    the disk appears; device_del: the attention button, Linux lets go, DEVICE_DELETED, the
    device is gone from the guest's PCI devices."""
    if ORACLE:
        pytest.skip("QEMU's root port shares its INTx with the device behind it; Linux then "
                    "hangs in the removal (see hw/pci/pcie-root-port.c)")
    pattern_image(tmp_path / "h.img", b"HOTPLUG1")
    qmp_path, hmp_path = tmp_path / "qmp.sock", tmp_path / "hmp.sock"
    c = console(guest_argv(emulator, guest) + [
        "-drive", f"file={tmp_path / 'h.img'},if=none,format=raw,id=hot0",
        "-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
        "-qmp", f"unix:{qmp_path},server=on,wait=off",
        "-monitor", f"unix:{hmp_path},server=on,wait=off",
    ], budget=BOOT_TIMEOUT + 3 * UNPLUG_TIMEOUT)
    c.expect(PROMPT, "the shell prompt")
    qmp, hmp = QMP(str(qmp_path)), HMP(hmp_path)
    assert "0000:01:00.0" not in c.run("ls /sys/bus/pci/devices", "the PCI devices")

    wait_disk = ("for i in $(seq 100); do [ -b /dev/vda ] && break; sleep 0.1; done; "
                 "head -c 8 /dev/vda; echo; cat /sys/bus/pci/devices/0000:01:00.0/device")
    gone = ("for i in $(seq 100); do [ -e /sys/bus/pci/devices/0000:01:00.0 ] || break; "
            "sleep 0.1; done; ls /sys/bus/pci/devices; ls /dev | grep -c '^vda' ")

    for round_ in ("qmp", "hmp"):
        if round_ == "qmp":
            r = qmp.cmd("device_add", {"driver": "virtio-blk-pci", "drive": "hot0",
                                       "id": "hotdisk", "bus": "rp1"})
            assert r == {"return": {}}, r
        else:
            out = hmp.cmd("device_add virtio-blk-pci,drive=hot0,id=hotdisk,bus=rp1")
            assert "rror" not in out, out
        out = c.run(wait_disk, f"the hot-added disk ({round_})")
        assert "HOTPLUG1" in out and "0x1042" in out, tail(c.log)
        assert "Slot(1): Card present" in c.log or "Slot(1): Link Up" in c.log

        if round_ == "qmp":
            r = qmp.cmd("device_del", {"id": "hotdisk"})
            assert r == {"return": {}}, r
        else:
            out = hmp.cmd("device_del hotdisk")
            assert "rror" not in out, out
        ev = wait_deleted(qmp, "hotdisk")
        assert ev["data"] == {"device": "hotdisk", "path": "/machine/peripheral/hotdisk"}, ev
        out = c.run(gone, f"the removal as the guest sees it ({round_})")
        assert "0000:01:00.0" not in out and out.strip().endswith("0"), tail(c.log)
        assert "hotdisk" not in hmp.cmd("info pci")
    c.child.sendline("poweroff -f")
    c.expect("reboot: Power down", "the power-off")


@needs_kvm
def test_pc_machine_virtio_pci_devices(tmp_path):
    """On the pc machine: -drive if=virtio is a virtio-blk-pci (as QEMU), -device
    virtio-blk-pci and virtio-rng-pci plug into pci.0; info pci and query-pci show them."""
    if not os.access(MIMIC_X86_64, os.X_OK):
        pytest.fail(f"{MIMIC_X86_64} not found (build mimic, or set MIMIC_SYSTEM_X86_64)")
    pattern_image(tmp_path / "a.img", b"PCDISK01")
    pattern_image(tmp_path / "b.img", b"PCDISK02")
    qmp_path, hmp_path = tmp_path / "qmp.sock", tmp_path / "hmp.sock"
    proc = subprocess.Popen([
        MIMIC_X86_64, "-enable-kvm", "-m", "128", "-display", "none", "-kernel", HEARTBEAT,
        "-drive", f"file={tmp_path / 'a.img'},if=virtio,format=raw",
        "-drive", f"file={tmp_path / 'b.img'},if=none,format=raw,id=d1",
        "-device", "virtio-blk-pci,drive=d1,id=disk1,addr=07.0",
        "-device", "virtio-rng-pci,id=rng0",
        "-qmp", f"unix:{qmp_path},server=on,wait=off",
        "-monitor", f"unix:{hmp_path},server=on,wait=off",
    ], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        qmp, hmp = QMP(str(qmp_path)), HMP(hmp_path)
        info = hmp.cmd("info pci")
        assert "SCSI controller: PCI device 1af4:1042" in info, info
        assert "Bus  0, device   7, function 0" in info and 'id "disk1"' in info, info
        assert "Class 00ff: PCI device 1af4:1044" in info and 'id "rng0"' in info, info
        buses = qmp.cmd("query-pci")["return"]
        devs = [d for b in buses for d in b["devices"]]
        blk = [d for d in devs if d["id"]["vendor"] == 0x1af4 and d["id"]["device"] == 0x1042]
        assert len(blk) == 2, devs
        assert {d["qdev_id"] for d in blk} == {"", "disk1"}
        # BAR 4 holds the virtio windows, BAR 1 the MSI-X table and PBA (the pc
        # machine delivers MSIs).
        for d in blk:
            bars = {r["bar"]: r for r in d["regions"]}
            assert sorted(bars) == [1, 4], blk
            assert bars[4]["size"] == 0x4000 and bars[4]["mem_type_64"], blk
            assert bars[1]["size"] == 0x1000 and not bars[1]["mem_type_64"], blk
        # A root port needs a PCI Express bus; pci.0 is conventional.
        assert "PCI Express device" in hmp.cmd("device_add pcie-root-port,id=rp9")
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=10)
    assert "Traceback" not in err
