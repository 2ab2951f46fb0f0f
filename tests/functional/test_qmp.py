"""QMP, the JSON monitor, against a running KVM guest (tests/x86/heartbeat.elf,
which prints a tick every few milliseconds forever): negotiation, every
command's happy and error paths, events, two clients at once, descriptors
passed over the socket, and input that must get an error reply (or be
skipped) without hurting the monitor or stalling the guest."""
import array
import json
import os
import re
import socket
import subprocess
import time

import pytest

from mimic_env import HEARTBEAT, MIMIC_X86_64, X86_PROGRAMS, needs_kvm
from monitor_client import QMP

MIMIC = MIMIC_X86_64
PROGRAMS = X86_PROGRAMS


pytestmark = needs_kvm


class Guest:
    def __init__(self, tmp_path, nsockets=1, extra=(), pretty=False, kernel=HEARTBEAT,
                 append="period_ms=10"):
        self.tmp = tmp_path
        self.socks = [str(tmp_path / f"qmp{i}.sock") for i in range(nsockets)]
        self.serial_log = tmp_path / "serial.log"
        opt = "-qmp-pretty" if pretty else "-qmp"
        qmp_args = []
        for path in self.socks:
            qmp_args += [opt, f"unix:{path},server=on,wait=off"]
        self.proc = subprocess.Popen(
            [MIMIC, "-enable-kvm", "-m", "128", "-display", "none",
             "-serial", f"file:{self.serial_log}", *qmp_args,
             "-kernel", kernel, "-append", append,
             "-device", "isa-debug-exit,iobase=0xf4,iosize=4", *extra],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.clients = []

    def client(self, index=0, negotiate=True):
        c = QMP(self.socks[index], negotiate)
        self.clients.append(c)
        return c

    def ticks(self):
        try:
            found = re.findall(r"tick (\d+)", self.serial_log.read_text(errors="replace"))
        except FileNotFoundError:
            return 0
        return int(found[-1]) if found else 0

    def wait_ticks(self, n, timeout=10):
        deadline = time.time() + timeout
        while self.ticks() < n:
            assert self.proc.poll() is None, self.proc.stderr.read().decode()
            assert time.time() < deadline, f"guest stuck at tick {self.ticks()}"
            time.sleep(0.02)

    def assert_alive(self, qmp):
        """The process, the monitor and the guest all still work."""
        assert self.proc.poll() is None
        assert qmp.ok("query-status")["status"] == "running"
        self.wait_ticks(self.ticks() + 2)

    def close(self):
        for c in self.clients:
            c.close()
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture
def guest(tmp_path):
    g = Guest(tmp_path)
    try:
        g.wait_ticks(2)
        yield g
    finally:
        g.close()


@pytest.fixture
def qmp(guest):
    return guest.client()


# ---- negotiation and framing ----

def test_greeting_then_capabilities_negotiation(guest):
    c = guest.client(negotiate=False)
    ver = c.greeting["QMP"]["version"]
    assert set(ver["qemu"]) == {"major", "minor", "micro"}
    assert ver["package"] == "mimic"
    assert c.greeting["QMP"]["capabilities"] == []
    r = c.cmd("query-status")
    assert r["error"]["class"] == "CommandNotFound"
    assert "qmp_capabilities" in r["error"]["desc"]
    assert c.cmd("qmp_capabilities") == {"return": {}}
    assert c.cmd("qmp_capabilities")["error"]["class"] == "CommandNotFound"
    assert c.ok("query-status")["running"] is True


def test_id_is_echoed_on_return_and_error(qmp):
    for ident in (7, "abc", {"x": [1, 2]}):
        assert qmp.cmd("query-kvm", id=ident)["id"] == ident
        assert qmp.cmd("no-such-command", id=ident)["id"] == ident


def test_several_messages_per_read_and_one_split_across_reads(guest, qmp):
    qmp.send(b'{"execute":"query-kvm","id":1}{"execute":"query-status","id":2}\n'
             b'  {"execute":"query-name","id":3}')
    assert [qmp.reply()["id"] for _ in range(3)] == [1, 2, 3]
    msg = b'{"execute": "query-status", "arguments": {}, "id": "split"}'
    for i in range(len(msg)):
        qmp.send(msg[i:i + 1])
        time.sleep(0.002)
    r = qmp.reply()
    assert r["id"] == "split" and r["return"]["status"] == "running"


def test_request_shape_errors(qmp):
    cases = [
        (b'[1, 2]', "must be a JSON object"),
        (b'{"arguments": {}}', "lacks member 'execute'"),
        (b'{"execute": 5}', "'execute' must be a string"),
        (b'{"execute": "query-status", "arguments": [1]}', "'arguments' must be an object"),
        (b'{"execute": "query-status", "bogus": 1}', "'bogus' is unexpected"),
        (b'{"execute": "query-status", "exec-oob": "x"}', "exec-oob"),
    ]
    for data, needle in cases:
        qmp.send(data)
        r = qmp.reply()
        assert r["error"]["class"] == "GenericError", (data, r)
        assert needle in r["error"]["desc"], (data, r)


def test_unknown_command_is_command_not_found(qmp):
    desc = qmp.error("no-such-command", cls="CommandNotFound")
    assert "no-such-command" in desc
    # HMP-only commands are not QMP commands.
    qmp.error("x", {"addr": 0}, cls="CommandNotFound")


def test_argument_errors_name_the_parameter(qmp):
    assert "'val'" in qmp.error("pmemsave", {"val": "0x1000", "size": 1, "filename": "/x"})
    assert "expected: integer" in qmp.error("pmemsave", {"val": 1.5, "size": 1, "filename": "/x"})
    assert "'filename' is missing" in qmp.error("pmemsave", {"val": 0, "size": 1})
    assert "'frob' is unexpected" in qmp.error("query-status", {"frob": 1})
    assert "expected: string" in qmp.error("device_del", {"id": 3})
    assert "'id' is missing" in qmp.error("device_del", {})
    assert "expected: boolean" not in qmp.error("qom-get", {"path": True, "property": "x"})


# ---- queries ----

def test_query_status_version_kvm(qmp):
    st = qmp.ok("query-status")
    assert st == {"status": "running", "running": True, "singlestep": False}
    ver = qmp.ok("query-version")
    assert isinstance(ver["qemu"]["major"], int) and ver["package"] == "mimic"
    assert qmp.ok("query-kvm") == {"enabled": True, "present": True}


def test_query_name_and_uuid_defaults(qmp):
    assert qmp.ok("query-name") == {}
    assert qmp.ok("query-uuid") == {"UUID": "00000000-0000-0000-0000-000000000000"}


def test_query_name_uuid_and_process_name_from_the_command_line(tmp_path):
    uuid = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
    g = Guest(tmp_path, extra=["-name", "guest=vm-one,process=mimic-vm-one", "-uuid", uuid.upper()])
    try:
        c = g.client()
        assert c.ok("query-name") == {"name": "vm-one"}
        assert c.ok("query-uuid") == {"UUID": uuid}
        with open(f"/proc/{g.proc.pid}/comm") as f:
            assert f.read().strip() == "mimic-vm-one"
    finally:
        g.close()


def test_bad_uuid_is_refused(tmp_path):
    r = subprocess.run([MIMIC, "-uuid", "not-a-uuid"], capture_output=True, text=True, timeout=10)
    assert r.returncode == 1
    assert "-uuid not-a-uuid: not a UUID" in r.stderr


def test_query_cpus_fast_machines_chardev_pci(qmp, guest):
    cpus = qmp.ok("query-cpus-fast")
    assert len(cpus) == 1 and cpus[0]["cpu-index"] == 0 and cpus[0]["thread-id"] > 0
    machines = qmp.ok("query-machines")
    assert any(m.get("alias") == "pc" and m["is-default"] for m in machines)
    chardevs = qmp.ok("query-chardev")
    mine = [c for c in chardevs if guest.socks[0] in c["filename"]]
    assert mine and mine[0]["frontend-open"] is True
    buses = qmp.ok("query-pci")
    assert buses[0]["bus"] == 0
    devs = buses[0]["devices"]
    host = [d for d in devs if d["slot"] == 0][0]
    assert host["id"]["vendor"] == 0x8086 and host["class_info"]["class"] == 0x0600
    assert all({"bus", "slot", "function", "id", "regions", "qdev_id"} <= set(d) for d in devs)


def test_query_commands_events_and_schema_come_from_the_table(qmp):
    names = {c["name"] for c in qmp.ok("query-commands")}
    for needed in ["qmp_capabilities", "query-status", "query-version", "query-name",
                   "query-uuid", "query-cpus-fast", "query-machines", "query-kvm",
                   "query-chardev", "query-pci", "query-commands", "query-events",
                   "query-qmp-schema", "qom-list", "qom-get", "qom-set",
                   "device-list-properties", "stop", "cont", "system_reset",
                   "system_powerdown", "system_wakeup", "quit", "device_add", "device_del",
                   "human-monitor-command", "memsave", "pmemsave", "inject-nmi", "getfd",
                   "closefd"]:
        assert needed in names, needed
    events = {e["name"] for e in qmp.ok("query-events")}
    assert {"STOP", "RESUME", "RESET", "SHUTDOWN", "POWERDOWN", "DEVICE_DELETED"} <= events
    schema = qmp.ok("query-qmp-schema")
    by_name = {e["name"]: e for e in schema}
    for name in names:
        assert by_name[name]["meta-type"] == "command"
    pm = by_name[by_name["pmemsave"]["arg-type"]]
    assert {m["name"]: m["type"] for m in pm["members"]} == {
        "val": "int", "size": "int", "filename": "str"}
    ms = {m["name"]: m for m in by_name[by_name["memsave"]["arg-type"]]["members"]}
    assert "default" in ms["cpu-index"] and "default" not in ms["val"]
    assert by_name["SHUTDOWN"]["meta-type"] == "event"


# ---- run control and events ----

def test_stop_and_cont_change_state_and_send_events(qmp, guest):
    assert qmp.ok("stop") == {}
    assert qmp.wait_event("STOP")["event"] == "STOP"
    assert qmp.ok("query-status") == {"status": "paused", "running": False, "singlestep": False}
    frozen = guest.ticks()
    time.sleep(0.3)
    assert guest.ticks() <= frozen + 1
    ev = None
    assert qmp.ok("cont") == {}
    ev = qmp.wait_event("RESUME")
    assert set(ev["timestamp"]) == {"seconds", "microseconds"}
    assert abs(ev["timestamp"]["seconds"] - time.time()) < 60
    guest.assert_alive(qmp)


def test_stop_when_stopped_is_quiet_and_cont_twice_is_fine(qmp):
    qmp.ok("stop")
    qmp.wait_event("STOP")
    qmp.ok("stop")
    qmp.ok("cont")
    qmp.wait_event("RESUME")
    qmp.ok("cont")
    assert not [e for e in qmp.events if e["event"] in ("STOP", "RESUME")]


def test_system_reset_sends_reset_with_host_reason(qmp, guest):
    qmp.ok("system_reset")
    ev = qmp.wait_event("RESET")
    assert ev["data"] == {"guest": False, "reason": "host-qmp-system-reset"}
    guest.assert_alive(qmp)


def test_system_powerdown_sends_powerdown(qmp, guest):
    qmp.ok("system_powerdown")
    assert "data" not in qmp.wait_event("POWERDOWN")
    assert guest.proc.poll() is None


def test_system_wakeup_without_suspend_is_an_error(qmp):
    assert "suspend" in qmp.error("system_wakeup")


def test_inject_nmi(qmp, guest):
    r = qmp.cmd("inject-nmi")
    assert r == {"return": {}}, r
    assert guest.proc.poll() is None


def test_quit_replies_then_shutdown_event_then_exit(qmp, guest):
    assert qmp.cmd("quit") == {"return": {}}
    ev = qmp.wait_event("SHUTDOWN")
    assert ev["data"] == {"guest": False, "reason": "host-qmp-quit"}
    assert guest.proc.wait(timeout=10) == 0
    # No STOP for the final stop, as QEMU; then the connection closes.
    with pytest.raises(EOFError):
        while True:
            msg = qmp.read()
            assert msg.get("event") != "STOP", msg


# ---- devices and QOM ----

def test_device_add_qom_and_device_del_with_event(qmp):
    assert qmp.ok("device_add", {"driver": "isa-debug-exit", "id": "dbg1",
                                 "iobase": 0x500, "iosize": 1}) == {}
    props = {p["name"]: p["type"] for p in qmp.ok("qom-list", {"path": "/machine/peripheral/dbg1"})}
    assert props == {"type": "string", "iobase": "uint32", "iosize": "uint32"}
    assert {"name": "dbg1", "type": "child<isa-debug-exit>"} in qmp.ok(
        "qom-list", {"path": "/machine/peripheral"})
    assert qmp.ok("qom-get", {"path": "/machine/peripheral/dbg1", "property": "iobase"}) == 0x500
    assert qmp.ok("qom-get", {"path": "dbg1", "property": "type"}) == "isa-debug-exit"
    assert "duplicate" in qmp.error("device_add", {"driver": "isa-debug-exit", "id": "dbg1",
                                                   "iobase": 0x510})
    assert qmp.ok("device_del", {"id": "dbg1"}) == {}
    ev = qmp.wait_event("DEVICE_DELETED")
    assert ev["data"] == {"device": "dbg1", "path": "/machine/peripheral/dbg1"}
    qmp.error("device_del", {"id": "dbg1"}, cls="DeviceNotFound")
    qmp.error("qom-list", {"path": "/machine/peripheral/dbg1"}, cls="DeviceNotFound")


def test_device_add_errors(qmp):
    assert "'driver' is missing" in qmp.error("device_add", {"id": "x"})
    assert "no-such-device" in qmp.error("device_add", {"driver": "no-such-device"})
    assert "expected" in qmp.error("device_add", {"driver": "isa-debug-exit", "iobase": [1]})
    assert "iobase" in qmp.error("device_add", {"driver": "isa-debug-exit", "iobase": "lots"})


def test_machine_devices_cannot_be_deleted(qmp):
    anon = qmp.ok("qom-list", {"path": "/machine/peripheral-anon"})
    assert any(e["type"] == "child<isa-debug-exit>" for e in anon)
    qmp.ok("device_add", {"driver": "isa-debug-exit", "id": "keep", "iobase": 0x520})
    # Created by -device without an id: not reachable by device_del at all.
    qmp.error("device_del", {"id": "isa-debug-exit.0"}, cls="DeviceNotFound")


def test_qom_get_set_errors(qmp):
    root = qmp.ok("qom-list", {"path": "/"})
    assert root == [{"name": "machine", "type": "child<container>"}]
    qmp.error("qom-get", {"path": "/machine/peripheral/none", "property": "x"},
              cls="DeviceNotFound")
    qmp.ok("device_add", {"driver": "isa-debug-exit", "id": "d2", "iobase": 0x530})
    assert "not found" in qmp.error("qom-get", {"path": "d2", "property": "nope"})
    desc = qmp.error("qom-set", {"path": "d2", "property": "iobase", "value": 0x540})
    assert "realized" in desc
    assert "read-only" in qmp.error("qom-set", {"path": "d2", "property": "type", "value": "x"})
    assert "expected" in qmp.error("qom-set", {"path": "d2", "property": "iobase", "value": [1]})


def test_device_list_properties(qmp):
    props = {p["name"]: p for p in qmp.ok("device-list-properties",
                                          {"typename": "isa-debug-exit"})}
    assert props["iobase"]["type"] == "uint32" and "default-value" in props["iobase"]
    assert "not found" in qmp.error("device-list-properties", {"typename": "nope"})


# ---- human-monitor-command, memory, descriptors ----

def test_human_monitor_command_returns_hmp_output(qmp):
    out = qmp.ok("human-monitor-command", {"command-line": "info registers"})
    assert re.search(r"RIP=[0-9a-f]{16}", out), out
    assert qmp.ok("human-monitor-command", {"command-line": "info status"}) == \
        "VM status: running\n"
    assert "unknown command" in qmp.ok("human-monitor-command", {"command-line": "frobnicate"})
    assert qmp.ok("human-monitor-command", {"command-line": "info cpus", "cpu-index": 0})
    assert "cpu-index" in qmp.error("human-monitor-command",
                                    {"command-line": "info cpus", "cpu-index": 5})


def test_info_irq_and_pic_list_the_pc_interrupt_controllers(qmp):
    """The pc machine counts its GSIs for QEMU's two controller sections, and the
    MSIs by vector; its in-kernel controllers have no state to show."""
    out = qmp.ok("human-monitor-command", {"command-line": "info irq"})
    assert re.fullmatch(r"IRQ statistics for isa-i8259:\n(?:[ \d]\d: \d+\n)*"
                        r"IRQ statistics for ioapic:\n(?:[ \d]\d: \d+\n)*"
                        r"IRQ statistics for apic-msi:\n(?: ?\d+: \d+\n)*", out), out
    out = qmp.ok("human-monitor-command", {"command-line": "info pic"})
    assert out == ("Interrupt controller information not available for isa-i8259.\n"
                   "Interrupt controller information not available for ioapic.\n"
                   "Interrupt controller information not available for apic-msi.\n"), out


def test_pmemsave_and_memsave_write_guest_memory(qmp, tmp_path):
    pfile, vfile = tmp_path / "p.bin", tmp_path / "v.bin"
    qmp.ok("stop")
    qmp.ok("pmemsave", {"val": 0x100000, "size": 8192, "filename": str(pfile)})
    qmp.ok("memsave", {"val": 0x100000, "size": 8192, "filename": str(vfile)})
    qmp.ok("cont")
    data = pfile.read_bytes()
    assert len(data) == 8192 and data.strip(b"\0")
    # heartbeat runs identity mapped: the same bytes through both paths.
    assert vfile.read_bytes() == data


def test_memsave_errors(qmp, tmp_path):
    out = tmp_path / "bad.bin"
    assert "nothing is mapped" in qmp.error(
        "pmemsave", {"val": 0xfee000000000, "size": 16, "filename": str(out)})
    assert not out.exists()
    assert "out of range" in qmp.error(
        "pmemsave", {"val": 0, "size": 1 << 40, "filename": str(out)})
    assert "size" in qmp.error("pmemsave", {"val": 0, "size": -1, "filename": str(out)})
    assert "cannot open" in qmp.error(
        "pmemsave", {"val": 0, "size": 16, "filename": str(tmp_path / "no" / "dir")})
    assert "cpu-index" in qmp.error(
        "memsave", {"val": 0, "size": 16, "filename": str(out), "cpu-index": 9})


def test_getfd_closefd_over_scm_rights(qmp, tmp_path):
    assert "SCM_RIGHTS" in qmp.error("getfd", {"fdname": "f1"})
    r, w = os.pipe()
    try:
        msg = json.dumps({"execute": "getfd", "arguments": {"fdname": "f1"}}).encode()
        qmp.sock.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [w]))])
        assert qmp.reply() == {"return": {}}
        os.close(w)
        w = -1
        assert qmp.ok("closefd", {"fdname": "f1"}) == {}
        # The monitor held the only other write end: closing it ends the pipe.
        assert os.read(r, 1) == b""
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)
    assert "not found" in qmp.error("closefd", {"fdname": "f1"})


