"""Networking on the riscv64 Linux guest under the translator: virtio-net-device on
the virt machine's virtio-mmio slots, with the user (libslirp), socket and tap
backends; the monitor's network commands; the options' error paths.

The guest is scripts/build-riscv-guest.sh's (busybox udhcpc with an event script
that prints "mimic guest: dhcp <if> <ip>/<mask> router <r> dns <d>", wget, httpd, nc).

Run: /usr/bin/python3 -m pytest tests/functional/test_net.py
"""

import hashlib
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

import pexpect
import pytest

from monitor_client import HMP, QMP
from test_riscv_linux import Console, console, emulator, guest, guest_argv, tail  # noqa: F401

BOOT_TIMEOUT = int(os.environ.get("MIMIC_BOOT_TIMEOUT", "60"))
DHCP = "udhcpc -i eth0 -n -q -t 10"
# busybox httpd may return before its daemon listens: wait until the port is open.
WAIT_LISTEN_8080 = "until netstat -ltn | grep -q ':8080 '; do sleep 1; done"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mimic_binary():
    return os.environ.get("MIMIC_SYSTEM_RISCV64",
                          os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                       "mimic-system-riscv64"))


def run_cmd(c):
    """The guest command's exit status (it printed "mimic guest: command exit N")."""
    return int(c.expect(r"mimic guest: command exit (\d+)", "the command's exit line").group(1))


class BlobServer:
    """An HTTP server on host loopback serving random bytes at /blob."""

    def __init__(self, size):
        self.data = os.urandom(size)
        data = self.data

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path != "/blob":
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_dhcp_lease_from_slirp(emulator, guest, console):
    """udhcpc gets 10.0.2.15 from the user backend, with QEMU's gateway and DNS, and the
    interface carries the address and the default MAC."""
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{DHCP}; ip addr show eth0"') +
                ["-nic", "user"])
    m = c.expect(r"mimic guest: dhcp eth0 ([\d.]+)/([\d.]+) router ([\d.]+) dns ([\d.]+)\s",
                 "the DHCP lease")
    assert m.groups() == ("10.0.2.15", "255.255.255.0", "10.0.2.2", "10.0.2.3"), c.log
    c.expect(r"link/ether 52:54:00:12:34:56", "the default MAC on eth0")
    c.expect(r"inet 10\.0\.2\.15/24", "the address on eth0")
    assert run_cmd(c) == 0


def test_dhcp_honours_net_and_dhcpstart(emulator, guest, console):
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{DHCP}"') +
                ["-netdev", "user,id=n0,net=192.168.40.0/24,dhcpstart=192.168.40.77,"
                 "host=192.168.40.1,dns=192.168.40.53",
                 "-device", "virtio-net-device,netdev=n0,mac=52:54:00:aa:bb:cc"])
    m = c.expect(r"mimic guest: dhcp eth0 ([\d.]+)/[\d.]+ router ([\d.]+) dns ([\d.]+)\s",
                 "the DHCP lease")
    assert m.groups() == ("192.168.40.77", "192.168.40.1", "192.168.40.53"), c.log


@pytest.mark.parametrize("net_args", [
    ["-net", "nic", "-net", "user"],
    ["-netdev", "user,id=u0", "-netdev", "hubport,id=p0,hubid=3,netdev=u0",
     "-netdev", "hubport,id=p1,hubid=3", "-device", "virtio-net-device,netdev=p1"],
], ids=["legacy-net", "netdev-hubport"])
def test_dhcp_through_a_hub(emulator, guest, console, net_args):
    """The NIC and the user backend joined by a hub (-net's hub 0, or -netdev hubport)."""
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{DHCP}"') + net_args)
    m = c.expect(r"mimic guest: dhcp eth0 ([\d.]+)/", "the DHCP lease")
    assert m.group(1) == "10.0.2.15", c.log
    assert run_cmd(c) == 0


