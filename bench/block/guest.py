#!/usr/bin/env python3
"""In-guest disk throughput: the riscv64 Linux guest of scripts/build-riscv-guest.sh reads
and writes its virtio-blk disk with busybox dd, under mimic-system-riscv64 and under
Debian's qemu-system-riscv64 (both translating: TCG), on the same image.

Per disk format (raw, qcow2 fully allocated) and cache mode (writeback, none) the guest
runs, after boot,
  dd if=/dev/vda of=/dev/null bs=1M                 (sequential read of the whole disk)
  dd if=/dev/zero of=/dev/vda bs=1M conv=fsync      (sequential write of the whole disk)
and the figure is MiB/s over dd's own elapsed time (guest time), the median of N boots
(default 3); the ratio is mimic / QEMU (above 1: mimic is faster). Both emulators get -smp 2 -m 512 and
the disk on virtio-mmio (QEMU: -device virtio-blk-device; mimic: -drive if=virtio).

Usage: bench/block/guest.py [--runs N] [--size MiB] [--mimic PATH] [--qemu PATH] [-v]
Standard library only.
"""

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import benchlib  # noqa: E402

REPO = benchlib.REPO
DD_RE = re.compile(r"copied, ([0-9.]+) seconds")


def argv(emulator, path, kernel, initrd, disk, fmt, cache, size_mib):
    cmd = (f"dd if=/dev/vda of=/dev/null bs=1M; "
           f"dd if=/dev/zero of=/dev/vda bs=1M count={size_mib} conv=fsync")
    common = ["-smp", "2", "-m", "512", "-nographic", "-kernel", kernel, "-initrd", initrd,
              "-append", f'console=ttyS0 mimic.cmd="{cmd}"']
    if emulator == "qemu":
        return [path, "-M", "virt", "-bios", benchlib.OPENSBI, *common,
                "-drive", f"file={disk},if=none,id=d0,format={fmt},cache={cache}",
                "-device", "virtio-blk-device,drive=d0"]
    return [path, "-M", "virt", *common,
            "-drive", f"file={disk},if=virtio,format={fmt},cache={cache}"]


def boot_once(cmd, size_mib, verbose):
    if verbose:
        print("  $ " + " ".join(cmd), file=sys.stderr)
    r = benchlib.run_process(cmd, timeout=600)
    out = r.output().decode("utf-8", "replace")
    secs = [float(s) for s in DD_RE.findall(out)]
    if len(secs) != 2 or "command exit 0" not in out:
        raise RuntimeError(f"run failed ({r.why_failed() or 'no dd figures'}):\n{out[-2000:]}")
    return [size_mib / s for s in secs]   # MiB/s (busybox dd's "MB/s" is the same)


def make_disk(path, fmt, size_mib):
    subprocess.run([str(REPO / "build" / "tools" / "mimic-img"), "create", "-q", "-f", fmt,
                    path, f"{size_mib}M"], check=True)
    subprocess.run([str(REPO / "build" / "tools" / "mimic-io"), "-f", fmt, "-c",
                    f"write -P 0x5a 0 {size_mib}M", path], check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--size", type=int, default=128, help="disk size in MiB")
    ap.add_argument("--mimic", default=str(REPO / "build" / "mimic-system-riscv64"))
    ap.add_argument("--qemu", default=shutil.which("qemu-system-riscv64"))
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    guest, why = benchlib.guest_files("riscv")
    if why:
        sys.exit(why)
    kernel, initrd = guest
    emulators = [("mimic", a.mimic)] + ([("qemu", a.qemu)] if a.qemu else [])
    print(f"disk {a.size} MiB, median of {a.runs} boots, MiB/s over the guest's dd times")
    print(f"{'format':6} {'cache':9} " + " ".join(
        f"{e + ' read':>11} {e + ' write':>11}" for e, _ in emulators) +
        ("   read ratio  write ratio" if len(emulators) == 2 else ""))
    with tempfile.TemporaryDirectory(dir="/var/tmp", prefix="mimic-guest-bench-") as d:
        for fmt in ["raw", "qcow2"]:
            disk = f"{d}/disk.{fmt}"
            make_disk(disk, fmt, a.size)
            for cache in ["writeback", "none"]:
                rates = {}
                for name, path in emulators:
                    runs = [boot_once(argv(name, path, kernel, initrd, disk, fmt, cache, a.size),
                                      a.size, a.v) for _ in range(a.runs)]
                    rates[name] = [benchlib.median([r[i] for r in runs]) for i in (0, 1)]
                cols = " ".join(f"{rates[e][0]:11.1f} {rates[e][1]:11.1f}" for e, _ in emulators)
                ratio = ""
                if len(emulators) == 2:
                    ratio = "   " + "  ".join(f"{rates['mimic'][i] / rates['qemu'][i]:10.2f}"
                                              for i in (0, 1))
                print(f"{fmt:6} {cache:9} {cols}{ratio}", flush=True)


if __name__ == "__main__":
    main()
