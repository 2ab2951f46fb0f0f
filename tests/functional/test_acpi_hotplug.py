"""ACPI PCI hotplug on the pc machine (KVM): device_add and device_del on bus pci.0
reach a guest through GPE0 bit 1, the SCI and the registers at 0xae00, and the card
goes (DEVICE_DELETED) only when the guest writes the slot's bit to B0EJ.

The guest is tests/x86/acpihp.c (see there for what it checks); it also prints the
DSDT as hex, which Debian's iasl (package acpica-tools) must disassemble into the
hotplug glue: \\_SB.PCI0.Sxx with _EJ0, PCNT, \\_GPE._E01.

Run: /usr/bin/python3 -m pytest tests/functional/test_acpi_hotplug.py
"""
import re
import shlex
import shutil
import subprocess

import pytest

from monitor_client import QMP
from test_x86_programs import (
    ORACLE, PASS_LINE, TIMEOUT_S, _emulator_command, _program_path, _wait_for_line)

SLOT = 5
# PCI ids each card shows in configuration space (virtio-net-pci: modern, 1.0 only).
CARDS = {"e1000": "8086:100e", "virtio-net-pci": "1af4:1041"}
ID_RE = re.compile(r"acpihp: slot (\d+): card ([0-9a-f]{4}:[0-9a-f]{4})")


class HotplugGuest:
    """The acpihp program under mimic with a QMP socket and its serial in a file."""

    def __init__(self, tmp_path, extra=()):
        self.log = tmp_path / "serial.log"
        sock = str(tmp_path / "qmp.sock")
        self.cmd = _emulator_command() + [
            "-M", "pc", "-m", "128", "-display", "none", "-serial", f"file:{self.log}",
            "-qmp", f"unix:{sock},server=on,wait=off",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", str(_program_path("acpihp")), "-append", f"cpus=1 slot={SLOT}",
            "-netdev", "user,id=n1", *extra]
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.qmp = QMP(sock)

    def wait_for(self, text):
        _wait_for_line(self.log, text, self.proc)

    def output(self):
        return self.log.read_text(errors="replace")

    def report(self):
        return f"command: {shlex.join(self.cmd)}\n--- output ---\n{self.output()}"

    def finish(self):
        status = self.proc.wait(timeout=TIMEOUT_S)
        out = self.output()
        assert "FAIL" not in out and PASS_LINE.search(out) and status == 1, (
            f"exit status {status}\n{self.report()}")
        return out

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def hotplug_guest(tmp_path):
    guests = []

    def start(extra=()):
        g = HotplugGuest(tmp_path, extra)
        guests.append(g)
        return g

    yield start
    for g in guests:
        g.close()


@pytest.mark.parametrize("driver", sorted(CARDS))
def test_device_add_and_del_reach_the_guest_through_acpi(hotplug_guest, driver):
    g = hotplug_guest()
    g.wait_for("waiting for device_add")
    assert g.qmp.cmd("device_add", {"driver": driver, "id": "nic1", "netdev": "n1",
                                    "addr": f"{SLOT:02x}.0"}) == {"return": {}}
    g.wait_for("waiting for device_del")
    m = ID_RE.search(g.output())
    assert m and int(m.group(1)) == SLOT and m.group(2) == CARDS[driver], g.report()
    assert g.qmp.cmd("device_del", {"id": "nic1"}) == {"return": {}}
    ev = g.qmp.wait_event("DEVICE_DELETED", TIMEOUT_S)
    assert ev["data"]["device"] == "nic1", ev
    out = g.finish()
    assert f"acpihp: slot {SLOT} ejected" in out, g.report()


def test_device_del_waits_for_the_guest_eject(hotplug_guest):
    """Until the guest writes B0EJ the card stays: no DEVICE_DELETED, the id still taken."""
    g = hotplug_guest()
    g.wait_for("waiting for device_add")
    g.qmp.ok("device_add", {"driver": "e1000", "id": "nic1", "netdev": "n1",
                            "addr": f"{SLOT:02x}.0"})
    g.wait_for("waiting for device_del")
    g.qmp.ok("stop")
    g.qmp.ok("device_del", {"id": "nic1"})
    assert not any(e["event"] == "DEVICE_DELETED" for e in g.qmp.events), g.qmp.events
    err = g.qmp.error("device_add", {"driver": "e1000", "id": "nic1", "netdev": "n1"})
    assert "nic1" in err, err
    g.qmp.ok("cont")
    assert g.qmp.wait_event("DEVICE_DELETED", TIMEOUT_S)["data"]["device"] == "nic1"
    g.finish()