@pytest.mark.parametrize("ipv6", ["on", "off"])
def test_ipv6_slaac_from_slirp(emulator, guest, console, ipv6):
    """IPv6 is on by default: the guest configures fec0::/64 from slirp's router
    advertisement and reaches the host at fec0::2; ipv6=off leaves it link-local only."""
    has = "ip -6 addr show eth0 | grep -q"
    c = console(guest_argv(emulator, guest,
                           f'mimic.cmd="ip link set eth0 up; sleep 4; '
                           f'{has} fe80::5054:ff:fe12:3456/64 && echo LINK-LOCAL-$((6*7)); '
                           f'{has} fec0::5054:ff:fe12:3456/64 && echo SITE-$((6*7)); '
                           'ping6 -c 1 -w 3 fec0::2 >/dev/null && echo PING6-$((6*7))"') +
                ["-netdev", f"user,id=n0,ipv6={ipv6}", "-device", "virtio-net-device,netdev=n0"])
    c.expect("LINK-LOCAL-42", "the link-local address")
    run_cmd(c)
    for marker in ("SITE-42", "PING6-42"):
        assert (marker in c.log) == (ipv6 == "on"), c.log[-2000:]


def test_udp_hostfwd(emulator, guest, console):
    """hostfwd=udp: datagrams sent to a host port arrive at busybox nc -u in the guest."""
    port = free_port()
    c = console(guest_argv(emulator, guest,
                           f'mimic.cmd="{DHCP} >/dev/null; echo UDP-READY; '
                           'nc -u -l -p 7001 -w 5 </dev/null"') +
                ["-nic", f"user,hostfwd=udp:127.0.0.1:{port}-:7001"])
    c.expect("UDP-READY", "the guest's lease")
    # UDP may be lost before nc listens (a loaded host): send until one arrives.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for i in range(60):
            s.sendto(f"datagram-{i}-{port}\n".encode(), ("127.0.0.1", port))
            try:
                c.child.expect(rf"datagram-\d+-{port}", timeout=0.3)
                break
            except pexpect.TIMEOUT:
                continue
        else:
            pytest.fail(f"no datagram reached the guest in 18 s:\n{tail(c.log)}")
    assert run_cmd(c) == 0


def test_guest_fetches_file_from_host_http_server(emulator, guest, console):
    """wget in the guest reaches a server on host 127.0.0.1 as 10.0.2.2; the bytes match."""
    server = BlobServer(512 * 1024)
    try:
        c = console(guest_argv(emulator, guest,
                               f'mimic.cmd="{DHCP} >/dev/null; '
                               f'wget -q -O /tmp/blob http://10.0.2.2:{server.port}/blob; '
                               'md5sum /tmp/blob"') + ["-nic", "user"])
        got = c.expect(r"([0-9a-f]{32})  /tmp/blob", "md5sum of the fetched file").group(1)
        assert got == hashlib.md5(server.data).hexdigest(), c.log
        assert run_cmd(c) == 0
    finally:
        server.close()


def test_restrict_on_keeps_the_guest_in(emulator, guest, console):
    """restrict=on: the guest gets its lease but cannot open connections to the host."""
    server = BlobServer(1024)
    try:
        c = console(guest_argv(emulator, guest,
                               f'mimic.cmd="{DHCP}; '
                               f'wget -q -T 3 -O /tmp/blob http://10.0.2.2:{server.port}/blob"') +
                    ["-nic", "user,restrict=on"])
        c.expect(r"mimic guest: dhcp eth0 10\.0\.2\.15/", "the DHCP lease")
        assert run_cmd(c) != 0, c.log
    finally:
        server.close()


def first_http_get(port, path, tries=3):
    """The first request through a new forwarding. It has been seen reset once in a
    loaded run (and it takes seconds, as on QEMU, while slirp learns the guest's
    address); a forwarding that works answers one of a few tries."""
    for attempt in range(tries):
        try:
            return http_get(port, path, timeout=40)
        except ConnectionResetError:
            if attempt == tries - 1:
                raise
            time.sleep(1)


def http_get(port, path, timeout=10):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: x\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    return data.decode(errors="replace")


