#!/usr/bin/env python3
"""Network throughput benchmark: host -> guest TCP through virtio-net-device on the
riscv64 virt machine (the guest under the translator), mimic beside Debian's
qemu-system-riscv64, same guest, same run.

Backends:
  user  -netdev user,hostfwd=tcp:127.0.0.1:PORT-:5001 (libslirp in both emulators)
  tap   -netdev tap in a network namespace this script creates (unshare -n): the host
        end has 192.168.77.1, the guest 192.168.77.2

The guest (scripts/build-riscv-guest.sh) runs `nc -l -p 5001 </dev/null | wc -c` once per
transfer; the host connects, sends --mbytes MiB and closes; a transfer's time runs
from the connect to the guest's byte count on the console. Prints per backend and
emulator the median, min and max MiB/s over --runs transfers in one boot, then the
ratio mimic / QEMU of the medians (above 1: mimic is faster).

Usage: bench/net/run.py [--runs N] [--mbytes M] [--backend user|tap]... [-v]
Standard library only.
"""

import argparse
import json
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"
GUEST_PORT = 5001
TAP_HOST, TAP_GUEST = "192.168.77.1", "192.168.77.2"


def guest_files():
    r = subprocess.run([str(REPO / "scripts" / "build-riscv-guest.sh"), "--print"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("guest build failed:\n" + r.stderr)
    return r.stdout.split()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Guest:
    """An emulator process whose console lines arrive on a queue."""

    def __init__(self, argv, verbose):
        if verbose:
            print("  $ " + " ".join(argv), file=sys.stderr)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.lines = queue.Queue()
        self.log = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\r\n")
            self.log.append(line)
            self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, prefix, timeout):
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                raise RuntimeError(f"timed out waiting for '{prefix}'")
            if line is None:
                raise RuntimeError(f"emulator exited before '{prefix}'")
            if prefix in line:
                return line[line.index(prefix) + len(prefix):]

    def stop(self):
        try:
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass
        self.proc.wait()


def connect(addr, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return socket.create_connection(addr, timeout=timeout)
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def send_all(addr, nbytes):
    chunk = b"\xa5" * (256 * 1024)
    with connect(addr) as s:
        sent = 0
        while sent < nbytes:
            s.sendall(chunk[: min(len(chunk), nbytes - sent)])
            sent += min(len(chunk), nbytes - sent)


def transfer(g, addr, nbytes):
    """One host -> guest transfer; returns seconds. slirp accepts the host's connection
    before the guest listens and resets it if nobody does: then try again."""
    for _ in range(100):
        start = time.perf_counter()
        try:
            send_all(addr, nbytes)
            break
        except (ConnectionResetError, BrokenPipeError):
            time.sleep(0.1)
    got = int(g.wait_for("BYTES=", 300).strip())
    elapsed = time.perf_counter() - start
    if got != nbytes:
        raise RuntimeError(f"the guest counted {got} bytes, {nbytes} were sent")
    return elapsed


def guest_script(backend, runs):
    setup = ("udhcpc -i eth0 -n -q -t 10 >/dev/null" if backend == "user"
             else f"ifconfig eth0 {TAP_GUEST} up")
    loop = (f"for i in $(seq {runs}); do echo LISTEN; "
            f"echo BYTES=$(nc -l -p {GUEST_PORT} </dev/null | wc -c); done")
    return f'mimic.cmd="{setup}; {loop}"'


def emulator_argv(name, binary, backend, kernel, initrd, runs, host_port):
    netdev = (f"user,id=n0,hostfwd=tcp:127.0.0.1:{host_port}-:{GUEST_PORT}"
              if backend == "user" else "tap,id=n0,ifname=btap0,script=no,downscript=no")
    argv = [binary, "-M", "virt"]
    if name == "qemu":
        argv += ["-bios", OPENSBI]
    return argv + ["-smp", "2", "-m", "512", "-nographic", "-kernel", kernel,
                   "-initrd", initrd, "-append",
                   "console=ttyS0 " + guest_script(backend, runs),
                   "-netdev", netdev, "-device", "virtio-net-device,netdev=n0"]


def measure(name, binary, backend, args, kernel, initrd):
    """MiB/s of each transfer, or an error string."""
    host_port = free_port()
    addr = ("127.0.0.1", host_port) if backend == "user" else (TAP_GUEST, GUEST_PORT)
    g = Guest(emulator_argv(name, binary, backend, kernel, initrd, args.runs, host_port),
              args.verbose)
    try:
        rates = []
        for _ in range(args.runs):
            g.wait_for("LISTEN", 120)
            secs = transfer(g, addr, args.mbytes * 1024 * 1024)
            rates.append(args.mbytes / secs)
        return rates
    except (RuntimeError, OSError) as e:
        if args.verbose:
            print("\n".join(g.log[-20:]), file=sys.stderr)
        return f"failed: {e}"
    finally:
        g.stop()


def setup_tap():
    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "tuntap", "add", "dev", "btap0", "mode", "tap"],
                ["ip", "addr", "add", f"{TAP_HOST}/24", "dev", "btap0"],
                ["ip", "link", "set", "btap0", "up"]):
        subprocess.run(cmd, check=True)


