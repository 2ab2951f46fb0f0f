"""The pc machine's default network, as QEMU's: without -nic, -net or -netdev it gets an
e1000 on user networking; -nodefaults, -nic none or any network option of the user's own
take that away. Checked through the monitor's info network and info pci on a paused VM.

Environment: MIMIC_SYSTEM_X86_64 (default <repo>/build/mimic-system-x86_64).
"""
import subprocess

import pytest

from mimic_env import HEARTBEAT, MIMIC_X86_64, needs_kvm

E1000_LINE = "Ethernet controller: PCI device 8086:100e"


def monitor_output(*extra):
    argv = [MIMIC_X86_64, "-M", "pc", "-display", "none", "-serial", "none", "-S",
            "-monitor", "stdio", "-kernel", HEARTBEAT, *extra]
    r = subprocess.run(argv, input="info network\ninfo pci\nquit\n", capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout


@needs_kvm
def test_pc_without_network_options_gets_an_e1000_on_user_networking():
    out = monitor_output()
    assert "model=e1000,macaddr=52:54:00:12:34:56" in out, out
    assert "type=user,net=10.0.2.0" in out, out
    assert E1000_LINE in out, out


@needs_kvm
@pytest.mark.parametrize("options", [
    ["-nodefaults"],
    ["-nic", "none"],
    ["-netdev", "socket,id=s0,udp=127.0.0.1:1,localaddr=127.0.0.1:0"],
])
def test_default_network_goes_away(options):
    out = monitor_output(*options)
    assert "Host bridge: PCI device 8086:1237" in out, out  # the monitor did answer info pci
    assert "type=user" not in out and E1000_LINE not in out, out