def test_hostfwd_reaches_guest_httpd_and_monitor_adds_and_removes(emulator, guest, console,
                                                                  tmp_path):
    """hostfwd= forwards a host port to busybox httpd in the guest; hostfwd_add adds a second
    forwarding at run time and hostfwd_remove takes it away again."""
    port, port2 = free_port(), free_port()
    mon = str(tmp_path / "mon.sock")
    script = ("mkdir -p /tmp/www; echo page-$((6*7))-$(uname -m) > /tmp/www/index.html; "
              f"httpd -p 8080 -h /tmp/www; {WAIT_LISTEN_8080}; echo HTTPD-UP; sleep 120")
    c = console(guest_argv(emulator, guest, f'mimic.cmd="{DHCP} >/dev/null; {script}"') +
                ["-netdev", f"user,id=n0,hostfwd=tcp:127.0.0.1:{port}-:8080",
                 "-device", "virtio-net-device,netdev=n0",
                 "-monitor", f"unix:{mon},server=on,wait=off"])
    c.expect("HTTPD-UP", "httpd in the guest")
    reply = first_http_get(port, "/index.html")
    assert "200 OK" in reply and "page-42-riscv64" in reply, reply

    hmp = HMP(mon)
    try:
        assert hmp.cmd(f"hostfwd_add n0 tcp:127.0.0.1:{port2}-10.0.2.15:8080") == ""
        assert "page-42-riscv64" in http_get(port2, "/index.html")
        assert hmp.cmd(f"hostfwd_remove n0 tcp:127.0.0.1:{port2}") == ""
        with pytest.raises(OSError):
            http_get(port2, "/index.html", timeout=3)
        err = hmp.cmd(f"hostfwd_remove n0 tcp:127.0.0.1:{port2}")
        assert "no such forwarding" in err, err
    finally:
        hmp.close()


def test_two_guests_talk_over_socket_backend(emulator, guest):
    """Two mimic processes joined by -netdev socket listen=/connect= exchange a message
    each way with busybox nc."""
    port = free_port()
    # A waits for B however long B takes to boot (busybox nc's -w would also
    # bound the wait for the connection); the test's budget bounds it instead.
    a = Console(guest_argv(emulator, guest,
                           'mimic.cmd="ifconfig eth0 10.0.5.1 up; '
                           'echo from-A-$((6*7)) | nc -l -p 5000"') +
                ["-netdev", f"socket,id=s0,listen=127.0.0.1:{port}",
                 "-device", "virtio-net-device,netdev=s0"], BOOT_TIMEOUT)
    try:
        a.expect("mimic guest: ready", "the first guest's /init")
        b = Console(guest_argv(emulator, guest,
                               'mimic.cmd="ifconfig eth0 10.0.5.2 up; '
                               'for i in 1 2 3 4 5 6 7 8 9 10; do '
                               'ping -c1 -W1 10.0.5.1 >/dev/null && break; done; '
                               'echo from-B-$((7*8)) | nc -w 5 10.0.5.1 5000"') +
                    ["-netdev", f"socket,id=s0,connect=127.0.0.1:{port}",
                     "-device", "virtio-net-device,netdev=s0,mac=52:54:00:12:34:99"],
                    BOOT_TIMEOUT)
        try:
            b.expect("from-A-42", "A's message in B")
            a.expect("from-B-56", "B's message in A")
        finally:
            b.kill()
    finally:
        a.kill()


def shell_quote(argv):
    return " ".join("'" + a.replace("'", "'\\''") + "'" for a in argv)