def run_backend(backend, args, emulators):
    kernel, initrd = guest_files()
    if backend == "tap":
        setup_tap()
    return {name: measure(name, binary, backend, args, kernel, initrd)
            for name, binary in emulators}


def summary(rates):
    if isinstance(rates, str):
        return rates
    return (f"{statistics.median(rates):8.2f} MiB/s  (min {min(rates):.2f}, "
            f"max {max(rates):.2f}, n={len(rates)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mbytes", type=int, default=16)
    ap.add_argument("--backend", action="append", choices=["user", "tap"])
    ap.add_argument("--mimic", default=str(REPO / "build" / "mimic-system-riscv64"))
    ap.add_argument("--qemu", default=shutil.which("qemu-system-riscv64"))
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--inside-netns", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    emulators = [("mimic", args.mimic)] + ([("qemu", args.qemu)] if args.qemu else [])

    if args.inside_netns:
        print(json.dumps(run_backend("tap", args, emulators)))
        return
    results = {}
    for backend in args.backend or ["user", "tap"]:
        if backend == "user":
            results[backend] = run_backend(backend, args, emulators)
            continue
        # The tap needs a namespace of its own: run this script again inside one.
        inner = [sys.executable, __file__, "--inside-netns", "--runs", str(args.runs),
                 "--mbytes", str(args.mbytes), "--mimic", args.mimic] + \
            (["--qemu", args.qemu] if args.qemu else []) + (["-v"] if args.verbose else [])
        r = subprocess.run(["unshare", "-n"] + inner, capture_output=True, text=True)
        if r.returncode != 0:
            results[backend] = {"mimic": "failed: " + (r.stderr.strip().splitlines() or
                                                       ["unshare -n failed"])[-1]}
            continue
        if args.verbose:
            sys.stderr.write(r.stderr)
        results[backend] = json.loads(r.stdout.strip().splitlines()[-1])

    print(f"host -> guest TCP, {args.mbytes} MiB per transfer, riscv64 virt, "
          "virtio-net-device, guest under the translator")
    for backend, rows in results.items():
        for name, rates in rows.items():
            print(f"  {backend:5} {name:6} {summary(rates)}")
        if all(isinstance(rows.get(n), list) for n in ("mimic", "qemu")):
            ratio = statistics.median(rows["mimic"]) / statistics.median(rows["qemu"])
            print(f"  {backend:5} ratio mimic/qemu: {ratio:.2f}")
    if not args.qemu:
        print("  (qemu-system-riscv64 not installed: scripts/install-deps.sh --bench)")


if __name__ == "__main__":
    main()
