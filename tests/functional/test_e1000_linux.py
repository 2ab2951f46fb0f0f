"""Linux's e1000 driver on the riscv64 virt machine's PCIe host: the driver binds to
the 82540EM, reads its MAC from the EEPROM, takes a DHCP lease from -netdev user and
pings the gateway (guest_nic.py); then megabytes go both ways over TCP, through the
card's segmentation and checksum offloads. The guest kernel has CONFIG_E1000=y.

MIMIC_ORACLE=qemu runs the same on Debian's qemu-system-riscv64.

Run: /usr/bin/python3 -m pytest tests/functional/test_e1000_linux.py
"""
import hashlib
import subprocess

from guest_nic import NIC_CHECK_CMD, assert_nic_works, nic_args
from test_net import DHCP, WAIT_LISTEN_8080, BlobServer, free_port
from test_riscv_linux import BOOT_TIMEOUT, console, emulator, guest, guest_argv  # noqa: F401

MAC = "52:54:00:ab:cd:ef"
BLOB_SIZE = 2 * 1024 * 1024


def test_riscv_linux_e1000_dhcp_and_ping(emulator, guest, console):
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{NIC_CHECK_CMD}"') +
                nic_args("e1000", MAC))
    c.expect(r"mimic guest: command exit \d+", "the NIC check's end")
    assert_nic_works(c.log, driver="e1000", vendor=0x8086, device=0x100e, mac=MAC)


def test_riscv_linux_e1000_bulk_tcp_both_ways(emulator, guest, console):
    """2 MiB from a host HTTP server into the guest (receive checksums), and 2 MiB of the
    guest's own served back through hostfwd (TSO and transmit checksums): hashes match."""
    server = BlobServer(BLOB_SIZE)
    port = free_port()
    script = (f"wget -q -O /tmp/in http://10.0.2.2:{server.port}/blob && sha256sum /tmp/in; "
              f"mkdir -p /tmp/www; dd if=/dev/urandom of=/tmp/www/out bs=4096 "
              f"count={BLOB_SIZE // 4096} 2>/dev/null; sha256sum /tmp/www/out; "
              f"httpd -p 8080 -h /tmp/www; {WAIT_LISTEN_8080}; echo E1000-SERVING; sleep 120")
    try:
        c = console(guest_argv(emulator, guest, f'mimic.cmd="{DHCP} >/dev/null; {script}"') +
                    ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:8080",
                     "-device", f"e1000,netdev=n0,mac={MAC}"], boots=2)
        got_in = c.expect(r"([0-9a-f]{64})  /tmp/in", "the guest's hash of the download")
        assert got_in.group(1) == hashlib.sha256(server.data).hexdigest(), c.log
        want_out = c.expect(r"([0-9a-f]{64})  /tmp/www/out", "the guest's file hash").group(1)
        c.expect(r"\nE1000-SERVING", "httpd in the guest")
        r = subprocess.run(["curl", "-sf", "--max-time", "60", f"http://127.0.0.1:{port}/out"],
                           capture_output=True, timeout=90)
        assert r.returncode == 0 and len(r.stdout) == BLOB_SIZE, (r.returncode, len(r.stdout))
        assert hashlib.sha256(r.stdout).hexdigest() == want_out
    finally:
        server.close()
