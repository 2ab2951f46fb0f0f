"""HMP sendkey against a KVM guest on the pc machine (whose i8042 keyboard
takes the keys): QEMU's key names and combinations are accepted, unknown
names and over-long combinations get an error naming the problem, and the
guest keeps running; a guest program reading the 8042 sees the scancodes."""
import os
import re
import time

import pytest

from test_qmp import PROGRAMS as X86_PROGRAMS, Guest, needs_kvm

pytestmark = needs_kvm


@pytest.fixture
def guest(tmp_path):
    g = Guest(tmp_path)
    yield g
    g.close()


def hmp(q, line):
    return q.ok("human-monitor-command", {"command-line": line})


@pytest.mark.parametrize("keys", ["a", "ctrl-alt-delete", "shift-f12", "ctrl_r-kp_enter",
                                  "meta_l", "0x1d", "ctrl-alt-f1 100"])
def test_sendkey_accepts_qemu_key_names(guest, keys):
    q = guest.client()
    guest.wait_ticks(2)
    assert hmp(q, f"sendkey {keys}") == ""
    guest.assert_alive(q)


@pytest.mark.parametrize("keys,bad", [("ctrl-nosuchkey", "nosuchkey"), ("a--b", ""),
                                      ("0x200", "0x200"), ("0xzz", "0xzz")])
def test_sendkey_rejects_unknown_keys(guest, keys, bad):
    q = guest.client()
    out = hmp(q, f"sendkey {keys}")
    assert f"unknown key '{bad}'" in out
    guest.assert_alive(q)


def test_sendkey_limits_combinations(guest):
    q = guest.client()
    out = hmp(q, "sendkey " + "-".join(["a"] * 17))
    assert "at most 16 keys" in out
    assert "sendkey" in hmp(q, "help sendkey")


@pytest.fixture
def keyboard_guest(tmp_path):
    """tests/x86/keyboard.elf, which prints every scancode the 8042 hands it."""
    g = Guest(tmp_path, kernel=os.path.join(X86_PROGRAMS, "keyboard.elf"), append="")
    yield g
    g.close()


def wait_serial(g, pattern, timeout=10):
    deadline = time.time() + timeout
    while True:
        text = g.serial_log.read_text(errors="replace") if g.serial_log.exists() else ""
        if re.search(pattern, text):
            return text
        assert g.proc.poll() is None or pattern == "PASS", text
        assert time.time() < deadline, f"no {pattern!r} on the console:\n{text}"
        time.sleep(0.05)


def scancodes(text):
    return [int(c, 16) for c in re.findall(r"scancode 0x([0-9a-f]{2})", text)]


def test_sendkey_reaches_the_guest_keyboard_and_counts_irq1(keyboard_guest):
    g = keyboard_guest
    q = g.client()
    wait_serial(g, "keyboard: ready")
    # shift-a: both pressed in order, released in reverse (set 1: release = press | 0x80).
    assert hmp(q, "sendkey shift-a") == ""
    text = wait_serial(g, r"scancode 0xaa")
    assert scancodes(text) == [0x2a, 0x1e, 0x9e, 0xaa], text
    # An extended key comes with its 0xe0 prefix.
    assert hmp(q, "sendkey ctrl_r") == ""
    text = wait_serial(g, r"(scancode 0x[0-9a-f]{2}\s+){8}")
    assert scancodes(text)[4:] == [0xe0, 0x1d, 0xe0, 0x9d], text
    # The keyboard raised IRQ 1 for each byte it had ready (the PIC masks it).
    irq = hmp(q, "info irq")
    m = re.search(r"IRQ statistics for isa-i8259:\n(?:.*\n)*? 1: (\d+)\n", irq)
    assert m and int(m.group(1)) >= 8, irq
    assert hmp(q, "sendkey esc") == ""
    wait_serial(g, "PASS")
    assert g.proc.wait(timeout=10) == 1
