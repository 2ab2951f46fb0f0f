#!/usr/bin/env python3
"""Block I/O benchmark: `mimic-img bench` beside `qemu-img bench` on the same images.

Rows: {raw, qcow2} x {cache=writeback, cache=none} x
  4k random read, 4k random write   (-s 4k, a stride coprime with the image's block
                                     count, so every request lands on a new block)
  1M sequential read, 1M sequential write (-s 1M, step 1M, the image 4 times over)
Each image is written in full first, so reads hit allocated qcow2 clusters and
writes overwrite them. Each (row, tool) runs N times (default 5), alternating the
tools; the figure is the median, in MiB/s and IOPS, and the ratio is mimic / QEMU
throughput (above 1: mimic is faster).

Usage: bench/block/run.py [--runs N] [--size MiB] [--depth D] [--aio threads|native|io_uring]
                          [--dir DIR] [--mimic-img PATH] [--qemu-img PATH] [-v]
Standard library only.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import benchlib  # noqa: E402

REPO = benchlib.REPO
RUN_RE = re.compile(r"Run completed in ([0-9.]+) seconds")


def workloads(size_mib):
    blocks_4k = size_mib * 256
    stride = 40503 * 4096          # odd number of 4k blocks: visits every block once
    assert blocks_4k % 2 == 0
    return [
        ("4k rand read", ["-s", "4k", "-S", str(stride)], False, min(blocks_4k, 40000)),
        ("4k rand write", ["-s", "4k", "-S", str(stride)], True, min(blocks_4k, 40000)),
        ("1M seq read", ["-s", "1M"], False, size_mib * 4),
        ("1M seq write", ["-s", "1M"], True, size_mib * 4),
    ]


def bench_once(tool, img, fmt, cache, aio, depth, args, write, count, verbose):
    cmd = [tool, "bench", "-f", fmt, "-t", cache, "-d", str(depth), "-c", str(count), *args]
    if aio != "threads":
        cmd += ["-i", aio]
    if write:
        cmd += ["-w"]
    cmd.append(img)
    if verbose:
        print("  $ " + " ".join(cmd), file=sys.stderr)
    r = benchlib.run_process(cmd, timeout=600)
    m = RUN_RE.search(r.stdout.decode())
    if r.why_failed() or not m:
        why = r.why_failed() or "no 'Run completed' line"
        raise RuntimeError(f"{' '.join(cmd)}: {why}\n{r.output().decode()}")
    return float(m.group(1))


def make_image(qemu_img, path, fmt, size_mib):
    subprocess.run([qemu_img, "create", "-q", "-f", fmt, path, f"{size_mib}M"], check=True)
    subprocess.run([qemu_img, "bench", "-q", "-f", fmt, "-w", "-s", "1M", "-c", str(size_mib),
                    "--pattern=0x5a", path], check=True, capture_output=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", type=int, default=256, help="image size in MiB (even)")
    ap.add_argument("--depth", type=int, default=64)
    ap.add_argument("--aio", default="threads", choices=["threads", "native", "io_uring"])
    ap.add_argument("--dir", help="where the images go (default: a temporary directory "
                                  "under /var/tmp, a disk rather than tmpfs)")
    ap.add_argument("--mimic-img", default=str(REPO / "build" / "tools" / "mimic-img"))
    ap.add_argument("--qemu-img", default=shutil.which("qemu-img"))
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    tools = [("mimic", a.mimic_img)]
    if a.qemu_img:
        tools.append(("qemu", a.qemu_img))
    else:
        print("qemu-img not installed: mimic's column only")
    maker = a.qemu_img or a.mimic_img
    caches = ["writeback", "none"]
    if a.aio == "native":
        caches = ["none"]       # aio=native needs cache.direct=on

    with tempfile.TemporaryDirectory(dir=a.dir or "/var/tmp", prefix="mimic-bench-") as d:
        print(f"images {a.size} MiB, depth {a.depth}, aio={a.aio}, median of {a.runs} runs")
        print(f"{'format':6} {'cache':9} {'workload':14} " +
              " ".join(f"{name + ' MiB/s':>12} {'IOPS':>8}" for name, _ in tools) +
              ("   ratio" if len(tools) == 2 else ""))
        for fmt in ["raw", "qcow2"]:
            img = os.path.join(d, f"img.{fmt}")
            make_image(maker, img, fmt, a.size)
            for cache in caches:
                for name, args, write, count in workloads(a.size):
                    bs = (1 << 20) if "1M" in args else 4096
                    times = {t: [] for t, _ in tools}
                    for _ in range(a.runs):
                        for t, path in tools:
                            times[t].append(bench_once(path, img, fmt, cache, a.aio, a.depth,
                                                       args, write, count, a.v))
                    cols, rates = [], []
                    for t, _ in tools:
                        secs = benchlib.median(times[t])
                        rates.append(count * bs / (1 << 20) / secs)
                        cols.append(f"{rates[-1]:12.1f} {count / secs:8.0f}")
                    ratio = f"   {rates[0] / rates[1]:5.2f}" if len(rates) == 2 else ""
                    print(f"{fmt:6} {cache:9} {name:14} " + " ".join(cols) + ratio, flush=True)
            os.unlink(img)


if __name__ == "__main__":
    main()