def unshare_works():
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True,
                              timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def test_tap_in_network_namespace(emulator, guest, tmp_path):
    """In a network namespace the test creates: a tap interface with an address, an HTTP
    server on it, and a guest on -netdev tap (vnet headers and offloads) that pings it,
    fetches a file, and takes a 4 MiB stream from the host (more than its receive ring
    holds, so the NIC waits for buffers and the backend waits for the NIC)."""
    if not unshare_works():
        pytest.skip("unshare -n is not permitted here (needs CAP_SYS_ADMIN)")
    if not os.path.exists("/dev/net/tun"):
        pytest.skip("/dev/net/tun is missing")
    blob = tmp_path / "blob"
    blob.write_bytes(os.urandom(300 * 1024))
    stream = tmp_path / "stream"
    stream.write_bytes(os.urandom(4 * 1024 * 1024))
    argv = guest_argv(emulator, guest,
                      'mimic.cmd="ifconfig eth0 192.168.77.2 up; '
                      'for i in 1 2 3 4 5; do ping -c1 -W1 192.168.77.1 >/dev/null && break; done; '
                      'ping -c 2 192.168.77.1; '
                      'wget -q -O /tmp/b http://192.168.77.1:8000/blob; md5sum /tmp/b; '
                      'echo LISTENING; nc -l -p 5001 </dev/null | md5sum"') + \
        ["-netdev", "tap,id=t0,ifname=mtap0,script=no,downscript=no",
         "-device", "virtio-net-device,netdev=t0"]
    sender = (f"import socket,time\n"
              f"for i in range(200):\n"
              f"    try: s = socket.create_connection(('192.168.77.2', 5001)); break\n"
              f"    except OSError: time.sleep(0.1)\n"
              f"s.sendall(open('{stream}', 'rb').read()); s.close()\n")
    script = f"""
set -e
ip link set lo up
ip tuntap add dev mtap0 mode tap
ip addr add 192.168.77.1/24 dev mtap0
ip link set mtap0 up
cd {tmp_path}
python3 -m http.server --bind 192.168.77.1 8000 >/dev/null 2>&1 &
python3 -c "{sender}" &
sleep 0.5
timeout {BOOT_TIMEOUT} {shell_quote(argv)} </dev/null
"""
    r = subprocess.run(["unshare", "-n", "sh", "-c", script], capture_output=True, text=True,
                       timeout=BOOT_TIMEOUT + 30)
    out = r.stdout + r.stderr
    assert "2 packets transmitted, 2 packets received" in out, out[-3000:]
    m = re.search(r"([0-9a-f]{32})  /tmp/b", out)
    assert m and m.group(1) == hashlib.md5(blob.read_bytes()).hexdigest(), out[-3000:]
    m = re.search(r"LISTENING.*?([0-9a-f]{32})  -", out, re.S)
    assert m and m.group(1) == hashlib.md5(stream.read_bytes()).hexdigest(), out[-3000:]


TAP_FD_HELPER = """
import fcntl, os, struct, subprocess, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"ftap0", 0x0002 | 0x1000))  # TUNSETIFF
for cmd in ("ip link set lo up", "ip addr add 192.168.78.1/24 dev ftap0",
            "ip link set ftap0 up"):
    subprocess.run(cmd.split(), check=True)
argv = sys.argv[1:]
argv[argv.index("FD")] = f"tap,id=t0,fd={fd}"
sys.exit(subprocess.run(argv, pass_fds=[fd], stdin=subprocess.DEVNULL).returncode)
"""


def test_tap_fd_passed_by_the_caller(emulator, guest):
    """-netdev tap,fd=N: a tap the caller opened (as libvirt does) carries the guest's
    pings to the host end."""
    if not unshare_works():
        pytest.skip("unshare -n is not permitted here (needs CAP_SYS_ADMIN)")
    argv = guest_argv(emulator, guest, 'mimic.cmd="ifconfig eth0 192.168.78.2 up; '
                                       'for i in 1 2 3 4 5; do '
                                       'ping -c1 -W1 192.168.78.1 >/dev/null && break; done; '
                                       'ping -c 2 192.168.78.1"') + \
        ["-netdev", "FD", "-device", "virtio-net-device,netdev=t0"]
    r = subprocess.run(["unshare", "-n", sys.executable, "-c", TAP_FD_HELPER, *argv],
                       capture_output=True, text=True, timeout=BOOT_TIMEOUT + 30)
    out = r.stdout + r.stderr
    assert "2 packets transmitted, 2 packets received" in out, out[-3000:]