# ---- two clients, pretty output ----

def test_two_clients_each_isolated_and_both_get_events(tmp_path):
    g = Guest(tmp_path, nsockets=2)
    try:
        a = g.client(0)
        b = g.client(1, negotiate=False)
        # b has not negotiated: a's commands work, b gets no events yet.
        a.ok("stop")
        a.wait_event("STOP")
        assert b.cmd("query-status")["error"]["class"] == "CommandNotFound"
        assert b.cmd("qmp_capabilities") == {"return": {}}
        assert b.ok("query-status")["status"] == "paused"
        assert not b.events
        b.ok("cont")
        b.wait_event("RESUME")
        a.wait_event("RESUME")
        a.ok("system_reset")
        assert a.wait_event("RESET")["data"]["reason"] == "host-qmp-system-reset"
        assert b.wait_event("RESET")["data"]["reason"] == "host-qmp-system-reset"
        # A client going away leaves the other working.
        a.close()
        assert b.ok("query-status")["running"] is True
        a2 = g.client(0)
        assert a2.ok("query-kvm")["enabled"] is True
    finally:
        g.close()


def test_qmp_pretty_indents_replies(tmp_path):
    g = Guest(tmp_path, pretty=True)
    try:
        c = g.client()
        c.send(b'{"execute": "query-status"}')
        deadline = time.time() + 5
        while b"}" not in c.buf.split(b"\n", 3)[-1] and time.time() < deadline:
            c.buf += c.sock.recv(4096)
        raw = c.buf.decode()
        assert re.search(r'\r\n    "return" ?: \{\r\n        "running"', raw), raw
        assert c.reply()["return"]["running"] is True
    finally:
        g.close()