def test_device_del_of_a_boot_device_that_is_not_hotpluggable_is_refused(hotplug_guest):
    if ORACLE:
        pytest.skip("checks mimic's monitor")
    g = hotplug_guest(["-device", "pci-bridge,id=boot0,chassis_nr=1,addr=03.0"])
    g.wait_for("waiting for device_add")
    err = g.qmp.error("device_del", {"id": "boot0"})
    assert "boot0" in err and "cannot be unplugged" in err, err
    assert not any(e["event"] == "DEVICE_DELETED" for e in g.qmp.events), g.qmp.events
    m = re.search(r"acpihp: removable slots 0x([0-9a-f]{8})", g.output())
    assert m, g.report()
    removable = int(m.group(1), 16)
    assert not removable & (1 << 3) and removable & (1 << SLOT), g.report()
    assert "nosuch" in g.qmp.error("device_del", {"id": "nosuch"}, "DeviceNotFound")


def _dsdt_from(out):
    return bytes.fromhex("".join(re.findall(r"^dsdt: ([0-9a-f]+)\r?$", out, re.M)))


def test_dsdt_disassembles_into_the_hotplug_glue(hotplug_guest, tmp_path):
    iasl = shutil.which("iasl")
    if not iasl:
        pytest.skip("iasl not installed (Debian package acpica-tools; scripts/install-deps.sh)")
    g = hotplug_guest(["-device", "pci-bridge,id=boot0,chassis_nr=1,addr=03.0"])
    g.wait_for("waiting for device_add")
    dsdt = _dsdt_from(g.output())
    assert dsdt[:4] == b"DSDT" and len(dsdt) == int.from_bytes(dsdt[4:8], "little"), g.report()
    (tmp_path / "dsdt.dat").write_bytes(dsdt)
    r = subprocess.run([iasl, "-d", "dsdt.dat"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    dsl = (tmp_path / "dsdt.dsl").read_text()
    # What it disassembled compiles again without a complaint.
    r = subprocess.run([iasl, "-p", "again", "dsdt.dsl"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "0 Errors, 0 Warnings, 0 Remarks" in r.stdout, r.stdout + r.stderr
    for name in ("_S5", "PCNT", "PCEJ", "PCIU", "PCID", "B0EJ"):
        assert re.search(rf"\b{name}\b", dsl), f"{name} missing:\n{dsl}"
    assert re.search(r"Scope \(\\_GPE\)\s*\{\s*Method \(_E01", dsl), dsl
    assert re.search(r"Device \(PCI0\)\s*\{\s*Name \(_HID, EisaId \(\"PNP0A03\"\)", dsl), dsl
    # The bridge's windows: all bus numbers, I/O around 0xcf8-0xcff, VGA, the 32-bit hole.
    crs = dsl[dsl.index("Name (_CRS, ResourceTemplate ()"):dsl.index("OperationRegion (PCST")]
    for kind, lo, hi in (("WordBusNumber", "0x0000", "0x00FF"), ("WordIO", "0x0000", "0x0CF7"),
                         ("WordIO", "0x0D00", "0xFFFF"), ("DWordMemory", "0x000A0000", "0x000BFFFF"),
                         ("DWordMemory", "0x08000000", "0xFEBFFFFF")):
        assert re.search(rf"{kind} \([^)]*?{lo},[^,]*{hi},", crs, re.S), f"{kind} {lo}-{hi}:\n{crs}"
    slots = re.findall(r"Device \(S([0-9A-F]{2})\)\s*\{\s*Name \(_ADR, (\w+)\)[^\n]*\s*"
                       r"Name \(_SUN, (\w+)\)[^\n]*\s*Method \(_EJ0, 1", dsl)
    numbers = sorted(int(s, 16) for s, _, _ in slots)
    # Slots 0 and 1 (host bridge, PIIX3) and 3 (the boot-time bridge) are not removable.
    assert numbers == [n for n in range(32) if n not in (0, 1, 3)], dsl
    for s, adr, sun in slots:
        assert int(adr, 0) == int(s, 16) << 16 and int(sun, 0) == int(s, 16), (s, adr, sun)
        assert f"Notify (S{s}, One)" in dsl and f"Notify (S{s}, 0x03)" in dsl, dsl