@pytest.mark.parametrize("drop, message", [
    (["--reuid=65534", "--regid=65534", "--clear-groups"],
     "cannot open /dev/net/tun: Permission denied (run with CAP_NET_ADMIN"),
    (["--bounding-set=-net_admin", "--inh-caps=-net_admin"],
     "cannot create the tap interface: Operation not permitted (this needs CAP_NET_ADMIN"),
], ids=["unprivileged-user", "no-cap-net-admin"])
def test_tap_without_the_right_says_what_is_missing(drop, message):
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv to drop the right")
    r = subprocess.run(["setpriv", *drop, mimic_binary(), "-M", "virt", "-S", "-display",
                        "none", "-netdev", "tap,id=t0,ifname=mtapx,script=no,downscript=no"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1 and message in r.stderr, r.stderr


def test_two_guests_talk_over_multicast(emulator, guest, tmp_path):
    """Two mimic processes on -netdev socket,mcast= (in a namespace the test creates, whose
    loopback carries the multicast group) exchange a message each way."""
    if not unshare_works():
        pytest.skip("unshare -n is not permitted here (needs CAP_SYS_ADMIN)")
    net = ["-netdev", "socket,id=m0,mcast=230.0.0.1:12345,localaddr=127.0.0.1"]
    a = guest_argv(emulator, guest, 'mimic.cmd="ifconfig eth0 10.0.6.1 up; '
                                    'echo from-A-$((6*7)) | nc -l -p 5000 -w 8"') + \
        net + ["-device", "virtio-net-device,netdev=m0"]
    b = guest_argv(emulator, guest, 'mimic.cmd="ifconfig eth0 10.0.6.2 up; '
                                    'for i in 1 2 3 4 5 6 7 8 9 10; do '
                                    'ping -c1 -W1 10.0.6.1 >/dev/null && break; done; '
                                    'echo from-B-$((7*8)) | nc -w 5 10.0.6.1 5000"') + \
        net + ["-device", "virtio-net-device,netdev=m0,mac=52:54:00:12:34:99"]

    script = f"""
ip link set lo up
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
timeout {BOOT_TIMEOUT} {shell_quote(a)} </dev/null >{tmp_path}/a.log 2>&1 &
sleep 1
timeout {BOOT_TIMEOUT} {shell_quote(b)} </dev/null >{tmp_path}/b.log 2>&1
wait
"""
    subprocess.run(["unshare", "-n", "sh", "-c", script], timeout=2 * BOOT_TIMEOUT + 30)
    log_a = (tmp_path / "a.log").read_text(errors="replace")
    log_b = (tmp_path / "b.log").read_text(errors="replace")
    assert "from-A-42" in log_b, log_b[-2000:]
    assert "from-B-56" in log_a, log_a[-2000:]


def test_set_link_off_guest_sees_carrier_down_and_info_network(emulator, guest, console,
                                                               tmp_path):
    """set_link on the backend takes the NIC's link down: Linux reports carrier 0, then 1
    again after set_link on; info network lists the NIC with its backend."""
    mon = str(tmp_path / "mon.sock")
    c = console(guest_argv(emulator, guest) +
                ["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0,id=nic0",
                 "-monitor", f"unix:{mon},server=on,wait=off"])
    c.expect(r"mimic:[^\r\n]*# ", "the shell prompt")
    hmp = HMP(mon)
    try:
        info = hmp.cmd("info network")
        assert "nic0: index=0,type=nic,model=virtio-net-device,macaddr=52:54:00:12:34:56" \
            in info, info
        assert " \\ n0: index=0,type=user,net=10.0.2.0,restrict=off" in info, info

        c.run("ip link set eth0 up; echo CARRIER=$(cat /sys/class/net/eth0/carrier)")
        c.expect(r"CARRIER=1", "carrier up at first")
        assert hmp.cmd("set_link n0 off") == ""
        assert "(link down)" in hmp.cmd("info network")
        c.run("sleep 0.5; echo CARRIER=$(cat /sys/class/net/eth0/carrier)")
        c.expect(r"CARRIER=0", "carrier down after set_link off")
        assert hmp.cmd("set_link nic0 on") == ""
        c.run("sleep 0.5; echo CARRIER=$(cat /sys/class/net/eth0/carrier)")
        c.expect(r"CARRIER=1", "carrier up after set_link on")
        assert "not found" in hmp.cmd("set_link nosuch off")
    finally:
        hmp.close()


def test_qmp_netdev_add_set_link_netdev_del(tmp_path):
    """QMP's netdev_add / set_link / netdev_del with QEMU's argument shapes."""
    path = str(tmp_path / "qmp.sock")
    p = subprocess.Popen([mimic_binary(), "-M", "virt", "-S", "-display", "none",
                          "-qmp", f"unix:{path},server=on,wait=off"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        qmp = QMP(path, timeout=20)
        cmd = qmp.cmd
        assert cmd("netdev_add", {"type": "user", "id": "q0", "net": "10.9.0.0/24"}) == \
            {"return": {}}
        r = cmd("netdev_add", {"type": "user", "id": "q0"})
        assert "already exists" in r["error"]["desc"], r
        r = cmd("netdev_add", {"type": "user", "id": "q1", "bogus": "1"})
        assert "'bogus'" in r["error"]["desc"], r
        assert cmd("set_link", {"name": "q0", "up": False}) == {"return": {}}
        r = cmd("set_link", {"name": "nope", "up": True})
        assert r["error"]["class"] == "DeviceNotFound", r
        assert cmd("netdev_del", {"id": "q0"}) == {"return": {}}
        assert cmd("netdev_del", {"id": "q0"})["error"]["class"] == "DeviceNotFound"
        cmd("quit")
        qmp.close()
        p.wait(timeout=10)
    finally:
        p.kill()
        p.wait()


def test_info_network_lists_hubs_and_netdev_add_del(tmp_path):
    """info network: hub 0 with its ports (legacy -net), then NICs with their backends;
    netdev_add / netdev_del from HMP show up there."""
    mon = str(tmp_path / "mon.sock")
    p = subprocess.Popen([mimic_binary(), "-M", "virt", "-S", "-display", "none",
                          "-net", "nic,macaddr=52:54:00:00:00:07", "-net", "user",
                          "-nic", "user,mac=52:54:00:00:00:08",
                          "-monitor", f"unix:{mon},server=on,wait=off"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        hmp = HMP(mon)
        lines = hmp.cmd("info network").splitlines()
        assert lines[0] == "hub 0", lines
        assert re.fullmatch(r" \\ hub0port0: virtio-net-device\.\d: index=0,type=nic,"
                            r"model=virtio-net-device,macaddr=52:54:00:00:00:07", lines[1]), lines
        assert re.fullmatch(r" \\ hub0port1: user\.\d: index=0,type=user,net=10\.0\.2\.0,"
                            r"restrict=off", lines[2]), lines
        assert lines[3].endswith("type=nic,model=virtio-net-device,macaddr=52:54:00:00:00:08")
        assert lines[4] == " \\ __nic0: index=0,type=user,net=10.0.2.0,restrict=off", lines
        assert hmp.cmd("netdev_add user,id=extra,restrict=on") == ""
        assert "extra: index=0,type=user,net=10.0.2.0,restrict=on" in hmp.cmd("info network")
        assert hmp.cmd("netdev_del extra") == ""
        assert "extra" not in hmp.cmd("info network")
        assert "not found" in hmp.cmd("netdev_del extra")
        hmp.close()
    finally:
        p.kill()
        p.wait()


@pytest.mark.parametrize("args, message", [
    (["-netdev", "user"], "id= is required"),
    (["-netdev", "bogus,id=x"], "unknown network backend type 'bogus'"),
    (["-netdev", "user,id=n0,colour=blue"], "'colour'"),
    (["-netdev", "user,id=n0,net=10.0.2.0/33"], "prefix length"),
    (["-netdev", "user,id=n0,dhcpstart=10.9.9.9"], "outside the guest network"),
    (["-netdev", "user,id=n0,hostfwd=tcp:1234"], "hostfwd tcp:1234: expected"),
    (["-nic", "user,mac=52:54:00"], "mac=52:54:00 is not a MAC address"),
    (["-device", "virtio-net-device,netdev=nope"], "no network backend 'nope'"),
    (["-netdev", "user,id=n0", "-device", "virtio-net-device,netdev=n0",
      "-device", "virtio-net-device,netdev=n0"], "already in use"),
    (["-netdev", "socket,id=s0"], "exactly one of listen=, connect="),
    (["-netdev", "socket,id=s0,connect=127.0.0.1:1"], "cannot connect"),
    (["-netdev", "tap,id=t0,script=/etc/qemu-ifup"], "runs no network scripts"),
    (["-netdev", "tap,id=t0,fd=987"], "fd=987 is not an open file descriptor"),
    (["-netdev", "hubport,id=h0"], "hubid= is required"),
    (["-net", "nic,model=virtio-net-device,vlan=1"], "'vlan'"),
])
def test_option_errors_name_the_problem(args, message):
    r = subprocess.run([mimic_binary(), "-M", "virt", "-S", "-display", "none", *args],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 1, r.stderr
    assert message in r.stderr, r.stderr
    assert "Assertion" not in r.stderr and "Segmentation" not in r.stderr


def test_nic_model_help_lists_virtio_net():
    r = subprocess.run([mimic_binary(), "-M", "virt", "-nic", "user,model=help"],
                       capture_output=True, text=True, timeout=20)
    assert r.returncode == 0, r.stderr
    assert "virtio-net-device" in r.stdout.splitlines(), r.stdout
