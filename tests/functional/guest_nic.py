"""A Linux guest's check of its network card, for functional tests on any machine.

NIC_CHECK_CMD runs in the guest (pass it as mimic.cmd="..."; see scripts/guest/init):
it names the first non-loopback interface's driver, PCI ids and MAC, takes a DHCP
lease from -netdev user (the guest's udhcpc script prints "mimic guest: dhcp ...")
and pings the gateway 10.0.2.2. assert_nic_works() reads the console log.

    argv = guest_argv(...) + nic_args("e1000", "52:54:00:ab:cd:ef")
    ... boot with mimic.cmd="{NIC_CHECK_CMD}", collect the console log ...
    assert_nic_works(log, driver="e1000", vendor=0x8086, device=0x100e,
                     mac="52:54:00:ab:cd:ef")
"""
import re

PING_COUNT = 3

# No double quotes: mimic.cmd="..." ends at the first one.
NIC_CHECK_CMD = (
    "i=$(ls /sys/class/net | grep -v lo | head -n 1); "
    "echo mimic nic: $i driver $(basename $(readlink /sys/class/net/$i/device/driver)) "
    "vendor $(cat /sys/class/net/$i/device/vendor) device $(cat /sys/class/net/$i/device/device) "
    "mac $(cat /sys/class/net/$i/address); "
    "udhcpc -i $i -n -q -t 5 -T 2 && "
    f"ping -c {PING_COUNT} -W 3 10.0.2.2"
)

NIC_LINE_RE = re.compile(r"mimic nic: (\S+) driver (\S+) vendor (\S+) device (\S+) mac (\S+)")
DHCP_LINE_RE = re.compile(r"mimic guest: dhcp (\S+) 10\.0\.2\.15/255\.255\.255\.0 router 10\.0\.2\.2")
PING_RE = re.compile(r"(\d+) packets transmitted, (\d+) packets received")


def nic_args(model, mac, netdev_id="n0"):
    """Emulator options: a user-mode backend and one NIC of model on it."""
    return ["-netdev", f"user,id={netdev_id}", "-device", f"{model},netdev={netdev_id},mac={mac}"]


def assert_nic_works(log, driver, vendor, device, mac):
    """The guest bound driver to the card (vendor:device, mac), got a lease and pinged."""
    tail = "\n".join(log.splitlines()[-30:])
    m = NIC_LINE_RE.search(log)
    assert m, f"the guest never reported its NIC:\n{tail}"
    iface, got_driver, got_vendor, got_device, got_mac = m.groups()
    assert (got_driver, int(got_vendor, 16), int(got_device, 16), got_mac) == \
        (driver, vendor, device, mac), f"the guest sees {m.group(0)}"
    assert DHCP_LINE_RE.search(log), f"{iface}: no DHCP lease from -netdev user:\n{tail}"
    p = PING_RE.search(log)
    assert p and int(p.group(1)) == PING_COUNT and int(p.group(2)) == PING_COUNT, \
        f"{iface}: ping 10.0.2.2 lost packets:\n{tail}"
    assert "mimic guest: command exit 0" in log, tail
