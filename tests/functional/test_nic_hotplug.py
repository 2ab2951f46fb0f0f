"""Network cards on the riscv64 virt machine's PCIe host, with the Linux guest.

- virtio-net-pci on pcie.0: Linux's virtio_net binds to 1af4:1041 with the MAC given,
  takes a DHCP lease from -netdev user and pings the gateway (guest_nic.py).
- Hotplug: on a running guest, netdev_add + device_add virtio-net-pci behind a
  pcie-root-port makes a second interface appear (pciehp), which gets its own lease and
  reaches the host; device_del takes it away again (DEVICE_DELETED, the interface is
  gone) and netdev_del frees the backend.

Environment: as tests/functional/test_pcie.py.
"""
import pytest

from guest_nic import NIC_CHECK_CMD, assert_nic_works, nic_args
from test_pcie import ORACLE, PROMPT, UNPLUG_TIMEOUT, console, wait_deleted  # noqa: F401
from monitor_client import QMP
from test_riscv_linux import BOOT_TIMEOUT, emulator, guest, guest_argv, tail  # noqa: F401

MAC = "52:54:00:12:ab:01"
HOT_MAC = "52:54:00:12:ab:02"


def test_virtio_net_pci_dhcp_and_ping(emulator, guest, console):
    modern = ",disable-legacy=on" if ORACLE else ""
    argv = guest_argv(emulator, guest, f'mimic.cmd="{NIC_CHECK_CMD}"') + nic_args(
        "virtio-net-pci" + modern, MAC)
    c = console(argv)
    c.expect(r"mimic guest: command exit \d+", "the NIC check's end")
    # The interface's device is the virtio device (id 1, net); its parent is the PCI function.
    assert_nic_works(c.log, driver="virtio_net", vendor=0x1af4, device=0x0001, mac=MAC)


def test_nic_hotplug_add_use_remove(emulator, guest, console, tmp_path):
    if ORACLE:
        pytest.skip("QEMU's root port shares its INTx with the device behind it; Linux then "
                    "hangs in the removal (see hw/pci/pcie-root-port.c)")
    qmp_path = tmp_path / "qmp.sock"
    c = console(guest_argv(emulator, guest) + [
        "-device", "pcie-root-port,id=rp1,chassis=1,slot=1",
        "-qmp", f"unix:{qmp_path},server=on,wait=off",
    ], budget=BOOT_TIMEOUT + 2 * UNPLUG_TIMEOUT)
    c.expect(PROMPT, "the shell prompt")
    qmp = QMP(str(qmp_path))
    assert "eth0" not in c.run("ls /sys/class/net", "the interfaces before")

    r = qmp.cmd("netdev_add", {"type": "user", "id": "hn0"})
    assert r == {"return": {}}, r
    r = qmp.cmd("device_add", {"driver": "virtio-net-pci", "netdev": "hn0", "mac": HOT_MAC,
                               "id": "nic1", "bus": "rp1"})
    assert r == {"return": {}}, r
    out = c.run("for i in $(seq 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done; "
                "cat /sys/class/net/eth0/address; "
                "cat /sys/class/net/eth0/device/../vendor /sys/class/net/eth0/device/../device",
                "the hot-added interface")
    assert HOT_MAC in out and "0x1af4" in out and "0x1041" in out, tail(c.log)
    out = c.run("udhcpc -i eth0 -n -q -t 5 -T 2 && ping -c 2 -W 3 10.0.2.2",
                "DHCP and ping on the new interface")
    assert "mimic guest: dhcp eth0 10.0.2.15/" in out, tail(c.log)
    assert "2 packets transmitted, 2 packets received" in out, tail(c.log)
    info = qmp.cmd("human-monitor-command", {"command-line": "info network"})["return"]
    assert "nic1" in info and "hn0" in info, info

    r = qmp.cmd("device_del", {"id": "nic1"})
    assert r == {"return": {}}, r
    ev = wait_deleted(qmp, "nic1")
    assert ev["data"] == {"device": "nic1", "path": "/machine/peripheral/nic1"}, ev
    out = c.run("for i in $(seq 100); do [ -e /sys/class/net/eth0 ] || break; sleep 0.1; done; "
                "ls /sys/class/net", "the interfaces after the removal")
    assert "eth0" not in out, tail(c.log)
    r = qmp.cmd("netdev_del", {"id": "hn0"})
    assert r == {"return": {}}, r
    info = qmp.cmd("human-monitor-command", {"command-line": "info network"})["return"]
    assert "hn0" not in info and "nic1" not in info, info
    c.child.sendline("poweroff -f")
    c.expect("reboot: Power down", "the power-off")