def test_mon_mode_control_with_chardev(tmp_path):
    path = str(tmp_path / "ctl.sock")
    g = Guest(tmp_path, nsockets=0,
              extra=["-chardev", f"socket,id=qmpdev,path={path},server=on,wait=off",
                     "-mon", "chardev=qmpdev,mode=control,pretty=on"])
    g.socks = [path]
    try:
        c = g.client()
        assert c.ok("query-status")["running"] is True
    finally:
        g.close()


def test_mon_bad_mode_is_refused(tmp_path):
    r = subprocess.run([MIMIC, "-enable-kvm", "-display", "none", "-kernel", HEARTBEAT,
                        "-chardev", "null,id=n", "-mon", "chardev=n,mode=json"],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 1 and "mode=control" in r.stderr


# ---- hostile input ----

@pytest.mark.parametrize("data", [
    b'{"execute": }',
    b'{"execute": "query-status",,}',
    b'{"execute": "query-status" "x": 1}',
    b'{"execute": "\xff\xfe"}',
    b'{"execute": "query\x00status"}',
    b'{"a": "\\u12"}',
    b'{"execute": nul}',
    b'{"execute": "query-status"]',
    b'hello world',
    b'}',
    b'"just a string"',
    b'12345 ',
])
def test_malformed_json_gets_an_error_reply(guest, qmp, data):
    qmp.send(data + b"\n")
    r = qmp.reply()
    assert r["error"]["class"] == "GenericError", r
    guest.assert_alive(qmp)


def test_huge_payload_is_refused_and_skipped(guest, qmp):
    big = b'{"execute": "query-status", "arguments": {"pad": "' + b"x" * (3 << 20) + b'"}}'
    qmp.sock.settimeout(30)
    qmp.send(big)
    r = qmp.reply()
    assert "too large" in r["error"]["desc"]
    # Skipped to its end: the next request is answered normally.
    assert qmp.ok("query-status")["running"] is True
    guest.assert_alive(qmp)


def test_deep_nesting_is_refused_and_skipped(guest, qmp):
    qmp.send(b'{"execute": "query-status", "arguments": {"a": ' + b"[" * 100000 +
             b"]" * 100000 + b"}}")
    r = qmp.reply()
    assert "nesting" in r["error"]["desc"]
    # 64 levels are still fine for the scanner (the command rejects the argument).
    nested = b"[" * 60 + b"]" * 60
    qmp.send(b'{"execute": "query-status", "arguments": {"a": ' + nested + b"}}")
    assert "'a' is unexpected" in qmp.reply()["error"]["desc"]
    guest.assert_alive(qmp)


def test_many_small_errors_in_one_burst(guest, qmp):
    qmp.send(b"[]" * 200 + b'{"execute":"query-kvm","id":"end"}')
    errors = 0
    while True:
        r = qmp.reply()
        if r.get("id") == "end":
            break
        errors += 1
    assert errors == 200
    guest.assert_alive(qmp)


def test_client_disconnecting_mid_command_does_no_harm(guest):
    for partial in [b'{"execute": "query-sta', b'{"execute": "human-monitor-command", "argu',
                    b'{"execute": "query-qmp-schema"}']:
        c = guest.client()
        c.send(partial)
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
        guest.clients.remove(c)
    c = guest.client()
    # A fresh client starts with a fresh parser, in negotiation mode.
    guest.assert_alive(c)


def test_random_bytes_never_crash(guest, qmp):
    import random
    rng = random.Random(1234)
    for _ in range(30):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
        qmp.send(junk + b'"' + b"}" * 70 + b"\n")
    # Whatever state that left the stream in, the process and the guest carry on,
    # and the next client starts afresh.
    qmp.close()
    guest.clients.remove(qmp)
    c = guest.client()
    guest.assert_alive(c)
