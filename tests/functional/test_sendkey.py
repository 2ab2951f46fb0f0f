"""HMP sendkey against a KVM guest on the pc machine (whose i8042 keyboard
takes the keys): QEMU's key names and combinations are accepted, unknown
names and over-long combinations get an error naming the problem, and the
guest keeps running."""
import pytest

from test_qmp import Guest, needs_kvm

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
